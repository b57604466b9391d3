package io.jinfer.backend.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of worker threads that run one data-parallel job at a time together with the calling
 * thread. A job is a range of items (rows, heads, …) cut into chunks; every thread takes the next
 * chunk from a shared counter until none is left, so a thread slowed by the OS (other processes on
 * the same cores) just takes fewer chunks.
 *
 * <p>Between jobs workers spin for a short while (a decode step calls the pool many times in quick
 * succession) and then park, so an idle pool costs no CPU. Nothing is allocated per job.
 */
public final class WorkerPool implements AutoCloseable {

    /** The body of a job: processes items {@code [start, end)} on thread number {@code thread}. */
    @FunctionalInterface
    public interface Task {
        /**
         * @param thread index of the running thread, {@code 0} (the caller) to {@code threads() - 1}
         * @param start first item
         * @param end one past the last item
         */
        void run(int thread, int start, int end);
    }

    /** How long a waiting thread spins before it parks: short enough to cost little when idle. */
    private static final long SPIN_NANOS = 50_000;

    private final int threads;
    private final Worker[] workers;
    private final AtomicInteger nextChunk = new AtomicInteger();
    private final AtomicInteger pending = new AtomicInteger();
    private volatile long generation;
    private volatile boolean closed;
    private volatile boolean callerParked;
    private volatile Throwable failure;
    private Thread caller;
    // Job parameters: written by the caller before the generation bump (volatile), read after it.
    private Task task;
    private int items;
    private int chunk;
    private int chunks;

    /**
     * Starts {@code threads - 1} daemon worker threads.
     *
     * @param threads threads a job runs on, the caller included; at least 1
     */
    public WorkerPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].thread.start();
        }
    }

    /** @return threads a job runs on, the caller included */
    public int threads() {
        return threads;
    }

    /**
     * Runs {@code task} over items {@code [0, items)} in chunks of {@code chunk} items and returns
     * when every chunk is done. An exception thrown by any thread is rethrown here (the first one;
     * checked ones wrapped in a {@link RuntimeException}).
     *
     * @param task the job body
     * @param items number of items
     * @param chunk items per chunk, at least 1
     */
    public void run(Task task, int items, int chunk) {
        if (closed) {
            throw new IllegalStateException("worker pool is closed");
        }
        if (chunk < 1) {
            throw new IllegalArgumentException("chunk must be >= 1, got " + chunk);
        }
        if (items <= 0) {
            return;
        }
        int chunkCount = (items + chunk - 1) / chunk;
        if (workers.length == 0 || chunkCount == 1) {
            task.run(0, 0, items);
            return;
        }
        this.task = task;
        this.items = items;
        this.chunk = chunk;
        this.chunks = chunkCount;
        this.caller = Thread.currentThread();
        this.failure = null;
        nextChunk.set(0);
        pending.set(workers.length);
        generation = generation + 1; // publishes the fields above
        for (Worker w : workers) {
            if (w.parked) {
                LockSupport.unpark(w.thread);
            }
        }
        try {
            work(0);
        } catch (Throwable t) {
            recordFailure(t);
        }
        awaitWorkers();
        this.task = null;
        Throwable t = failure;
        if (t != null) {
            failure = null;
            if (t instanceof RuntimeException r) {
                throw r;
            }
            if (t instanceof Error e) {
                throw e;
            }
            throw new RuntimeException("worker failed", t);
        }
    }

    private void work(int thread) {
        Task body = task;
        int n = items;
        int size = chunk;
        int count = chunks;
        for (int c = nextChunk.getAndIncrement(); c < count; c = nextChunk.getAndIncrement()) {
            int start = c * size;
            body.run(thread, start, Math.min(n, start + size));
        }
    }

    private void recordFailure(Throwable t) {
        if (failure == null) {
            failure = t;
        }
        nextChunk.set(Integer.MAX_VALUE / 2); // the others stop taking chunks
    }

    private void awaitWorkers() {
        long parkAfter = System.nanoTime() + SPIN_NANOS;
        for (int spin = 0; pending.get() != 0; spin++) {
            if ((spin & 63) != 0 || System.nanoTime() < parkAfter) {
                Thread.onSpinWait();
            } else {
                callerParked = true;
                if (pending.get() != 0) {
                    LockSupport.park(this);
                }
                callerParked = false;
            }
        }
    }

    /** Stops the worker threads and waits for them to end. The pool cannot be used afterwards. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        generation = generation + 1;
        for (Worker w : workers) {
            LockSupport.unpark(w.thread);
        }
        for (Worker w : workers) {
            try {
                w.thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** @return whether every worker thread has ended (after {@link #close()}) */
    boolean workersStopped() {
        for (Worker w : workers) {
            if (w.thread.isAlive()) {
                return false;
            }
        }
        return true;
    }

    /** One worker: waits for a new generation, works, signals completion. */
    private final class Worker implements Runnable {
        final Thread thread;
        final int index;
        volatile boolean parked;

        Worker(int index) {
            this.index = index;
            this.thread = new Thread(this, "jinfer-cpu-" + index);
            this.thread.setDaemon(true);
        }

        @Override
        public void run() {
            // generation starts at 0; reading it here instead could skip a job posted before this
            // thread got to run
            long seen = 0;
            while (true) {
                long g = awaitGeneration(seen);
                if (closed) {
                    return;
                }
                seen = g;
                try {
                    work(index);
                } catch (Throwable t) {
                    recordFailure(t);
                }
                if (pending.decrementAndGet() == 0 && callerParked) {
                    LockSupport.unpark(caller);
                }
            }
        }

        private long awaitGeneration(long seen) {
            long parkAfter = System.nanoTime() + SPIN_NANOS;
            for (int spin = 0; ; spin++) {
                long g = generation;
                if (g != seen || closed) {
                    return g;
                }
                if ((spin & 63) != 0 || System.nanoTime() < parkAfter) {
                    Thread.onSpinWait();
                } else {
                    parked = true;
                    if (generation == seen && !closed) {
                        LockSupport.park(WorkerPool.this);
                    }
                    parked = false;
                }
            }
        }
    }
}

package io.jinfer.loader.quant;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Splits a batch of rows across a fixed set of threads and waits for all of them. With one thread
 * the rows run on the caller.
 */
final class RowWorkers implements AutoCloseable {
    /** Work on rows {@code [from, to)} of a batch. */
    @FunctionalInterface
    interface Slice {
        /**
         * @param from first row, inclusive
         * @param to last row, exclusive
         */
        void run(int from, int to);
    }

    /** Fewer rows than this per task are not worth a thread hand-off. */
    private static final int MIN_ROWS_PER_TASK = 4;

    private final int threads;
    private final ExecutorService pool;

    private RowWorkers(int threads) {
        this.threads = threads;
        this.pool = threads == 1 ? null : Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "jinfer-quantize");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * @param threads threads, at least 1
     * @return workers
     */
    static RowWorkers create(int threads) {
        return new RowWorkers(threads);
    }

    /**
     * Runs {@code slice} over rows {@code [0, count)}, split into contiguous parts.
     *
     * @param count rows in the batch
     * @param slice the work
     * @throws InterruptedIOException when the calling thread is interrupted (its flag stays set)
     * @throws IOException never otherwise; a worker's exception is rethrown as it is
     */
    void run(int count, Slice slice) throws IOException {
        int tasks = Math.max(1, Math.min(threads, count / MIN_ROWS_PER_TASK));
        if (pool == null || tasks == 1) {
            slice.run(0, count);
            return;
        }
        List<Future<?>> futures = new ArrayList<>(tasks);
        try {
            for (int t = 0; t < tasks; t++) {
                int from = (int) ((long) count * t / tasks);
                int to = (int) ((long) count * (t + 1) / tasks);
                futures.add(pool.submit(() -> slice.run(from, to)));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            InterruptedIOException stop = new InterruptedIOException("interrupted");
            stop.initCause(e);
            throw stop;
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case RuntimeException r -> throw r;
                case Error err -> throw err;
                default -> throw new IOException(e.getCause());
            }
        } finally {
            futures.forEach(f -> f.cancel(true));
        }
    }

    /** Stops the threads. */
    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}

package io.jinfer.executor;

import io.jinfer.api.ContextOverflowException;
import io.jinfer.api.FinishReason;
import io.jinfer.api.GenerationRequest;
import io.jinfer.api.GenerationResult;
import io.jinfer.api.GenerationScheduler;
import io.jinfer.api.QueueFullException;
import io.jinfer.api.ScheduledGeneration;
import io.jinfer.api.SchedulerOptions;
import io.jinfer.api.Session;
import io.jinfer.api.SubmitOptions;
import io.jinfer.api.TokenListener;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A scheduler that gives each of {@code parallel} worker threads its own session and lets them take
 * turns on the engine one forward pass at a time. Decode steps are not merged into one batch here;
 * that is what a continuous-batching scheduler adds on top of the same contract.
 */
final class SessionPoolScheduler implements GenerationScheduler {

    private final LoadedModel model;
    private final SchedulerOptions options;
    private final int contextLength;
    private final PriorityBlockingQueue<Job> queue = new PriorityBlockingQueue<>();
    private final AtomicLong arrivals = new AtomicLong();
    private final AtomicInteger running = new AtomicInteger();
    private final List<Thread> workers = new ArrayList<>();
    private final List<Job> active = new ArrayList<>();
    private volatile boolean closed;

    SessionPoolScheduler(LoadedModel model, SchedulerOptions options) {
        this.model = model;
        this.options = options;
        int ctx = options.session().contextLength();
        this.contextLength = ctx == 0 ? Math.min(model.trainedContextLength(), 4096) : ctx;
        for (int i = 0; i < options.parallel(); i++) {
            Thread t = Thread.ofPlatform().daemon().name("jinfer-scheduler-" + i).unstarted(this::work);
            workers.add(t);
        }
        workers.forEach(Thread::start);
    }

    @Override
    public ScheduledGeneration submit(GenerationRequest request, SubmitOptions submit, TokenListener listener) {
        if (closed) {
            throw new IllegalStateException("the scheduler is closed");
        }
        int[] prompt = request.prompt() != null
                ? model.tokenizer().encode(request.prompt(), request.addSpecialTokens(), true)
                : request.promptTokens();
        long needed = (long) prompt.length + Math.max(0, request.maxTokens() - 1);
        if (needed > contextLength) {
            throw new ContextOverflowException(needed, contextLength);
        }
        synchronized (queue) {
            if (queue.size() >= options.maxQueued()) {
                throw new QueueFullException(options.maxQueued());
            }
            Job job = new Job(request, prompt.length, submit.priority(), arrivals.getAndIncrement(), listener);
            queue.add(job);
            return job;
        }
    }

    private void work() {
        try (Session session = model.newSession(options.session().withContextLength(contextLength))) {
            while (!closed) {
                Job job;
                try {
                    job = queue.take();
                } catch (InterruptedException e) {
                    return;
                }
                run(session, job);
            }
        } catch (IllegalStateException e) {
            // The model was closed under the scheduler; its sessions are already gone.
        }
    }

    private void run(Session session, Job job) {
        if (job.cancelled) {
            job.finishCancelled();
            return;
        }
        running.incrementAndGet();
        synchronized (active) {
            active.add(job);
        }
        try {
            session.reset();
            GenerationResult r = session.generate(job.request,
                    (token, text) -> !job.cancelled && !closed && job.listener.onToken(token, text));
            job.future.complete(r);
        } catch (RuntimeException e) {
            job.future.completeExceptionally(e);
        } finally {
            synchronized (active) {
                active.remove(job);
            }
            running.decrementAndGet();
        }
    }

    @Override
    public int queuedRequests() {
        return queue.size();
    }

    @Override
    public int runningRequests() {
        return running.get();
    }

    @Override
    public SchedulerOptions options() {
        return options;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<Job> waiting = new ArrayList<>();
        queue.drainTo(waiting);
        waiting.forEach(Job::finishCancelled);
        synchronized (active) {
            active.forEach(j -> j.cancelled = true);
        }
        workers.forEach(Thread::interrupt);
        for (Thread t : workers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private final class Job implements ScheduledGeneration, Comparable<Job> {
        final GenerationRequest request;
        final int promptTokens;
        final int priority;
        final long arrival;
        final TokenListener listener;
        final CompletableFuture<GenerationResult> future = new CompletableFuture<>();
        volatile boolean cancelled;

        Job(GenerationRequest request, int promptTokens, int priority, long arrival, TokenListener listener) {
            this.request = request;
            this.promptTokens = promptTokens;
            this.priority = priority;
            this.arrival = arrival;
            this.listener = listener;
        }

        void finishCancelled() {
            future.complete(new GenerationResult("", new int[0], FinishReason.CANCELLED, promptTokens, 0, 0));
        }

        @Override
        public CompletableFuture<GenerationResult> result() {
            return future;
        }

        @Override
        public void cancel() {
            cancelled = true;
            if (queue.remove(this)) {
                finishCancelled();
            }
        }

        @Override
        public int compareTo(Job o) {
            return priority != o.priority ? Integer.compare(o.priority, priority) : Long.compare(arrival, o.arrival);
        }
    }
}

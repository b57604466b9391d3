package io.jinfer.api;

/**
 * Options of a {@link GenerationScheduler}.
 *
 * @param parallel how many generations run at once (sequences in one decode batch)
 * @param maxQueued how many admitted-but-waiting requests the queue holds before refusing more
 * @param session options of each sequence's session (context length, KV cache format, prefill batch)
 */
public record SchedulerOptions(int parallel, int maxQueued, SessionOptions session) {

    /** Rejects absurd values with a message naming the parameter. */
    public SchedulerOptions {
        if (parallel < 1 || parallel > 1024) {
            throw new IllegalArgumentException("parallel must be in [1, 1024], got " + parallel);
        }
        if (maxQueued < 0 || maxQueued > 1_000_000) {
            throw new IllegalArgumentException("maxQueued must be in [0, 1000000], got " + maxQueued);
        }
        if (session == null) {
            throw new IllegalArgumentException("session options must not be null");
        }
    }

    /**
     * Returns 4 parallel sequences, a queue of 64 and default session options.
     *
     * @return the default options
     */
    public static SchedulerOptions defaults() {
        return new SchedulerOptions(4, 64, SessionOptions.defaults());
    }

    /**
     * Returns a copy with another number of parallel sequences.
     *
     * @param n parallel sequences
     * @return the new options
     */
    public SchedulerOptions withParallel(int n) {
        return new SchedulerOptions(n, maxQueued, session);
    }

    /**
     * Returns a copy with another queue capacity.
     *
     * @param n queue capacity
     * @return the new options
     */
    public SchedulerOptions withMaxQueued(int n) {
        return new SchedulerOptions(parallel, n, session);
    }

    /**
     * Returns a copy with other session options.
     *
     * @param options session options
     * @return the new options
     */
    public SchedulerOptions withSession(SessionOptions options) {
        return new SchedulerOptions(parallel, maxQueued, options);
    }
}

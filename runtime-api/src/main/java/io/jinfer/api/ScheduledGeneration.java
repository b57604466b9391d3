package io.jinfer.api;

import java.util.concurrent.CompletableFuture;

/** A generation submitted to a {@link GenerationScheduler}. */
public interface ScheduledGeneration {

    /**
     * Returns the future result. It completes normally also when the generation is cancelled
     * (with {@link FinishReason#CANCELLED}), and exceptionally when the generation fails.
     *
     * @return the result future
     */
    CompletableFuture<GenerationResult> result();

    /**
     * Cancels the generation whether it is queued or running; its KV cache is freed at once. Has no
     * effect when it has already finished.
     */
    void cancel();

    /**
     * Tells whether the generation has finished, failed or been cancelled.
     *
     * @return true once {@link #result()} is complete
     */
    default boolean isDone() {
        return result().isDone();
    }
}

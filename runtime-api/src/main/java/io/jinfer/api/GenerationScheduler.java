package io.jinfer.api;

/**
 * Runs many generations of one model at once, as a server needs: requests wait in a bounded queue,
 * are admitted when the KV cache can hold them, and run concurrently until they finish, hit a stop
 * condition or are cancelled.
 *
 * <p>Obtain one from {@link Model#newScheduler(SchedulerOptions)}; it is thread safe. Closing it
 * cancels everything queued or running and waits for the workers to stop.
 */
public interface GenerationScheduler extends AutoCloseable {

    /**
     * Queues a generation with default priority and the anonymous tenant.
     *
     * @param request what to generate
     * @param listener receives each token as it is produced, on a scheduler thread; returning false
     *     cancels the generation
     * @return a handle to wait for or cancel the generation
     * @throws QueueFullException when the queue is full (retry later)
     * @throws ContextOverflowException when the prompt plus {@code maxTokens} cannot fit in a session's
     *     context, before any work is done
     */
    default ScheduledGeneration submit(GenerationRequest request, TokenListener listener) {
        return submit(request, SubmitOptions.defaults(), listener);
    }

    /**
     * Queues a generation.
     *
     * @param request what to generate
     * @param options priority and tenant of the request
     * @param listener receives each token as it is produced; returning false cancels the generation
     * @return a handle to wait for or cancel the generation
     * @throws QueueFullException when the queue is full
     * @throws ContextOverflowException when the request cannot fit in a session's context
     * @throws BudgetExceededException when the tenant's quota cannot hold the request's KV cache
     */
    ScheduledGeneration submit(GenerationRequest request, SubmitOptions options, TokenListener listener);

    /**
     * Returns how many requests wait for admission.
     *
     * @return queued requests
     */
    int queuedRequests();

    /**
     * Returns how many requests are being prefilled or decoded.
     *
     * @return running requests
     */
    int runningRequests();

    /**
     * Returns the options this scheduler was created with.
     *
     * @return the options
     */
    SchedulerOptions options();

    /** Cancels all queued and running generations and stops the scheduler's threads. */
    @Override
    void close();
}

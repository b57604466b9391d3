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
     * Limits how much KV cache a tenant's running requests may hold together. A request larger than the
     * quota is refused at submit; others wait while the tenant is at its quota, without holding back
     * other tenants. Tenants without a quota share the scheduler's whole KV capacity.
     *
     * @param tenant the tenant, as named in {@link SubmitOptions#tenant()}
     * @param kvBytes the most KV cache bytes its running requests may hold
     * @throws IllegalStateException when the tenant holds KV cache now
     * @throws UnsupportedOperationException when this scheduler has no quotas
     */
    default void setTenantQuota(String tenant, long kvBytes) {
        throw new UnsupportedOperationException("this scheduler has no tenant quotas");
    }

    /**
     * Returns how many KV cache pages the model's sequences hold now (for metrics).
     *
     * @return pages in use, or 0 when the scheduler does not page its cache
     */
    default int kvPagesInUse() {
        return 0;
    }

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

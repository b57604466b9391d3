package io.jinfer.api;

/**
 * How a request is scheduled.
 *
 * @param priority higher runs first among queued requests; equal priorities run in arrival order
 * @param tenant who the request is charged to; each tenant's KV cache is limited by its quota
 */
public record SubmitOptions(int priority, String tenant) {

    /** The tenant of requests that name none. */
    public static final String DEFAULT_TENANT = "default";

    /** Rejects a null or blank tenant. */
    public SubmitOptions {
        if (tenant == null || tenant.isBlank()) {
            throw new IllegalArgumentException("tenant must not be blank");
        }
    }

    /**
     * Returns priority 0 for the default tenant.
     *
     * @return the default options
     */
    public static SubmitOptions defaults() {
        return new SubmitOptions(0, DEFAULT_TENANT);
    }
}

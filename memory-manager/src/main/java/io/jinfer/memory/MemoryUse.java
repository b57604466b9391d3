package io.jinfer.memory;

/** What a reservation from a {@link MemoryBudget} pays for, so a budget can say where its bytes went. */
public enum MemoryUse {
    /** Model weights (copied to a device, or mapped and counted against a device's memory). */
    WEIGHTS,
    /** Keys and values of the attention cache. */
    KV_CACHE,
    /** Activations, logits and other working buffers. */
    SCRATCH,
    /** A slice carved out for a child budget (a tenant's quota), held whether used or not. */
    QUOTA,
    /** Anything else. */
    OTHER
}

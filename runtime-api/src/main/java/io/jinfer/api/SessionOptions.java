package io.jinfer.api;

/**
 * Options of one {@link Session}.
 *
 * @param contextLength positions the KV cache holds; 0 means the model's trained context, capped at 4096
 * @param kvCacheFormat {@link QuantFormat#F32} or {@link QuantFormat#F16}
 * @param batchSize prompt tokens processed per forward pass during prefill
 */
public record SessionOptions(int contextLength, QuantFormat kvCacheFormat, int batchSize) {

    /** Validates the options. */
    public SessionOptions {
        if (contextLength < 0) {
            throw new IllegalArgumentException("contextLength must be >= 0, got " + contextLength);
        }
        if (kvCacheFormat != QuantFormat.F32 && kvCacheFormat != QuantFormat.F16) {
            throw new IllegalArgumentException("kvCacheFormat must be F32 or F16, got " + kvCacheFormat);
        }
        if (batchSize < 1 || batchSize > 4096) {
            throw new IllegalArgumentException("batchSize must be in [1, 4096], got " + batchSize);
        }
    }

    /** @return trained context (capped at 4096), F32 KV cache, batches of 64 */
    public static SessionOptions defaults() {
        return new SessionOptions(0, QuantFormat.F32, 64);
    }

    /** @param n context length @return a copy with that context length */
    public SessionOptions withContextLength(int n) {
        return new SessionOptions(n, kvCacheFormat, batchSize);
    }

    /** @param f KV-cache format @return a copy with that format */
    public SessionOptions withKvCacheFormat(QuantFormat f) {
        return new SessionOptions(contextLength, f, batchSize);
    }

    /** @param n prefill batch size @return a copy with that batch size */
    public SessionOptions withBatchSize(int n) {
        return new SessionOptions(contextLength, kvCacheFormat, n);
    }
}

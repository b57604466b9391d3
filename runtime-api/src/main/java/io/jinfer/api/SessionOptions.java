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

    /**
     * Returns the default options: the model's trained context capped at 4096 positions, an F32 KV
     * cache and prefill batches of 64 tokens.
     *
     * @return the default options
     */
    public static SessionOptions defaults() {
        return new SessionOptions(0, QuantFormat.F32, 64);
    }

    /**
     * Returns a copy of these options with another context length.
     *
     * @param n positions the KV cache holds, at least 0; 0 means the model's trained context, capped at 4096
     * @return a copy with that context length
     * @throws IllegalArgumentException when {@code n} is negative
     */
    public SessionOptions withContextLength(int n) {
        return new SessionOptions(n, kvCacheFormat, batchSize);
    }

    /**
     * Returns a copy of these options with another KV-cache element format.
     *
     * @param f {@link QuantFormat#F32} or {@link QuantFormat#F16} (half the memory)
     * @return a copy with that format
     * @throws IllegalArgumentException for any other format
     */
    public SessionOptions withKvCacheFormat(QuantFormat f) {
        return new SessionOptions(contextLength, f, batchSize);
    }

    /**
     * Returns a copy of these options with another prefill batch size.
     *
     * @param n prompt tokens per forward pass, in [1, 4096]
     * @return a copy with that batch size
     * @throws IllegalArgumentException when {@code n} is out of range
     */
    public SessionOptions withBatchSize(int n) {
        return new SessionOptions(contextLength, kvCacheFormat, n);
    }
}

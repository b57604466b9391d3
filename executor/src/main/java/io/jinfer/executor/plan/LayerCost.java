package io.jinfer.executor.plan;

import io.jinfer.api.Precision;

/**
 * What one layer of a model costs per token: the memory it occupies and reads, the arithmetic it
 * does, and the KV cache it keeps.
 *
 * @param name e.g. {@code embed}, {@code blk.0}, {@code output}
 * @param weightBytes bytes of weights the layer holds
 * @param readBytesPerToken bytes of weights one forward step reads (all of them for a block; one row
 *     for the embedding lookup)
 * @param flopsPerToken operations of the weight products for one token (2 per multiply-add)
 * @param kvBytesPerPosition bytes of keys and values kept per position of context (0 outside blocks)
 * @param attentionFlopsPerPosition operations of attention per token per position attended to
 * @param precision the precision of the weight products
 */
public record LayerCost(String name, long weightBytes, long readBytesPerToken, double flopsPerToken,
        long kvBytesPerPosition, double attentionFlopsPerPosition, Precision precision) {

    /** Checks the values. */
    public LayerCost {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a layer needs a name");
        }
        if (weightBytes < 0 || readBytesPerToken < 0 || kvBytesPerPosition < 0 || !(flopsPerToken >= 0)
                || !(attentionFlopsPerPosition >= 0) || precision == null) {
            throw new IllegalArgumentException("layer " + name + ": sizes and FLOPs must be >= 0 and a precision given");
        }
    }
}

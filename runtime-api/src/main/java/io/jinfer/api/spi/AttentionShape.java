package io.jinfer.api.spi;

/**
 * Head layout of grouped-query attention.
 *
 * @param heads query heads
 * @param kvHeads key/value heads; {@code heads} must be a multiple of it
 * @param headDim values per head
 * @param scale factor applied to q·k, usually {@code 1/sqrt(headDim)}
 */
public record AttentionShape(int heads, int kvHeads, int headDim, float scale) {
    /** Validates the shape. */
    public AttentionShape {
        if (heads <= 0 || kvHeads <= 0 || headDim <= 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("bad attention shape: heads=" + heads + " kvHeads=" + kvHeads
                    + " headDim=" + headDim);
        }
    }
}

package io.jinfer.loader.quant;

import java.lang.foreign.MemorySegment;

/**
 * Q4_0, as ggml's reference quantiser: the value of largest magnitude {@code max} (sign kept) maps
 * to -8, so {@code d = max / -8}; each value becomes {@code min(15, trunc(x/d + 8.5))}. Values j and
 * j + 16 share byte j (low nibble, high nibble).
 */
final class Q4_0Quantizer {
    private Q4_0Quantizer() {}

    static void quantizeBlock(float[] x, int off, MemorySegment dst, long at) {
        float d = BlockMath.signedAbsMax(x, off) / -8f;
        float id = BlockMath.inverse(d);
        BlockMath.putHalf(dst, at, d);
        for (int j = 0; j < BlockMath.HALF; j++) {
            int lo = level(x[off + j] * id);
            int hi = level(x[off + BlockMath.HALF + j] * id);
            BlockMath.putByte(dst, at + 2 + j, lo | (hi << 4));
        }
    }

    /** The +8.5 then truncation rounds to nearest around the offset 8; the top level is clipped. */
    private static int level(float scaled) {
        return Math.min(15, (int) (scaled + 8.5f));
    }
}

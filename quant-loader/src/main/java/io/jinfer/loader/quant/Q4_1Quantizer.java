package io.jinfer.loader.quant;

import java.lang.foreign.MemorySegment;

/**
 * Q4_1, as ggml's reference quantiser: {@code d = (max - min) / 15} and {@code m = min}, both stored
 * as F16; each value becomes {@code min(15, trunc((x - min)/d + 0.5))}, computed with the float
 * {@code min} and scale (not their F16 roundings).
 */
final class Q4_1Quantizer {
    private Q4_1Quantizer() {}

    static void quantizeBlock(float[] x, int off, MemorySegment dst, long at) {
        float min = BlockMath.min(x, off);
        float max = BlockMath.max(x, off);
        float d = (max - min) / 15f;
        float id = BlockMath.inverse(d);
        BlockMath.putHalf(dst, at, d);
        BlockMath.putHalf(dst, at + 2, min);
        for (int j = 0; j < BlockMath.HALF; j++) {
            int lo = Math.min(15, (int) ((x[off + j] - min) * id + 0.5f));
            int hi = Math.min(15, (int) ((x[off + BlockMath.HALF + j] - min) * id + 0.5f));
            BlockMath.putByte(dst, at + 4 + j, lo | (hi << 4));
        }
    }
}

package io.jinfer.loader.quant;

import java.lang.foreign.MemorySegment;

/**
 * Q8_0, as ggml's reference quantiser: {@code d = amax / 127} stored as F16, then each value
 * {@code roundf(x / d)} (computed as {@code x * (1/d)} in float) as a signed byte. The bytes use the
 * float scale, not its F16 rounding.
 */
final class Q8_0Quantizer {
    private Q8_0Quantizer() {}

    static void quantizeBlock(float[] x, int off, MemorySegment dst, long at) {
        float d = BlockMath.absMax(x, off) / 127f;
        float id = BlockMath.inverse(d);
        BlockMath.putHalf(dst, at, d);
        for (int j = 0; j < BlockMath.QK; j++) {
            BlockMath.putByte(dst, at + 2 + j, BlockMath.roundHalfAway(x[off + j] * id));
        }
    }
}

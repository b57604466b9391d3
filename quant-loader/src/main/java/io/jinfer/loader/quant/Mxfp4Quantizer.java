package io.jinfer.loader.quant;

import static io.jinfer.loader.quant.BlockMath.putByte;

import java.lang.foreign.MemorySegment;

/**
 * MXFP4, as ggml's reference quantiser: one E8M0 scale per 32 values chosen from the largest
 * magnitude ({@link Fp4Codes#e8m0For}), then each value takes its nearest E2M1 code. Byte j holds
 * value j in its low nibble and value j + 16 in its high nibble.
 */
final class Mxfp4Quantizer {
    private Mxfp4Quantizer() {}

    static void quantizeBlock(float[] x, int off, MemorySegment dst, long at) {
        float amax = 0f;
        for (int j = 0; j < 32; j++) {
            float a = Math.abs(x[off + j]);
            if (amax < a) {
                amax = a;
            }
        }
        int e = Fp4Codes.e8m0For(amax);
        float halfScale = Fp4Codes.e8m0Half(e);
        putByte(dst, at, e);
        for (int j = 0; j < 16; j++) {
            int lo = Fp4Codes.nearestCode(x[off + j], halfScale);
            int hi = Fp4Codes.nearestCode(x[off + 16 + j], halfScale);
            putByte(dst, at + 1 + j, lo | hi << 4);
        }
    }
}

package io.jinfer.loader.quant;

import static io.jinfer.loader.quant.BlockMath.putByte;

import java.lang.foreign.MemorySegment;

/**
 * NVFP4, as ggml's reference quantiser: 64 values in four sub-blocks of 16, each with a UE4M3
 * scale {@code amax / 6} (so its largest value maps to E2M1's top of 6), rounded by
 * {@link Fp4Codes#toUe4m3}; each value then takes its nearest E2M1 code against the decoded scale.
 * Sub-block s owns bytes {@code 4 + 8s ..}: byte j holds value j low, value j + 8 high.
 */
final class Nvfp4Quantizer {
    private Nvfp4Quantizer() {}

    static void quantizeBlock(float[] x, int off, MemorySegment dst, long at) {
        for (int s = 0; s < 4; s++) {
            int o = off + 16 * s;
            float amax = 0f;
            for (int j = 0; j < 16; j++) {
                float a = Math.abs(x[o + j]);
                if (amax < a) {
                    amax = a;
                }
            }
            int code = Fp4Codes.toUe4m3(amax / 6.0f);
            putByte(dst, at + s, code);
            float halfScale = Fp4Codes.ue4m3Half(code);
            for (int j = 0; j < 8; j++) {
                int lo = Fp4Codes.nearestCode(x[o + j], halfScale);
                int hi = Fp4Codes.nearestCode(x[o + 8 + j], halfScale);
                putByte(dst, at + 4 + 8L * s + j, lo | hi << 4);
            }
        }
    }
}

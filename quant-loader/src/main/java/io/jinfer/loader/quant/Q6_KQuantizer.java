package io.jinfer.loader.quant;

import static io.jinfer.loader.quant.KQuantMath.GROUP_MAX_EPS;
import static io.jinfer.loader.quant.KQuantMath.clamp;
import static io.jinfer.loader.quant.KQuantMath.nearestInt;
import static io.jinfer.loader.quant.BlockMath.putByte;
import static io.jinfer.loader.quant.BlockMath.putHalf;
import static io.jinfer.loader.quant.KQuantMath.viaF16;

import java.lang.foreign.MemorySegment;

/**
 * Q6_K, as ggml's reference quantiser: each group of 16 values gets a signed scale from
 * {@link SymmetricScaleSearch#qx} (levels -32..31); the 16 scales become signed bytes against the
 * F16 super-scale {@code -max / 128} (max: the scale of largest magnitude, sign kept), and every
 * value is re-rounded against its stored group scale.
 */
final class Q6_KQuantizer {
    private static final int BYTES = 210;

    private Q6_KQuantizer() {}

    static void quantizeBlock(float[] x, int off, MemorySegment dst, long at) {
        KScratch s = KScratch.get();
        int[] levels = s.levels;
        float[] scales = s.scales;
        float maxScale = 0;
        float maxAbsScale = 0;
        for (int g = 0; g < 16; g++) {
            float scale = SymmetricScaleSearch.qx(16, 32, x, off + 16 * g, levels, 16 * g);
            scales[g] = scale;
            float abs = Math.abs(scale);
            if (abs > maxAbsScale) {
                maxAbsScale = abs;
                maxScale = scale;
            }
        }
        if (maxAbsScale < GROUP_MAX_EPS) {
            for (int b = 0; b < BYTES; b++) {
                putByte(dst, at + b, 0);
            }
            return;
        }
        float iscale = -128f / maxScale;
        putHalf(dst, at + 208, 1 / iscale);
        float d = viaF16(1 / iscale);
        int[] groupScales = s.scaleLevels;
        for (int g = 0; g < 16; g++) {
            groupScales[g] = (byte) Math.min(127, nearestInt(iscale * scales[g]));
            putByte(dst, at + 192 + g, groupScales[g]);
        }
        for (int g = 0; g < 16; g++) {
            float scale = d * groupScales[g];
            if (scale == 0) {
                continue;
            }
            for (int i = 0; i < 16; i++) {
                levels[16 * g + i] = clamp(nearestInt(x[off + 16 * g + i] / scale), -32, 31) + 32;
            }
        }
        for (int half = 0; half < 2; half++) {
            int base = 128 * half;
            long ql = at + 64L * half;
            long qh = at + 128 + 32L * half;
            for (int l = 0; l < 32; l++) {
                int q1 = levels[base + l];
                int q2 = levels[base + l + 32];
                int q3 = levels[base + l + 64];
                int q4 = levels[base + l + 96];
                putByte(dst, ql + l, (q1 & 0xF) | (q3 & 0xF) << 4);
                putByte(dst, ql + 32 + l, (q2 & 0xF) | (q4 & 0xF) << 4);
                putByte(dst, qh + l, (q1 >> 4) | (q2 >> 4) << 2 | (q3 >> 4) << 4 | (q4 >> 4) << 6);
            }
        }
    }
}

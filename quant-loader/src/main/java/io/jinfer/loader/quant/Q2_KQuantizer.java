package io.jinfer.loader.quant;

import static io.jinfer.loader.quant.KQuantMath.clamp;
import static io.jinfer.loader.quant.KQuantMath.nearestInt;
import static io.jinfer.loader.quant.BlockMath.putByte;
import static io.jinfer.loader.quant.BlockMath.putHalf;
import static io.jinfer.loader.quant.KQuantMath.viaF16;

import java.lang.foreign.MemorySegment;

/**
 * Q2_K, as ggml's reference quantiser: each group of 16 values gets a scale and minimum from
 * {@link AsymmetricScaleSearch} (levels 0..3, weights {@code |x|}, absolute error); scales and
 * minimums become 4-bit values against F16 super-scales {@code max / 15}; every value is then
 * re-rounded against its stored group scale and minimum.
 */
final class Q2_KQuantizer {
    private static final float Q4SCALE = 15f;

    private Q2_KQuantizer() {}

    static void quantizeBlock(float[] x, int off, MemorySegment dst, long at) {
        KScratch s = KScratch.get();
        int[] levels = s.levels;
        float[] weights = s.weights;
        float[] scales = s.scales;
        float[] mins = s.mins;
        float maxScale = 0;
        float maxMin = 0;
        for (int g = 0; g < 16; g++) {
            int o = off + 16 * g;
            for (int l = 0; l < 16; l++) {
                weights[l] = Math.abs(x[o + l]);
            }
            scales[g] = AsymmetricScaleSearch.fit(16, 3, x, o, weights, levels, 16 * g, s.aux, -0.5f, 0.1f, 15,
                    true, mins, g);
            if (scales[g] > maxScale) {
                maxScale = scales[g];
            }
            if (mins[g] > maxMin) {
                maxMin = mins[g];
            }
        }
        int[] packed = s.scaleLevels;
        java.util.Arrays.fill(packed, 0);
        if (maxScale > 0) {
            float iscale = Q4SCALE / maxScale;
            for (int g = 0; g < 16; g++) {
                packed[g] = nearestInt(iscale * scales[g]) & 0xFF;
            }
            putHalf(dst, at + 80, maxScale / Q4SCALE);
        } else {
            putHalf(dst, at + 80, 0f);
        }
        if (maxMin > 0) {
            float iscale = Q4SCALE / maxMin;
            for (int g = 0; g < 16; g++) {
                packed[g] = (packed[g] | nearestInt(iscale * mins[g]) << 4) & 0xFF;
            }
            putHalf(dst, at + 82, maxMin / Q4SCALE);
        } else {
            putHalf(dst, at + 82, 0f);
        }
        float d = maxScale > 0 ? viaF16(maxScale / Q4SCALE) : 0f;
        float dmin = maxMin > 0 ? viaF16(maxMin / Q4SCALE) : 0f;
        for (int g = 0; g < 16; g++) {
            putByte(dst, at + g, packed[g]);
            float scale = d * (packed[g] & 0xF);
            if (scale == 0) {
                continue;
            }
            float min = dmin * (packed[g] >> 4);
            for (int i = 0; i < 16; i++) {
                levels[16 * g + i] = clamp(nearestInt((x[off + 16 * g + i] + min) / scale), 0, 3);
            }
        }
        KQuantMath.putTwoBitLevels(levels, dst, at + 16);
    }
}

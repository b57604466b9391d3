package io.jinfer.loader.quant;

import static io.jinfer.loader.quant.KQuantMath.clamp;
import static io.jinfer.loader.quant.KQuantMath.nearestInt;
import static io.jinfer.loader.quant.BlockMath.putByte;
import static io.jinfer.loader.quant.BlockMath.putHalf;
import static io.jinfer.loader.quant.KQuantMath.viaF16;

import java.lang.foreign.MemorySegment;

/**
 * Q4_K (and, with 5-bit levels, Q5_K), as ggml's reference quantiser: each group of 32 values gets
 * a scale and minimum from {@link AsymmetricScaleSearch} with weights {@code rms + |x|}; the eight
 * scales and eight minimums are rounded to 6 bits against F16 super-scales {@code max / 63}
 * ({@link KScaleMins}); finally every value is re-rounded against the stored (F16-rounded)
 * group scale and minimum.
 */
final class Q4_KQuantizer {
    private Q4_KQuantizer() {}

    static void quantizeBlock(float[] x, int off, MemorySegment dst, long at) {
        int[] levels = fitLevels(x, off, dst, at, 15, -1f, 0.1f, 20);
        for (int chunk = 0; chunk < 4; chunk++) {
            for (int l = 0; l < 32; l++) {
                int lo = levels[64 * chunk + l];
                int hi = levels[64 * chunk + 32 + l];
                putByte(dst, at + 16 + 32L * chunk + l, lo | hi << 4);
            }
        }
    }

    /**
     * Writes d, dmin and the 12 scale bytes at {@code at} and returns the final levels
     * (0..{@code nmax}) of the 256 values, in a per-thread array.
     */
    static int[] fitLevels(float[] x, int off, MemorySegment dst, long at, int nmax, float rmin, float rdelta,
            int nstep) {
        KScratch s = KScratch.get();
        int[] levels = s.levels;
        float[] weights = s.weights;
        float[] scales = s.scales;
        float[] mins = s.mins;
        float maxScale = 0;
        float maxMin = 0;
        for (int j = 0; j < 8; j++) {
            int o = off + 32 * j;
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) {
                sumX2 += x[o + l] * x[o + l];
            }
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) {
                weights[l] = avX + Math.abs(x[o + l]);
            }
            scales[j] = AsymmetricScaleSearch.fit(32, nmax, x, o, weights, levels, 32 * j, s.aux, rmin, rdelta,
                    nstep, false, mins, j);
            if (scales[j] > maxScale) {
                maxScale = scales[j];
            }
            if (mins[j] > maxMin) {
                maxMin = mins[j];
            }
        }
        int[] ls = s.scaleLevels;
        int[] lm = s.minLevels;
        KScaleMins.quantize(scales, mins, maxScale, maxMin, ls, lm);
        putHalf(dst, at, maxScale / 63f);
        putHalf(dst, at + 2, maxMin / 63f);
        KScaleMins.pack(ls, lm, dst, at + 4);
        float d = viaF16(maxScale / 63f);
        float dmin = viaF16(maxMin / 63f);
        for (int j = 0; j < 8; j++) {
            float scale = d * ls[j];
            if (scale == 0) {
                continue;
            }
            float min = dmin * lm[j];
            for (int i = 0; i < 32; i++) {
                levels[32 * j + i] = clamp(nearestInt((x[off + 32 * j + i] + min) / scale), 0, nmax);
            }
        }
        return levels;
    }
}

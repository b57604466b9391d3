package io.jinfer.loader.quant;

import static io.jinfer.loader.quant.KQuantMath.clamp;
import static io.jinfer.loader.quant.KQuantMath.nearestInt;

/**
 * ggml's {@code make_qkx2_quants}: fits {@code x ~ scale * l + min} with levels {@code l} in
 * {@code 0..nmax} and {@code min <= 0}, minimising a weighted error (absolute with
 * {@code useMad}, squared otherwise). It starts from the min/max range, then for
 * {@code nstep + 1} trial inverse scales {@code (rmin + rdelta * is + nmax) / (max - min)} rounds
 * the levels and solves the 2x2 weighted least-squares system for scale and minimum, keeping the
 * trial with the smallest error.
 */
final class AsymmetricScaleSearch {
    private AsymmetricScaleSearch() {}

    /**
     * @param n values in the group
     * @param nmax the top level
     * @param x values, from {@code off}
     * @param weights one weight per value, from 0
     * @param levels receives the levels, from {@code lOff}
     * @param aux scratch for {@code n} trial levels
     * @param mins receives {@code -min} (a non-negative offset) at {@code minAt}
     * @return the scale (0 when all values are equal and non-negative)
     */
    static float fit(int n, int nmax, float[] x, int off, float[] weights, int[] levels, int lOff, int[] aux,
            float rmin, float rdelta, int nstep, boolean useMad, float[] mins, int minAt) {
        float min = x[off];
        float max = x[off];
        float sumW = weights[0];
        float sumX = sumW * x[off];
        for (int i = 1; i < n; i++) {
            float v = x[off + i];
            if (v < min) {
                min = v;
            }
            if (v > max) {
                max = v;
            }
            float w = weights[i];
            sumW += w;
            sumX += w * v;
        }
        if (min > 0) {
            min = 0;
        }
        if (max == min) {
            java.util.Arrays.fill(levels, lOff, lOff + n, 0);
            mins[minAt] = -min;
            return 0f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            int l = clamp(nearestInt(iscale * (x[off + i] - min)), 0, nmax);
            levels[lOff + i] = l;
            float diff = scale * l + min - x[off + i];
            diff = useMad ? Math.abs(diff) : diff * diff;
            bestError += weights[i] * diff;
        }
        if (nstep < 1) {
            mins[minAt] = -min;
            return scale;
        }
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0;
            float sumL2 = 0;
            float sumXL = 0;
            for (int i = 0; i < n; i++) {
                int l = clamp(nearestInt(iscale * (x[off + i] - min)), 0, nmax);
                aux[i] = l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * x[off + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float error = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * aux[i] + thisMin - x[off + i];
                    diff = useMad ? Math.abs(diff) : diff * diff;
                    error += weights[i] * diff;
                }
                if (error < bestError) {
                    System.arraycopy(aux, 0, levels, lOff, n);
                    bestError = error;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        mins[minAt] = -min;
        return scale;
    }
}

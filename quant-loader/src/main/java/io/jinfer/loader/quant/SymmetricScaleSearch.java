package io.jinfer.loader.quant;

import static io.jinfer.loader.quant.KQuantMath.GROUP_MAX_EPS;
import static io.jinfer.loader.quant.KQuantMath.clamp;
import static io.jinfer.loader.quant.KQuantMath.nearestInt;

/**
 * ggml's scale searches for formats without a minimum ({@code make_qx_quants} and
 * {@code make_q3_quants}): levels run from {@code -nmax} to {@code nmax - 1} around zero and the
 * scale is the weighted least-squares fit {@code sum(w x l) / sum(w l l)} with weights
 * {@code w = x * x}, which favours the large values.
 *
 * <p>Levels are returned biased by {@code nmax} (0 .. 2 nmax - 1). The float operations keep
 * ggml's order: {@code (w * x) * l} and {@code (w * l) * l}.
 */
final class SymmetricScaleSearch {
    private SymmetricScaleSearch() {}

    /**
     * {@code make_qx_quants} with {@code rmse_type = 1} and no importance weights: starts from the
     * scale that maps the signed extreme to {@code -nmax}, then tries 18 nearby inverse scales
     * ({@code -(nmax + 0.1 is) / max}, {@code is} = -9..9 without 0), keeping the one whose fit
     * explains most of the weighted energy ({@code sumlx^2 / suml2}, compared by
     * cross-multiplication).
     *
     * @return the fitted scale (0 for an all-zero group, whose levels are all 0)
     */
    static float qx(int n, int nmax, float[] x, int off, int[] levels, int lOff) {
        float max = BlockMath.signedAbsMax(x, off, n);
        if (Math.abs(max) < GROUP_MAX_EPS) {
            java.util.Arrays.fill(levels, lOff, lOff + n, 0);
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0;
        float suml2 = 0;
        for (int i = 0; i < n; i++) {
            float v = x[off + i];
            int l = clamp(nearestInt(iscale * v), -nmax, nmax - 1);
            levels[lOff + i] = l + nmax;
            float w = v * v;
            sumlx += w * v * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0f;
        float best = scale * sumlx;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) {
                continue;
            }
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = 0;
            suml2 = 0;
            for (int i = 0; i < n; i++) {
                float v = x[off + i];
                int l = clamp(nearestInt(iscale * v), -nmax, nmax - 1);
                float w = v * v;
                sumlx += w * v * l;
                suml2 += w * l * l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < n; i++) {
                    levels[lOff + i] = nmax + clamp(nearestInt(iscale * x[off + i]), -nmax, nmax - 1);
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    /**
     * {@code make_q3_quants} with {@code do_rmse}: rounds against the scale that maps the signed
     * extreme to {@code -nmax}, then up to five passes of coordinate descent, each moving one level
     * to the value the others' fit suggests when that improves {@code sumlx^2 / suml2}.
     *
     * @return the fitted scale (0 for an all-zero group, whose levels are all 0)
     */
    static float q3(int n, int nmax, float[] x, int off, int[] levels, int lOff) {
        float max = BlockMath.signedAbsMax(x, off, n);
        if (Math.abs(max) < GROUP_MAX_EPS) {
            java.util.Arrays.fill(levels, lOff, lOff + n, 0);
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0;
        float suml2 = 0;
        for (int i = 0; i < n; i++) {
            float v = x[off + i];
            int l = clamp(nearestInt(iscale * v), -nmax, nmax - 1);
            levels[lOff + i] = l;
            float w = v * v;
            sumlx += w * v * l;
            suml2 += w * l * l;
        }
        for (int pass = 0; pass < 5; pass++) {
            int changed = 0;
            for (int i = 0; i < n; i++) {
                float v = x[off + i];
                float w = v * v;
                int current = levels[lOff + i];
                float slx = sumlx - w * v * current;
                if (slx > 0) {
                    float sl2 = suml2 - w * current * current;
                    int candidate = clamp(nearestInt(v * sl2 / slx), -nmax, nmax - 1);
                    if (candidate != current) {
                        slx += w * v * candidate;
                        sl2 += w * candidate * candidate;
                        if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                            levels[lOff + i] = candidate;
                            sumlx = slx;
                            suml2 = sl2;
                            changed++;
                        }
                    }
                }
            }
            if (changed == 0) {
                break;
            }
        }
        for (int i = 0; i < n; i++) {
            levels[lOff + i] += nmax;
        }
        return suml2 > 0f ? sumlx / suml2 : 0f;
    }
}

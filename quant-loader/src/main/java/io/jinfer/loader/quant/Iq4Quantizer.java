package io.jinfer.loader.quant;

import static io.jinfer.loader.quant.KQuantMath.GROUP_MAX_EPS;
import static io.jinfer.loader.quant.KQuantMath.clamp;
import static io.jinfer.loader.quant.KQuantMath.nearestInt;
import static io.jinfer.loader.quant.BlockMath.putByte;
import static io.jinfer.loader.quant.BlockMath.putHalf;

import java.lang.foreign.MemorySegment;

/**
 * IQ4_NL and IQ4_XS, as {@code llama-quantize} writes them without an importance matrix (ggml's
 * {@code quantize_iq4_nl} / {@code quantize_iq4_xs}, seven trial scales each side): each group of
 * 32 values gets a scale by weighted least squares ({@code w = x * x}) over the non-linear levels,
 * trying inverse scales {@code (t + level[0]) / max} for t = -7..7. IQ4_NL stores that scale as F16;
 * IQ4_XS rounds the eight group scales to 6 bits against {@code -max / 32} and re-picks every
 * level against the rounded (not F16-rounded) group scale.
 */
final class Iq4Quantizer {
    private static final int NTRY = 7;

    private Iq4Quantizer() {}

    /** One IQ4_NL block: F16 scale, 16 bytes of nibbles (value j low, value j + 16 high). */
    static void quantizeNlBlock(float[] x, int off, MemorySegment dst, long at) {
        KScratch s = KScratch.get();
        int[] levels = s.levels;
        float d = fitGroup(x, off, s.weights, levels, 0);
        putHalf(dst, at, d);
        float id = d != 0 ? 1 / d : 0;
        for (int j = 0; j < 32; j++) {
            levels[j] = Iq4Levels.nearest(id * x[off + j]);
        }
        putNibbles(levels, 0, dst, at + 2);
    }

    /** One IQ4_XS super-block: F16 d, 16-bit high scale bits, 4 bytes of low scale bits, nibbles. */
    static void quantizeXsBlock(float[] x, int off, MemorySegment dst, long at) {
        KScratch s = KScratch.get();
        int[] levels = s.levels;
        float[] scales = s.scales;
        float maxScale = 0;
        float amaxScale = 0;
        for (int ib = 0; ib < 8; ib++) {
            scales[ib] = fitGroup(x, off + 32 * ib, s.weights, levels, 32 * ib);
            float abs = Math.abs(scales[ib]);
            if (abs > amaxScale) {
                amaxScale = abs;
                maxScale = scales[ib];
            }
        }
        float d = -maxScale / 32;
        putHalf(dst, at, d);
        float id = d != 0 ? 1 / d : 0f;
        int scalesHigh = 0;
        for (int ib = 0; ib < 8; ib++) {
            int l = clamp(nearestInt(id * scales[ib]), -32, 31);
            float dl = d * l;
            float idl = dl != 0 ? 1 / dl : 0f;
            for (int j = 0; j < 32; j++) {
                levels[32 * ib + j] = Iq4Levels.nearest(idl * x[off + 32 * ib + j]);
            }
            l += 32;
            scalesHigh |= (l >> 4) << (2 * ib);
            s.scaleLevels[ib] = l & 0xF;
        }
        putByte(dst, at + 2, scalesHigh);
        putByte(dst, at + 3, scalesHigh >>> 8);
        for (int k = 0; k < 4; k++) {
            putByte(dst, at + 4 + k, s.scaleLevels[2 * k] | s.scaleLevels[2 * k + 1] << 4);
        }
        for (int ib = 0; ib < 8; ib++) {
            putNibbles(levels, 32 * ib, dst, at + 8 + 16L * ib);
        }
    }

    /**
     * The weighted least-squares scale of one group of 32; leaves the levels of the first fit in
     * {@code levels} (all 0, with scale 0, for an all-zero group).
     */
    private static float fitGroup(float[] x, int off, float[] weight, int[] levels, int lOff) {
        float amax = 0;
        float max = 0;
        for (int j = 0; j < 32; j++) {
            float v = x[off + j];
            weight[j] = v * v;
            float ax = Math.abs(v);
            if (ax > amax) {
                amax = ax;
                max = v;
            }
        }
        if (amax < GROUP_MAX_EPS) {
            java.util.Arrays.fill(levels, lOff, lOff + 32, 0);
            return 0f;
        }
        int[] values = Iq4Levels.VALUES;
        float d = -max / values[0];
        float id = 1 / d;
        float sumqx = 0;
        float sumq2 = 0;
        for (int j = 0; j < 32; j++) {
            float v = x[off + j];
            int l = Iq4Levels.nearest(id * v);
            levels[lOff + j] = l;
            float q = values[l];
            float w = weight[j];
            sumqx += w * q * v;
            sumq2 += w * q * q;
        }
        d = sumq2 > 0 ? sumqx / sumq2 : 0f;
        float best = d * sumqx;
        for (int t = -NTRY; t <= NTRY; t++) {
            id = (t + values[0]) / max;
            sumqx = 0;
            sumq2 = 0;
            for (int j = 0; j < 32; j++) {
                float v = x[off + j];
                float q = values[Iq4Levels.nearest(id * v)];
                float w = weight[j];
                sumqx += w * q * v;
                sumq2 += w * q * q;
            }
            if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
                d = sumqx / sumq2;
                best = d * sumqx;
            }
        }
        return d;
    }

    /** 16 bytes for 32 levels: byte j holds level j low and level j + 16 high. */
    private static void putNibbles(int[] levels, int from, MemorySegment dst, long at) {
        for (int j = 0; j < 16; j++) {
            putByte(dst, at + j, levels[from + j] | levels[from + 16 + j] << 4);
        }
    }
}

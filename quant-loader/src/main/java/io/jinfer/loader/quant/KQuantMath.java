package io.jinfer.loader.quant;

import java.lang.foreign.MemorySegment;

/**
 * Small pieces of arithmetic shared by the K-quant and non-linear reference quantisers, each
 * written to round exactly as ggml's C does.
 */
final class KQuantMath {
    /** Values in a K-quant super-block. */
    static final int QK_K = 256;

    /** ggml treats a group whose largest magnitude is below this as all zero. */
    static final float GROUP_MAX_EPS = 1e-15f;

    /**
     * {@code 1.5 * 2^23}: adding it leaves a float whose low mantissa bits hold the rounded
     * integer, because its ulp is exactly 1.
     */
    private static final float ROUNDING_MAGIC = 12582912f;

    private KQuantMath() {}

    /**
     * ggml's {@code nearest_int}: rounds to nearest with ties to even (the addition's own rounding
     * decides), valid for magnitudes below {@code 2^22}. Outside that range it returns what the bit
     * trick returns in C too, so that even pathological inputs give the same bytes.
     */
    static int nearestInt(float v) {
        float shifted = v + ROUNDING_MAGIC;
        return (Float.floatToRawIntBits(shifted) & 0x007F_FFFF) - 0x0040_0000;
    }

    /** The value a scale has once stored as F16 and read back, as ggml re-reads it while quantising. */
    static float viaF16(float v) {
        return Float.float16ToFloat(HalfFloats.toF16(v));
    }

    /** C's {@code MAX(lo, MIN(hi, v))}. */
    static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    /**
     * Writes the 2-bit levels {@code L[0..255]} (each 0..3) packed as Q2_K and Q3_K keep them: in
     * each half of 128, value {@code 32 * g + l} sits at bit {@code 2g} of byte {@code l}.
     */
    static void putTwoBitLevels(int[] levels, MemorySegment dst, long at) {
        for (int half = 0; half < 2; half++) {
            int base = 128 * half;
            for (int l = 0; l < 32; l++) {
                int b = levels[base + l] | levels[base + l + 32] << 2 | levels[base + l + 64] << 4
                        | levels[base + l + 96] << 6;
                BlockMath.putByte(dst, at + 32L * half + l, b);
            }
        }
    }
}

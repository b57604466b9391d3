package io.jinfer.api.format;

/**
 * FP4 E2M1, the element format of NVFP4 and MXFP4 checkpoints, with its true values (not ggml's
 * doubled integers, see {@link MiniFloats}): sign bit 3, exponent bits 2..1 with bias 1, mantissa
 * bit 0, so the magnitudes are 0, 0.5, 1, 1.5, 2, 3, 4 and 6. There is no infinity or NaN.
 * Checkpoints pack two codes per byte, element {@code 2i} in the low nibble.
 *
 * <p>Encoding rounds to nearest, ties to even (0.25 → 0, 0.75 → 1, 1.25 → 1, 1.75 → 2, 2.5 → 2,
 * 3.5 → 4, 5 → 4) and saturates at ±6, which is what NVIDIA ModelOpt's {@code _cast_fp4} and the OCP
 * MX conversion compute. A negative input keeps its sign bit even when it rounds to zero (code 8,
 * -0); -0.0 itself gives code 0; NaN gives code 7 (+6), where ModelOpt's sorted-bounds search puts it.
 */
public final class E2m1 {
    /** Largest E2M1 magnitude. */
    public static final float MAX = 6f;

    private static final float[] VALUES = {0f, 0.5f, 1f, 1.5f, 2f, 3f, 4f, 6f,
        -0f, -0.5f, -1f, -1.5f, -2f, -3f, -4f, -6f};

    private E2m1() {}

    /**
     * Decodes a code.
     *
     * @param code the code; bits above the low four are ignored
     * @return its value (code 8 is -0.0)
     */
    public static float toFloat(int code) {
        return VALUES[code & 0xF];
    }

    /**
     * Encodes a float: nearest value, ties to even, saturating at ±6.
     *
     * @param x the value
     * @return the code, 0..15
     */
    public static int fromFloat(float x) {
        if (Float.isNaN(x)) {
            return 7;
        }
        int sign = x < 0 ? 8 : 0;
        double rounded = MiniFloatRounding.roundToGrid(Math.abs((double) x), 1, 0);
        if (rounded > MAX) {
            return sign | 7;
        }
        return sign | MiniFloatRounding.encodeGridValue(rounded, 1, 0, 1);
    }
}

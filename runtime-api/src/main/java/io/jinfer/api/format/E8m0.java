package io.jinfer.api.format;

/**
 * E8M0, the shared scale of the OCP microscaling (MX) formats: an unsigned biased exponent,
 * {@code 2^(code - 127)}, with 0xFF as NaN. Code 0 is {@code 2^-127}, a subnormal float (exact).
 */
public final class E8m0 {
    /** The NaN code. */
    public static final int NAN_CODE = 0xFF;

    private E8m0() {}

    /**
     * Decodes a scale.
     *
     * @param code the code; bits above the low eight are ignored
     * @return {@code 2^(code - 127)}, or NaN for 0xFF
     */
    public static float toFloat(int code) {
        int c = code & 0xFF;
        return c == NAN_CODE ? Float.NaN : Math.scalb(1.0f, c - 127);
    }

    /**
     * The shared scale of one MX block, as the OCP MX specification (v1.0, section 6.3) computes it:
     * exponent {@code floor(log2(amax)) - emaxElement}, so the block's largest magnitude lands in
     * the top binade of the element format, clamped below at -127 (an all-zero block gets code 0);
     * a block holding NaN or infinity gets the NaN scale.
     *
     * @param amax the largest magnitude in the block
     * @param emaxElement exponent of the element format's largest normal value (2 for E2M1, 8 for
     *     E4M3, 15 for E5M2)
     * @return the E8M0 code
     */
    public static int sharedScale(float amax, int emaxElement) {
        if (!Float.isFinite(amax)) {
            return NAN_CODE;
        }
        float a = Math.abs(amax);
        if (a == 0f) {
            return 0;
        }
        // getExponent is floor(log2) exactly for normal floats; subnormals report -127, which lands
        // below the clamp anyway
        int exponent = Math.getExponent(a) - emaxElement;
        return Math.clamp(exponent + 127, 0, 254);
    }
}

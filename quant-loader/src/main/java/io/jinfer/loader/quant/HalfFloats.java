package io.jinfer.loader.quant;

/**
 * Rounding of binary32 to the two 16-bit float formats, as ggml rounds them when it writes model
 * files.
 */
public final class HalfFloats {
    /** The quiet NaN ggml's portable converter writes for every F16 NaN (sign kept). */
    private static final short F16_QUIET_NAN = 0x7E00;
    /** Setting this mantissa bit makes a BF16 NaN quiet. */
    private static final int BF16_QUIET_BIT = 0x40;

    private HalfFloats() {}

    /**
     * Rounds to IEEE binary16, to nearest with ties to even; overflow becomes infinity, subnormal
     * results are kept. Every NaN becomes the quiet NaN {@code 0x7E00} with the input's sign, as in
     * ggml's portable converter.
     *
     * @param value the value
     * @return its binary16 bits
     */
    public static short toF16(float value) {
        if (Float.isNaN(value)) {
            int sign = (Float.floatToRawIntBits(value) >>> 16) & 0x8000;
            return (short) (sign | F16_QUIET_NAN);
        }
        // The JDK's conversion is correctly rounded (nearest, ties to even), like F16C hardware.
        return Float.floatToFloat16(value);
    }

    /**
     * Rounds to bfloat16 (the upper 16 bits of a binary32) to nearest with ties to even. Subnormals
     * are rounded like any other value (not flushed). A NaN keeps its sign and upper payload bits
     * and is made quiet, so a signalling NaN whose payload lies in the dropped bits stays a NaN.
     *
     * @param value the value
     * @return its bfloat16 bits
     */
    public static short toBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7FFF_FFFF) > 0x7F80_0000) {
            return (short) ((bits >>> 16) | BF16_QUIET_BIT);
        }
        // Adding 0x7FFF plus the lowest kept bit rounds half-way cases towards the even neighbour;
        // a carry into the exponent is the correct result (up to infinity).
        int roundingBias = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }
}

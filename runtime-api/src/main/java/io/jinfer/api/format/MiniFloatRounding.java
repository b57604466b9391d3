package io.jinfer.api.format;

/**
 * Round-to-nearest-even onto a small binary floating-point grid, the one rounding step shared by
 * the FP8 and FP4 encoders. The grid is described by its mantissa width and smallest normal
 * exponent; finding the nearest grid value in double arithmetic is exact because every float is a
 * double and dividing by a power of two only moves the exponent.
 */
final class MiniFloatRounding {
    private MiniFloatRounding() {}

    /**
     * Rounds a magnitude to the nearest value with {@code mantissaBits} fraction bits and exponent at
     * least {@code minExponent} (below it the spacing stays {@code 2^(minExponent - mantissaBits)}:
     * the subnormals), ties to the value with an even last mantissa bit. The exponent is unbounded
     * above, so the caller decides what a result beyond its largest finite value means.
     *
     * @param magnitude a non-negative, non-NaN value (infinity passes through)
     * @param mantissaBits fraction bits of the target format
     * @param minExponent exponent of the smallest normal value
     * @return the rounded magnitude
     */
    static double roundToGrid(double magnitude, int mantissaBits, int minExponent) {
        if (Double.isInfinite(magnitude)) {
            return magnitude;
        }
        int exponent = Math.max(Math.getExponent(magnitude), minExponent);
        double quantum = Math.scalb(1.0, exponent - mantissaBits);
        // Math.rint rounds half-way cases to the even integer: exactly the even-mantissa rule
        return Math.rint(magnitude / quantum) * quantum;
    }

    /**
     * Encodes a magnitude that lies on the grid (as {@link #roundToGrid} returns) without sign.
     *
     * @param value a grid value no larger than the format's largest finite value
     * @param mantissaBits fraction bits of the format
     * @param minExponent exponent of the smallest normal value
     * @param bias exponent bias of the format
     * @return the code: exponent field above {@code mantissaBits} fraction bits
     */
    static int encodeGridValue(double value, int mantissaBits, int minExponent, int bias) {
        if (value < Math.scalb(1.0, minExponent)) {
            // subnormal: exponent field 0, the value counted in units of the smallest spacing
            return (int) (value / Math.scalb(1.0, minExponent - mantissaBits));
        }
        int exponent = Math.getExponent(value);
        int significand = (int) (value / Math.scalb(1.0, exponent - mantissaBits));
        return (exponent + bias) << mantissaBits | (significand - (1 << mantissaBits));
    }
}

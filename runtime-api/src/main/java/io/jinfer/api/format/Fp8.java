package io.jinfer.api.format;

/**
 * The two 8-bit floating-point formats of NVIDIA's {@code cuda_fp8.h}, bit-exact with its
 * conversions {@code __nv_cvt_fp8_to_halfraw} (decode) and {@code __nv_cvt_float_to_fp8} (encode).
 *
 * <p><b>E4M3</b> ({@code __NV_E4M3}, "E4M3FN"): sign, 4 exponent bits with bias 7, 3 mantissa bits.
 * There are no infinities; {@code S.1111.111} (0x7F, 0xFF) is NaN and every other code is finite, up
 * to ±448. Exponent 0 holds the subnormals {@code m * 2^-9}.
 *
 * <p><b>E5M2</b> ({@code __NV_E5M2}): sign, 5 exponent bits with bias 15, 2 mantissa bits, the upper
 * byte of an IEEE binary16: exponent 31 is ±infinity (mantissa 0) or NaN; largest finite ±57344;
 * subnormals {@code m * 2^-16}.
 *
 * <p>Encoding rounds to nearest, ties to even, keeps the sign of zero, and turns any NaN into the
 * positive NaN code 0x7F (the float NaN is made canonical first, as {@code cuda_fp8.hpp} does).
 * Magnitudes whose rounding exceeds the largest finite value (also ±infinity) become the largest
 * finite value with {@code __NV_SATFINITE} ({@code saturate = true}); with {@code __NV_NOSAT} they
 * become NaN in E4M3 (which has no infinity) and ±infinity in E5M2. In E4M3 everything up to 464
 * (448 plus half a step) still rounds to 448; in E5M2 the half-way point 61440 already rounds up to
 * infinity, because 57344's mantissa is odd.
 */
public final class Fp8 {
    /** Largest finite E4M3 value. */
    public static final float E4M3_MAX = 448f;
    /** Largest finite E5M2 value. */
    public static final float E5M2_MAX = 57344f;
    /** The NaN code both encoders produce for a NaN input. */
    public static final int NAN_CODE = 0x7F;

    private static final float[] E4M3 = new float[256];
    private static final float[] E5M2 = new float[256];

    static {
        for (int c = 0; c < 256; c++) {
            E4M3[c] = decodeE4m3(c);
            E5M2[c] = decodeE5m2(c);
        }
    }

    private Fp8() {}

    /**
     * Decodes an E4M3 code.
     *
     * @param code the code; bits above the low eight are ignored
     * @return its value; NaN for 0x7F and 0xFF, -0.0 for 0x80
     */
    public static float e4m3ToFloat(int code) {
        return E4M3[code & 0xFF];
    }

    /**
     * Decodes an E5M2 code.
     *
     * @param code the code; bits above the low eight are ignored
     * @return its value; ±infinity for 0x7C / 0xFC, NaN for 0x7D..0x7F and 0xFD..0xFF
     */
    public static float e5m2ToFloat(int code) {
        return E5M2[code & 0xFF];
    }

    /**
     * Returns the 256 values of E4M3, indexed by code: the lookup table of the fast kernels.
     *
     * @return a fresh copy of the table
     */
    public static float[] e4m3Table() {
        return E4M3.clone();
    }

    /**
     * Returns the 256 values of E5M2, indexed by code.
     *
     * @return a fresh copy of the table
     */
    public static float[] e5m2Table() {
        return E5M2.clone();
    }

    /**
     * Encodes a float as E4M3, as {@code __nv_cvt_float_to_fp8(x, sat, __NV_E4M3)}.
     *
     * @param x the value
     * @param saturate true for {@code __NV_SATFINITE} (overflow gives ±448), false for
     *     {@code __NV_NOSAT} (overflow gives NaN)
     * @return the code, 0..255
     */
    public static int floatToE4m3(float x, boolean saturate) {
        return encode(x, saturate, 3, -6, 7, E4M3_MAX, 0x7E, 0x7F);
    }

    /**
     * Encodes a float as E5M2, as {@code __nv_cvt_float_to_fp8(x, sat, __NV_E5M2)}.
     *
     * @param x the value
     * @param saturate true for {@code __NV_SATFINITE} (overflow gives ±57344), false for
     *     {@code __NV_NOSAT} (overflow gives ±infinity)
     * @return the code, 0..255
     */
    public static int floatToE5m2(float x, boolean saturate) {
        return encode(x, saturate, 2, -14, 15, E5M2_MAX, 0x7B, 0x7C);
    }

    private static int encode(float x, boolean saturate, int mantissaBits, int minExponent, int bias, float max,
            int maxCode, int overflowCode) {
        if (Float.isNaN(x)) {
            return NAN_CODE;
        }
        int sign = (Float.floatToRawIntBits(x) >>> 31) << 7;
        double rounded = MiniFloatRounding.roundToGrid(Math.abs((double) x), mantissaBits, minExponent);
        if (rounded > max) {
            return sign | (saturate ? maxCode : overflowCode);
        }
        return sign | MiniFloatRounding.encodeGridValue(rounded, mantissaBits, minExponent, bias);
    }

    private static float decodeE4m3(int c) {
        int exponent = (c >>> 3) & 0xF;
        int mantissa = c & 7;
        if (exponent == 15 && mantissa == 7) {
            return Float.NaN;
        }
        float magnitude = exponent == 0 ? Math.scalb((float) mantissa, -9)
                : Math.scalb((float) (8 + mantissa), exponent - 10);
        return (c & 0x80) != 0 ? -magnitude : magnitude;
    }

    private static float decodeE5m2(int c) {
        int exponent = (c >>> 2) & 0x1F;
        int mantissa = c & 3;
        float magnitude;
        if (exponent == 31) {
            magnitude = mantissa == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
        } else if (exponent == 0) {
            magnitude = Math.scalb((float) mantissa, -16);
        } else {
            magnitude = Math.scalb((float) (4 + mantissa), exponent - 17);
        }
        return (c & 0x80) != 0 ? -magnitude : magnitude;
    }
}

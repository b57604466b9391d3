package io.jinfer.api.format;

/**
 * Exact decoders for the tiny floating-point encodings of the OCP microscaling formats and NVFP4:
 * E2M1 elements, E8M0 and UE4M3 scales.
 *
 * <p>ggml stores E2M1 values doubled, as small integers ({@code 2 * E2M1}: 0, ±1, ±2, ±3, ±4, ±6,
 * ±8, ±12), and folds the compensating factor ½ into the scale decoders. The {@code *Half} methods
 * reproduce that convention exactly; it matters at the edges: E8M0 code 255 is a finite
 * {@code 2^127} there (where the true {@code 2^128} would overflow a float), and
 * {@code 12 * 2^127} then overflows to infinity just as in ggml.
 */
public final class MiniFloats {
    /** The 16 E2M1 codes doubled (ggml's table): bit 3 is the sign, bits 2..0 the magnitude. */
    private static final int[] E2M1_DOUBLED = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};

    private MiniFloats() {}

    /**
     * An E2M1 code times two: sign bit 3, exponent bits 2..1 (bias 1), mantissa bit 0.
     *
     * @param code a 4-bit code, 0..15
     * @return twice the value it encodes, an integer in [-12, 12]
     */
    public static int e2m1Doubled(int code) {
        return E2M1_DOUBLED[code & 0xF];
    }

    /**
     * Decodes an E2M1 (4-bit float) code: sign bit 3, exponent bits 2..1, mantissa bit 0. Bits above
     * the low four are ignored.
     *
     * @param code a 4-bit E2M1 code, 0..15
     * @return the value it encodes: 0, ±0.5, ±1, ±1.5, ±2, ±3, ±4 or ±6 (code 8 is -0 and reads as 0)
     */
    public static float e2m1(int code) {
        return e2m1Doubled(code) * 0.5f;
    }

    /**
     * Half of an E8M0 scale, as ggml decodes it: {@code 2^(code - 128)} for every code. (E8M0 is a
     * bare biased exponent, {@code 2^(code - 127)}; ggml does not treat 255 as NaN.)
     *
     * @param code an 8-bit code, 0..255
     * @return {@code 2^(code - 128)}, exact (subnormal for codes 0 and 1)
     */
    public static float e8m0Half(int code) {
        return Math.scalb(1.0f, (code & 0xFF) - 128);
    }

    /**
     * An unsigned E4M3 scale (4 exponent bits with bias 7, 3 mantissa bits, no sign), as ggml
     * decodes it: code 0 and the NaN code 0x7F read as 0; exponent 0 is subnormal,
     * {@code m * 2^-9}; otherwise {@code (1 + m/8) * 2^(e - 7)}. Bit 7 is not part of the encoding
     * and is ignored, except that 0xFF is not the NaN code and decodes as exponent 15, mantissa 7.
     *
     * @param code an 8-bit code
     * @return the value, between 0 and 480
     */
    public static float ue4m3(int code) {
        int c = code & 0xFF;
        if (c == 0 || c == 0x7F) {
            return 0.0f;
        }
        int exponent = (c >>> 3) & 0xF;
        int mantissa = c & 0x7;
        if (exponent == 0) {
            return Math.scalb((float) mantissa, -9);
        }
        return Math.scalb(1.0f + mantissa / 8.0f, exponent - 7);
    }

    /**
     * Decodes a UE4M3 scale and halves it, so that it can multiply the doubled values of
     * {@link #e2m1Doubled(int)} directly. Bits above the low eight are ignored.
     *
     * @param code an 8-bit UE4M3 code
     * @return half of {@link #ue4m3(int)}, exact: the scale ggml multiplies doubled E2M1 values by
     */
    public static float ue4m3Half(int code) {
        return ue4m3(code) * 0.5f;
    }
}

package io.jinfer.loader.quant;

/**
 * The encoding choices of ggml's FP4 quantisers (MXFP4, NVFP4): which E2M1 code represents a
 * value, and how the shared scales are rounded. ggml keeps E2M1 values doubled (integers 0, ±1,
 * ±2, ±3, ±4, ±6, ±8, ±12) and halves the decoded scale to compensate; the searches here work in
 * that doubled convention so that every product rounds as in ggml.
 */
final class Fp4Codes {
    /** The 16 E2M1 codes doubled: bit 3 is the sign, so code 8 is -0. */
    private static final int[] DOUBLED = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};

    private static final double LN2 = Math.log(2.0);

    private Fp4Codes() {}

    /**
     * The code whose doubled value times {@code halfScale} is nearest to {@code x}; on a tie the
     * lower code wins, so zero is always +0 (code 0).
     */
    static int nearestCode(float x, float halfScale) {
        int best = 0;
        float bestErr = Math.abs(DOUBLED[0] * halfScale - x);
        for (int i = 1; i < 16; i++) {
            float err = Math.abs(DOUBLED[i] * halfScale - x);
            if (err < bestErr) {
                best = i;
                bestErr = err;
            }
        }
        return best;
    }

    /**
     * MXFP4's E8M0 scale code for a block whose largest magnitude is {@code amax}: exponent
     * {@code floor(log2(amax)) - 2} (so the largest value lands near E2M1's top of 6), biased by
     * 127, truncated to a byte; 0 for an all-zero block. {@code log2} is rounded to float first, as
     * C's {@code log2f} returns it, which matters just below a power of two.
     */
    static int e8m0For(float amax) {
        if (!(amax > 0f)) {
            return 0;
        }
        float log2 = (float) (Math.log(amax) / LN2);
        float biased = (float) Math.floor(log2) - 2 + 127;
        return (int) biased & 0xFF;
    }

    /** Half of the E8M0 scale {@code 2^(code - 127)}, i.e. {@code 2^(code - 128)}, exact. */
    static float e8m0Half(int code) {
        return Math.scalb(1.0f, (code & 0xFF) - 128);
    }

    /**
     * ggml's float to UE4M3 rounding: non-positive and NaN give 0; values are capped at 448;
     * below {@code 2^-6} the subnormal mantissa is {@code trunc(x * 512 + 0.5)} capped at 7;
     * otherwise the top three mantissa bits plus the next bit (round half up), carrying into the
     * exponent, and anything from exponent 15 on becomes 0x7E (448).
     */
    static int toUe4m3(float x) {
        if (!(x > 0f)) {
            return 0;
        }
        if (x > 448f) {
            x = 448f;
        }
        int bits = Float.floatToRawIntBits(x);
        int exponent = ((bits >>> 23) & 0xFF) - 127 + 7;
        if (exponent <= 0) {
            int mantissa = (int) (x * 512f + 0.5f);
            return mantissa < 1 ? 0 : Math.min(7, mantissa);
        }
        if (exponent >= 15) {
            return 0x7E;
        }
        int mantissa = ((bits >>> 20) & 7) + ((bits >>> 19) & 1);
        if (mantissa > 7) {
            mantissa = 0;
            exponent++;
            if (exponent >= 15) {
                return 0x7E;
            }
        }
        return exponent << 3 | mantissa;
    }

    /** Half of the UE4M3 value of {@code code}, as ggml decodes it (0 and 0x7F read as 0). */
    static float ue4m3Half(int code) {
        int c = code & 0xFF;
        if (c == 0 || c == 0x7F) {
            return 0f;
        }
        int exponent = (c >>> 3) & 0xF;
        int mantissa = c & 7;
        float raw = exponent == 0 ? Math.scalb((float) mantissa, -9)
                : Math.scalb(1.0f + mantissa / 8.0f, exponent - 7);
        return raw * 0.5f;
    }
}

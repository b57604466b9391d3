package io.jinfer.api.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * FP8 against tables derived here from the format definitions (sign, exponent and mantissa fields by
 * formula), and encoding against a brute-force nearest search over those tables.
 */
class Fp8Test {
    /** E4M3FN: bias 7, 3 mantissa bits, S.1111.111 is NaN, no infinity. */
    static double e4m3Spec(int code) {
        int s = code >> 7;
        int e = (code >> 3) & 15;
        int m = code & 7;
        if (e == 15 && m == 7) {
            return Double.NaN;
        }
        double mag = e == 0 ? m / 8.0 * Math.pow(2, -6) : (1 + m / 8.0) * Math.pow(2, e - 7);
        return s == 1 ? -mag : mag;
    }

    /** E5M2: bias 15, 2 mantissa bits, exponent 31 is infinity (m = 0) or NaN. */
    static double e5m2Spec(int code) {
        int s = code >> 7;
        int e = (code >> 2) & 31;
        int m = code & 3;
        double mag;
        if (e == 31) {
            mag = m == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
        } else {
            mag = e == 0 ? m / 4.0 * Math.pow(2, -14) : (1 + m / 4.0) * Math.pow(2, e - 15);
        }
        return s == 1 ? -mag : mag;
    }

    @Test
    void everyE4m3Code() {
        int nans = 0;
        for (int c = 0; c < 256; c++) {
            double spec = e4m3Spec(c);
            float actual = Fp8.e4m3ToFloat(c);
            if (Double.isNaN(spec)) {
                nans++;
                assertTrue(Float.isNaN(actual), "code " + c);
            } else {
                assertEquals(Float.floatToRawIntBits((float) spec), Float.floatToRawIntBits(actual), "code " + c);
            }
        }
        assertEquals(2, nans);
        assertEquals(448f, Fp8.e4m3ToFloat(0x7E));
        assertEquals(0x1p-9f, Fp8.e4m3ToFloat(0x01));
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(Fp8.e4m3ToFloat(0x80)));
        assertEquals(Fp8.e4m3ToFloat(0x13), Fp8.e4m3ToFloat(0x313), "upper bits ignored");
    }

    @Test
    void everyE5m2Code() {
        for (int c = 0; c < 256; c++) {
            double spec = e5m2Spec(c);
            float actual = Fp8.e5m2ToFloat(c);
            if (Double.isNaN(spec)) {
                assertTrue(Float.isNaN(actual), "code " + c);
            } else {
                assertEquals(Float.floatToRawIntBits((float) spec), Float.floatToRawIntBits(actual), "code " + c);
            }
            // E5M2 is the upper byte of a binary16
            float half = Float.float16ToFloat((short) (c << 8));
            assertEquals(Float.isNaN(half), Float.isNaN(actual), "code " + c);
            if (!Float.isNaN(half)) {
                assertEquals(half, actual, "code " + c);
            }
        }
        assertEquals(57344f, Fp8.e5m2ToFloat(0x7B));
        assertEquals(Float.NEGATIVE_INFINITY, Fp8.e5m2ToFloat(0xFC));
    }

    @Test
    void everyFiniteValueRoundTripsInBothModes() {
        for (boolean sat : new boolean[] {true, false}) {
            for (int c = 0; c < 256; c++) {
                if (!Double.isNaN(e4m3Spec(c))) {
                    assertEquals(c, Fp8.floatToE4m3((float) e4m3Spec(c), sat), "E4M3 code " + c);
                }
                if (Double.isFinite(e5m2Spec(c))) {
                    assertEquals(c, Fp8.floatToE5m2((float) e5m2Spec(c), sat), "E5M2 code " + c);
                }
            }
        }
    }

    @Test
    void tiesRoundToEvenAcrossEveryGap() {
        checkGaps(Fp8Test::e4m3Spec, x -> Fp8.floatToE4m3(Float.intBitsToFloat(x), true), 0x7E);
        checkGaps(Fp8Test::e5m2Spec, x -> Fp8.floatToE5m2(Float.intBitsToFloat(x), true), 0x7B);
    }

    /** For each pair of neighbouring positive codes (and their negatives): midpoint and its neighbours. */
    private static void checkGaps(java.util.function.IntToDoubleFunction spec, IntUnaryOperator encode, int max) {
        for (int c = 0; c < max; c++) {
            float lo = (float) spec.applyAsDouble(c);
            float hi = (float) spec.applyAsDouble(c + 1);
            float mid = (lo + hi) / 2; // exact: at most 5 significant bits
            assertEquals((lo + hi) / 2.0, mid, 0.0);
            int even = (c & 1) == 0 ? c : c + 1;
            for (int sign : new int[] {0, 0x80}) {
                float s = sign == 0 ? 1f : -1f;
                assertEquals(even | sign, encode.applyAsInt(Float.floatToRawIntBits(s * mid)), "tie " + mid);
                assertEquals(c | sign, encode.applyAsInt(Float.floatToRawIntBits(s * Math.nextDown(mid))),
                        "below " + mid);
                assertEquals((c + 1) | sign, encode.applyAsInt(Float.floatToRawIntBits(s * Math.nextUp(mid))),
                        "above " + mid);
            }
        }
    }

    @Test
    void saturationAndNanE4m3() {
        // 464 is half way between 448 and the (NaN) code above: ties to even keep 448 in both modes
        for (boolean sat : new boolean[] {true, false}) {
            assertEquals(0x7E, Fp8.floatToE4m3(464f, sat));
            assertEquals(0xFE, Fp8.floatToE4m3(-464f, sat));
            assertEquals(0x7F, Fp8.floatToE4m3(Float.NaN, sat));
            assertEquals(0x7F, Fp8.floatToE4m3(Float.intBitsToFloat(0xFFC00001), sat), "negative NaN");
        }
        float over = Math.nextUp(464f);
        assertEquals(0x7E, Fp8.floatToE4m3(over, true));
        assertEquals(0xFE, Fp8.floatToE4m3(-over, true));
        assertEquals(0x7F, Fp8.floatToE4m3(over, false));
        assertEquals(0xFF, Fp8.floatToE4m3(-over, false));
        assertEquals(0x7E, Fp8.floatToE4m3(Float.POSITIVE_INFINITY, true));
        assertEquals(0xFE, Fp8.floatToE4m3(Float.NEGATIVE_INFINITY, true));
        assertEquals(0x7F, Fp8.floatToE4m3(Float.POSITIVE_INFINITY, false));
        assertEquals(0xFF, Fp8.floatToE4m3(Float.NEGATIVE_INFINITY, false));
        assertEquals(0x7E, Fp8.floatToE4m3(1e30f, true));
        assertTrue(Float.isNaN(Fp8.e4m3ToFloat(Fp8.floatToE4m3(1e30f, false))));
    }

    @Test
    void saturationAndNanE5m2() {
        // 61440 is half way between 57344 (odd mantissa) and infinity: it rounds up, so it overflows
        assertEquals(0x7B, Fp8.floatToE5m2(Math.nextDown(61440f), false));
        assertEquals(0x7C, Fp8.floatToE5m2(61440f, false));
        assertEquals(0xFC, Fp8.floatToE5m2(-61440f, false));
        assertEquals(0x7B, Fp8.floatToE5m2(61440f, true));
        assertEquals(0xFB, Fp8.floatToE5m2(-61440f, true));
        assertEquals(0x7C, Fp8.floatToE5m2(Float.POSITIVE_INFINITY, false));
        assertEquals(0xFC, Fp8.floatToE5m2(Float.NEGATIVE_INFINITY, false));
        assertEquals(0x7B, Fp8.floatToE5m2(Float.POSITIVE_INFINITY, true));
        assertEquals(0xFB, Fp8.floatToE5m2(Float.NEGATIVE_INFINITY, true));
        assertEquals(0x7F, Fp8.floatToE5m2(Float.NaN, true));
        assertEquals(0x7F, Fp8.floatToE5m2(Float.NaN, false));
    }

    @Test
    void subnormalAndZeroBoundaries() {
        // E4M3: smallest subnormal 2^-9; half of it is a tie with zero (even) and rounds to zero
        assertEquals(0x00, Fp8.floatToE4m3(0x1p-10f, true));
        assertEquals(0x01, Fp8.floatToE4m3(Math.nextUp(0x1p-10f), true));
        assertEquals(0x80, Fp8.floatToE4m3(-0x1p-10f, true), "negative underflow keeps the sign");
        assertEquals(0x80, Fp8.floatToE4m3(-0f, true));
        assertEquals(0x00, Fp8.floatToE4m3(Float.MIN_VALUE, true));
        assertEquals(0x07, Fp8.floatToE4m3(7 * 0x1p-9f, true), "largest subnormal");
        assertEquals(0x08, Fp8.floatToE4m3(0x1p-6f, true), "smallest normal");
        assertEquals(0x08, Fp8.floatToE4m3(7.5f * 0x1p-9f, true), "tie between 0x07 and 0x08 goes to 0x08");
        // E5M2: smallest subnormal 2^-16
        assertEquals(0x00, Fp8.floatToE5m2(0x1p-17f, true));
        assertEquals(0x01, Fp8.floatToE5m2(Math.nextUp(0x1p-17f), true));
        assertEquals(0x04, Fp8.floatToE5m2(0x1p-14f, true), "smallest normal");
        assertEquals(0x04, Fp8.floatToE5m2(3.5f * 0x1p-16f, true), "tie between 0x03 and 0x04 goes to 0x04");
    }

    @Test
    void randomFloatsMatchBruteForceNearest() {
        Random rnd = new Random(3);
        for (int i = 0; i < 20000; i++) {
            // magnitudes from far below the subnormals to beyond the largest value
            float x = (float) ((rnd.nextBoolean() ? 1 : -1) * Math.pow(2, rnd.nextDouble() * 44 - 24));
            assertEquals(nearest(Fp8Test::e4m3Spec, x, 448), Fp8.floatToE4m3(x, true), "E4M3 " + x);
            assertEquals(nearest(Fp8Test::e5m2Spec, x, 57344), Fp8.floatToE5m2(x, true), "E5M2 " + x);
        }
    }

    /** Saturating nearest code by search: smallest distance, ties to the even code. */
    static int nearest(java.util.function.IntToDoubleFunction spec, float x, double max) {
        double v = Math.max(-max, Math.min(max, x));
        int best = -1;
        double bestErr = Double.POSITIVE_INFINITY;
        for (int c = 0; c < 256; c++) {
            double s = spec.applyAsDouble(c);
            if (!Double.isFinite(s) || (s == 0 && (c >> 7) != (x < 0 ? 1 : 0))) {
                continue; // zero of the other sign never wins
            }
            double err = Math.abs(s - v);
            if (err < bestErr || (err == bestErr && (c & 1) == 0 && (best & 1) == 1)) {
                best = c;
                bestErr = err;
            }
        }
        return best;
    }
}

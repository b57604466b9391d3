package io.jinfer.api.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** E2M1 elements and E8M0 scales against tables derived from their field definitions. */
class E2m1E8m0Test {
    /** E2M1: sign bit 3, exponent bits 2..1 with bias 1, mantissa bit 0; exponent 0 is subnormal. */
    static double e2m1Spec(int code) {
        int e = (code >> 1) & 3;
        int m = code & 1;
        double mag = e == 0 ? m * 0.5 : (1 + m / 2.0) * Math.pow(2, e - 1);
        return (code & 8) != 0 ? -mag : mag;
    }

    @Test
    void everyE2m1Code() {
        for (int c = 0; c < 16; c++) {
            assertEquals(Float.floatToRawIntBits((float) e2m1Spec(c)), Float.floatToRawIntBits(E2m1.toFloat(c)),
                    "code " + c);
            assertEquals(c == 8 ? 0 : c, E2m1.fromFloat((float) e2m1Spec(c)), "round trip of code " + c);
        }
        assertEquals(8, E2m1.fromFloat(-0.1f), "negative values keep the sign when they round to zero");
    }

    @Test
    void e2m1TiesToEvenAndSaturation() {
        float[] ties = {0.25f, 0.75f, 1.25f, 1.75f, 2.5f, 3.5f, 5f};
        int[] expected = {0, 2, 2, 4, 4, 6, 6};
        for (int i = 0; i < ties.length; i++) {
            assertEquals(expected[i], E2m1.fromFloat(ties[i]), "tie " + ties[i]);
            assertEquals(expected[i] | 8, E2m1.fromFloat(-ties[i]), "tie " + -ties[i]);
            assertEquals(i, E2m1.fromFloat(Math.nextDown(ties[i])), "below " + ties[i]);
            assertEquals(i + 1, E2m1.fromFloat(Math.nextUp(ties[i])), "above " + ties[i]);
        }
        assertEquals(7, E2m1.fromFloat(6.5f));
        assertEquals(7, E2m1.fromFloat(1e9f));
        assertEquals(15, E2m1.fromFloat(Float.NEGATIVE_INFINITY));
        assertEquals(7, E2m1.fromFloat(Float.NaN));
    }

    @Test
    void everyE8m0Code() {
        for (int c = 0; c < 255; c++) {
            assertEquals((float) Math.pow(2, c - 127), E8m0.toFloat(c), "code " + c);
        }
        assertTrue(Float.isNaN(E8m0.toFloat(255)));
        assertEquals(E8m0.toFloat(0x13), E8m0.toFloat(0x113), "upper bits ignored");
    }

    @Test
    void mxSharedScale() {
        // OCP MX: floor(log2(amax)) - 2 for E2M1, so amax / scale lies in [4, 8)
        for (int k = -120; k <= 127; k++) {
            float lo = Math.scalb(1f, k);
            float hi = Math.nextDown(Math.scalb(1f, k + 1));
            int expected = Math.max(0, k - 2 + 127);
            assertEquals(expected, E8m0.sharedScale(lo, 2), "2^" + k);
            assertEquals(expected, E8m0.sharedScale(hi, 2), "below 2^" + (k + 1));
        }
        assertEquals(0, E8m0.sharedScale(0f, 2));
        assertEquals(0, E8m0.sharedScale(Float.MIN_VALUE, 2));
        assertEquals(0xFF, E8m0.sharedScale(Float.NaN, 2));
        assertEquals(0xFF, E8m0.sharedScale(Float.POSITIVE_INFINITY, 2));
        assertEquals(127 + 8 - 8, E8m0.sharedScale(448f, 8), "E4M3 elements: 448 needs scale 1");
    }
}

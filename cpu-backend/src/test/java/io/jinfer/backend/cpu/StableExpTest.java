package io.jinfer.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

class StableExpTest {

    @Test
    void lanesAndScalarGiveTheSameBits() {
        Random rnd = new Random(3);
        for (VectorSpecies<Float> s : new VectorSpecies[] {FloatVector.SPECIES_128, FloatVector.SPECIES_256,
                FloatVector.SPECIES_512}) {
            float[] x = new float[s.length()];
            float[] y = new float[s.length()];
            for (int round = 0; round < 4_000; round++) {
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) (rnd.nextDouble() * 200 - 100);
                }
                StableExp.exp(FloatVector.fromArray(s, x, 0)).intoArray(y, 0);
                for (int i = 0; i < x.length; i++) {
                    assertEquals(Float.floatToRawIntBits(StableExp.exp(x[i])), Float.floatToRawIntBits(y[i]),
                            "exp(" + x[i] + ") with " + s);
                }
            }
        }
    }

    @Test
    void withinTwoUlpsOfTheTrueValue() {
        Random rnd = new Random(5);
        for (int i = 0; i < 300_000; i++) {
            float x = (float) (rnd.nextDouble() * 175 - 87);
            float expected = (float) StrictMath.exp(x);
            float got = StableExp.exp(x);
            assertTrue(Math.abs(got - expected) <= 2 * Math.ulp(expected), "exp(" + x + ") = " + got + ", expected "
                    + expected);
        }
        assertEquals(1f, StableExp.exp(0f));
        assertEquals(0f, StableExp.exp(-1000f));
        assertEquals(Float.POSITIVE_INFINITY, StableExp.exp(1000f));
        assertTrue(Float.isNaN(StableExp.exp(Float.NaN)));
        assertEquals(0f, StableExp.exp(Float.NEGATIVE_INFINITY));
    }
}

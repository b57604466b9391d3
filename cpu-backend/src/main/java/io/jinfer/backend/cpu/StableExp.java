package io.jinfer.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A float {@code exp} that gives the same bits every time, in every lane and in scalar code.
 *
 * <p>{@code Math.exp} and the Vector API's {@code EXP} may return different last bits when the JIT
 * intrinsifies them than when they are interpreted, so SwiGLU and softmax results used to change
 * from run to run depending on when compilation happened. This version uses only operations Java
 * defines exactly (add, multiply, fused multiply-add, bit moves): Cody-Waite reduction
 * {@code x = n ln2 + r}, a degree-6 polynomial for {@code e^r} on {@code [-ln2/2, ln2/2]} (the
 * classic Cephes expf coefficients) and {@code 2^n} built from its bits. Accuracy is within 2 ulp of
 * the true value on the normal range; below -87.3 it returns 0, above 88.7 infinity.
 */
final class StableExp {

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** 1.5 * 2^23: adding it rounds to an integer held in the low mantissa bits. */
    private static final float ROUNDER = 12582912f;
    private static final int ROUNDER_BITS = 0x4B400000;
    private static final float LOW = -87.33654f;
    private static final float HIGH = 88.72283f;
    private static final float P0 = 1.9875691500e-4f;
    private static final float P1 = 1.3981999507e-3f;
    private static final float P2 = 8.3334519073e-3f;
    private static final float P3 = 4.1665795894e-2f;
    private static final float P4 = 1.6666665459e-1f;
    private static final float P5 = 5.0000001201e-1f;

    private StableExp() {}

    /**
     * Computes {@code e^x}.
     *
     * @param x the exponent
     * @return e to the x, bit-identical to each lane of {@link #exp(FloatVector)}
     */
    static float exp(float x) {
        if (x < LOW) {
            return 0f;
        }
        if (x > HIGH) {
            return Float.POSITIVE_INFINITY;
        }
        if (x != x) {
            return x;
        }
        float t = Math.fma(x, LOG2E, ROUNDER);
        int n = Float.floatToRawIntBits(t) - ROUNDER_BITS;
        float nf = t - ROUNDER;
        float r = Math.fma(nf, -LN2_HI, x);
        r = Math.fma(nf, -LN2_LO, r);
        float p = Math.fma(P0, r, P1);
        p = Math.fma(p, r, P2);
        p = Math.fma(p, r, P3);
        p = Math.fma(p, r, P4);
        p = Math.fma(p, r, P5);
        float e = Math.fma(p, r * r, r) + 1f;
        return scale(e, n);
    }

    /** Multiplies by 2^n in two steps so that n = 128 (x near the top of the range) does not overflow early. */
    private static float scale(float e, int n) {
        int half = n >> 1;
        return e * Float.intBitsToFloat((half + 127) << 23) * Float.intBitsToFloat((n - half + 127) << 23);
    }

    /**
     * Computes {@code e^x} in every lane.
     *
     * @param x the exponents
     * @return e to the x per lane, each bit-identical to {@link #exp(float)}
     */
    static FloatVector exp(FloatVector x) {
        VectorSpecies<Float> s = x.species();
        FloatVector t = x.fma(LOG2E, ROUNDER);
        IntVector n = t.reinterpretAsInts().sub(ROUNDER_BITS);
        FloatVector nf = t.sub(ROUNDER);
        FloatVector r = nf.fma(FloatVector.broadcast(s, -LN2_HI), x);
        r = nf.fma(FloatVector.broadcast(s, -LN2_LO), r);
        FloatVector p = FloatVector.broadcast(s, P0).fma(r, FloatVector.broadcast(s, P1));
        p = p.fma(r, FloatVector.broadcast(s, P2));
        p = p.fma(r, FloatVector.broadcast(s, P3));
        p = p.fma(r, FloatVector.broadcast(s, P4));
        p = p.fma(r, FloatVector.broadcast(s, P5));
        FloatVector e = p.fma(r.mul(r), r).add(1f);
        IntVector half = n.lanewise(VectorOperators.ASHR, 1);
        FloatVector s1 = half.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = n.sub(half).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector result = e.mul(s1).mul(s2);
        result = result.blend(0f, x.compare(VectorOperators.LT, LOW));
        result = result.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, HIGH));
        return result.blend(x, x.test(VectorOperators.IS_NAN));
    }
}

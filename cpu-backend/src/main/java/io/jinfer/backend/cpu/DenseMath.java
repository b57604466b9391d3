package io.jinfer.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * F32 vector building blocks shared by the kernels: dot products, the register-tiled multi-row ×
 * multi-token dot product used by prefill, and half-precision conversion.
 */
final class DenseMath {

    private final Lanes ln;

    DenseMath(Lanes lanes) {
        this.ln = lanes;
    }

    /** @return {@code Σ a[ao+i] * b[bo+i]} for {@code i < len} */
    float dot(float[] a, int ao, float[] b, int bo, int len) {
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        FloatVector acc0 = FloatVector.zero(f);
        FloatVector acc1 = FloatVector.zero(f);
        int i = 0;
        for (; i + 2 * step <= len; i += 2 * step) {
            acc0 = FloatVector.fromArray(f, a, ao + i).fma(FloatVector.fromArray(f, b, bo + i), acc0);
            acc1 = FloatVector.fromArray(f, a, ao + i + step).fma(FloatVector.fromArray(f, b, bo + i + step), acc1);
        }
        for (; i + step <= len; i += step) {
            acc0 = FloatVector.fromArray(f, a, ao + i).fma(FloatVector.fromArray(f, b, bo + i), acc0);
        }
        float sum = Lanes.sum(acc0.add(acc1));
        for (; i < len; i++) {
            sum += a[ao + i] * b[bo + i];
        }
        return sum;
    }

    /** @return {@code Σ a[ao+i]} for {@code i < len} */
    float sum(float[] a, int ao, int len) {
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        FloatVector acc = FloatVector.zero(f);
        int i = 0;
        for (; i + step <= len; i += step) {
            acc = acc.add(FloatVector.fromArray(f, a, ao + i));
        }
        float sum = Lanes.sum(acc);
        for (; i < len; i++) {
            sum += a[ao + i];
        }
        return sum;
    }

    /**
     * Dot products of two weight rows with four token rows, kept in eight registers so that each
     * weight and activation load feeds several multiply-adds. Writes
     * {@code out[(t0+t)*rows + r0 + k]} for {@code k < 2, t < 4}, or adds to it unless {@code first}.
     */
    void tile2x4(float[] w, int w0, int w1, float[] x, int x0, int xs, int len, float[] out, int o, int rows,
            boolean first, int lanesAt) {
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        FloatVector a00 = FloatVector.zero(f), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        int x1 = x0 + xs, x2 = x1 + xs, x3 = x2 + xs;
        int i = 0;
        for (; i + step <= len; i += step) {
            FloatVector u = FloatVector.fromArray(f, w, w0 + i);
            FloatVector v = FloatVector.fromArray(f, w, w1 + i);
            FloatVector t = FloatVector.fromArray(f, x, x0 + i);
            a00 = u.fma(t, a00);
            a10 = v.fma(t, a10);
            t = FloatVector.fromArray(f, x, x1 + i);
            a01 = u.fma(t, a01);
            a11 = v.fma(t, a11);
            t = FloatVector.fromArray(f, x, x2 + i);
            a02 = u.fma(t, a02);
            a12 = v.fma(t, a12);
            t = FloatVector.fromArray(f, x, x3 + i);
            a03 = u.fma(t, a03);
            a13 = v.fma(t, a13);
        }
        // lanes go through memory: a vector handed to a method the JIT does not inline is boxed
        a00.intoArray(w, lanesAt + 0 * step);
        a01.intoArray(w, lanesAt + 1 * step);
        a02.intoArray(w, lanesAt + 2 * step);
        a03.intoArray(w, lanesAt + 3 * step);
        a10.intoArray(w, lanesAt + 4 * step);
        a11.intoArray(w, lanesAt + 5 * step);
        a12.intoArray(w, lanesAt + 6 * step);
        a13.intoArray(w, lanesAt + 7 * step);
        float s00 = Lanes.sum(w, lanesAt + 0 * step, step), s01 = Lanes.sum(w, lanesAt + 1 * step, step);
        float s02 = Lanes.sum(w, lanesAt + 2 * step, step), s03 = Lanes.sum(w, lanesAt + 3 * step, step);
        float s10 = Lanes.sum(w, lanesAt + 4 * step, step), s11 = Lanes.sum(w, lanesAt + 5 * step, step);
        float s12 = Lanes.sum(w, lanesAt + 6 * step, step), s13 = Lanes.sum(w, lanesAt + 7 * step, step);
        for (; i < len; i++) {
            float u = w[w0 + i], v = w[w1 + i];
            s00 += u * x[x0 + i];
            s01 += u * x[x1 + i];
            s02 += u * x[x2 + i];
            s03 += u * x[x3 + i];
            s10 += v * x[x0 + i];
            s11 += v * x[x1 + i];
            s12 += v * x[x2 + i];
            s13 += v * x[x3 + i];
        }
        if (!first) {
            s00 += out[o];
            s10 += out[o + 1];
            s01 += out[o + rows];
            s11 += out[o + rows + 1];
            s02 += out[o + 2 * rows];
            s12 += out[o + 2 * rows + 1];
            s03 += out[o + 3 * rows];
            s13 += out[o + 3 * rows + 1];
        }
        out[o] = s00;
        out[o + 1] = s10;
        out[o + rows] = s01;
        out[o + rows + 1] = s11;
        out[o + 2 * rows] = s02;
        out[o + 2 * rows + 1] = s12;
        out[o + 3 * rows] = s03;
        out[o + 3 * rows + 1] = s13;
    }

    /**
     * Four weight rows with four token rows in sixteen accumulators, for CPUs with 32 vector
     * registers (AVX-512): each column step loads 8 vectors for 16 multiply-adds. Writes
     * {@code out[(t0+t)*rows + r0 + k]} for {@code k, t < 4}, or adds to it unless {@code first}.
     */
    void tile4x4(float[] w, int w0, int ws, float[] x, int x0, int xs, int len, float[] out, int o, int rows,
            boolean first, int lanesAt) {
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        FloatVector z = FloatVector.zero(f);
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z, a10 = z, a11 = z, a12 = z, a13 = z, a20 = z, a21 = z, a22 = z, a23 = z, a30 = z, a31 = z, a32 = z, a33 = z;
        int w1 = w0 + ws, w2 = w1 + ws, w3 = w2 + ws;
        int x1 = x0 + xs, x2 = x1 + xs, x3 = x2 + xs;
        int i = 0;
        for (; i + step <= len; i += step) {
            FloatVector u0 = FloatVector.fromArray(f, w, w0 + i);
            FloatVector u1 = FloatVector.fromArray(f, w, w1 + i);
            FloatVector u2 = FloatVector.fromArray(f, w, w2 + i);
            FloatVector u3 = FloatVector.fromArray(f, w, w3 + i);
            FloatVector t0 = FloatVector.fromArray(f, x, x0 + i);
            a00 = u0.fma(t0, a00);
            a10 = u1.fma(t0, a10);
            a20 = u2.fma(t0, a20);
            a30 = u3.fma(t0, a30);
            FloatVector t1 = FloatVector.fromArray(f, x, x1 + i);
            a01 = u0.fma(t1, a01);
            a11 = u1.fma(t1, a11);
            a21 = u2.fma(t1, a21);
            a31 = u3.fma(t1, a31);
            FloatVector t2 = FloatVector.fromArray(f, x, x2 + i);
            a02 = u0.fma(t2, a02);
            a12 = u1.fma(t2, a12);
            a22 = u2.fma(t2, a22);
            a32 = u3.fma(t2, a32);
            FloatVector t3 = FloatVector.fromArray(f, x, x3 + i);
            a03 = u0.fma(t3, a03);
            a13 = u1.fma(t3, a13);
            a23 = u2.fma(t3, a23);
            a33 = u3.fma(t3, a33);
        }
        // lanes go through memory: a vector handed to a method the JIT does not inline is boxed
        a00.intoArray(w, lanesAt + 0 * step);
        a01.intoArray(w, lanesAt + 1 * step);
        a02.intoArray(w, lanesAt + 2 * step);
        a03.intoArray(w, lanesAt + 3 * step);
        a10.intoArray(w, lanesAt + 4 * step);
        a11.intoArray(w, lanesAt + 5 * step);
        a12.intoArray(w, lanesAt + 6 * step);
        a13.intoArray(w, lanesAt + 7 * step);
        a20.intoArray(w, lanesAt + 8 * step);
        a21.intoArray(w, lanesAt + 9 * step);
        a22.intoArray(w, lanesAt + 10 * step);
        a23.intoArray(w, lanesAt + 11 * step);
        a30.intoArray(w, lanesAt + 12 * step);
        a31.intoArray(w, lanesAt + 13 * step);
        a32.intoArray(w, lanesAt + 14 * step);
        a33.intoArray(w, lanesAt + 15 * step);
        float s00 = Lanes.sum(w, lanesAt + 0 * step, step);
        float s01 = Lanes.sum(w, lanesAt + 1 * step, step);
        float s02 = Lanes.sum(w, lanesAt + 2 * step, step);
        float s03 = Lanes.sum(w, lanesAt + 3 * step, step);
        float s10 = Lanes.sum(w, lanesAt + 4 * step, step);
        float s11 = Lanes.sum(w, lanesAt + 5 * step, step);
        float s12 = Lanes.sum(w, lanesAt + 6 * step, step);
        float s13 = Lanes.sum(w, lanesAt + 7 * step, step);
        float s20 = Lanes.sum(w, lanesAt + 8 * step, step);
        float s21 = Lanes.sum(w, lanesAt + 9 * step, step);
        float s22 = Lanes.sum(w, lanesAt + 10 * step, step);
        float s23 = Lanes.sum(w, lanesAt + 11 * step, step);
        float s30 = Lanes.sum(w, lanesAt + 12 * step, step);
        float s31 = Lanes.sum(w, lanesAt + 13 * step, step);
        float s32 = Lanes.sum(w, lanesAt + 14 * step, step);
        float s33 = Lanes.sum(w, lanesAt + 15 * step, step);
        for (; i < len; i++) {
            float u0 = w[w0 + i];
            float u1 = w[w1 + i];
            float u2 = w[w2 + i];
            float u3 = w[w3 + i];
            float t0 = x[x0 + i];
            s00 += u0 * t0;
            s10 += u1 * t0;
            s20 += u2 * t0;
            s30 += u3 * t0;
            float t1 = x[x1 + i];
            s01 += u0 * t1;
            s11 += u1 * t1;
            s21 += u2 * t1;
            s31 += u3 * t1;
            float t2 = x[x2 + i];
            s02 += u0 * t2;
            s12 += u1 * t2;
            s22 += u2 * t2;
            s32 += u3 * t2;
            float t3 = x[x3 + i];
            s03 += u0 * t3;
            s13 += u1 * t3;
            s23 += u2 * t3;
            s33 += u3 * t3;
        }
        if (!first) {
            s00 += out[o + 0 * rows + 0];
            s01 += out[o + 1 * rows + 0];
            s02 += out[o + 2 * rows + 0];
            s03 += out[o + 3 * rows + 0];
            s10 += out[o + 0 * rows + 1];
            s11 += out[o + 1 * rows + 1];
            s12 += out[o + 2 * rows + 1];
            s13 += out[o + 3 * rows + 1];
            s20 += out[o + 0 * rows + 2];
            s21 += out[o + 1 * rows + 2];
            s22 += out[o + 2 * rows + 2];
            s23 += out[o + 3 * rows + 2];
            s30 += out[o + 0 * rows + 3];
            s31 += out[o + 1 * rows + 3];
            s32 += out[o + 2 * rows + 3];
            s33 += out[o + 3 * rows + 3];
        }
        out[o + 0 * rows + 0] = s00;
        out[o + 1 * rows + 0] = s01;
        out[o + 2 * rows + 0] = s02;
        out[o + 3 * rows + 0] = s03;
        out[o + 0 * rows + 1] = s10;
        out[o + 1 * rows + 1] = s11;
        out[o + 2 * rows + 1] = s12;
        out[o + 3 * rows + 1] = s13;
        out[o + 0 * rows + 2] = s20;
        out[o + 1 * rows + 2] = s21;
        out[o + 2 * rows + 2] = s22;
        out[o + 3 * rows + 2] = s23;
        out[o + 0 * rows + 3] = s30;
        out[o + 1 * rows + 3] = s31;
        out[o + 2 * rows + 3] = s32;
        out[o + 3 * rows + 3] = s33;
    }

    /** One weight row with four token rows: {@code out[(t0+t)*rows + r]} for {@code t < 4} (added unless first). */
    void tile1x4(float[] w, int w0, float[] x, int x0, int xs, int len, float[] out, int o, int rows,
            boolean first, int lanesAt) {
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        FloatVector a0 = FloatVector.zero(f), a1 = a0, a2 = a0, a3 = a0;
        int x1 = x0 + xs, x2 = x1 + xs, x3 = x2 + xs;
        int i = 0;
        for (; i + step <= len; i += step) {
            FloatVector u = FloatVector.fromArray(f, w, w0 + i);
            a0 = u.fma(FloatVector.fromArray(f, x, x0 + i), a0);
            a1 = u.fma(FloatVector.fromArray(f, x, x1 + i), a1);
            a2 = u.fma(FloatVector.fromArray(f, x, x2 + i), a2);
            a3 = u.fma(FloatVector.fromArray(f, x, x3 + i), a3);
        }
        // lanes go through memory: a vector handed to a method the JIT does not inline is boxed
        a0.intoArray(w, lanesAt + 0 * step);
        a1.intoArray(w, lanesAt + 1 * step);
        a2.intoArray(w, lanesAt + 2 * step);
        a3.intoArray(w, lanesAt + 3 * step);
        float s0 = Lanes.sum(w, lanesAt + 0 * step, step), s1 = Lanes.sum(w, lanesAt + 1 * step, step);
        float s2 = Lanes.sum(w, lanesAt + 2 * step, step), s3 = Lanes.sum(w, lanesAt + 3 * step, step);
        for (; i < len; i++) {
            float u = w[w0 + i];
            s0 += u * x[x0 + i];
            s1 += u * x[x1 + i];
            s2 += u * x[x2 + i];
            s3 += u * x[x3 + i];
        }
        if (!first) {
            s0 += out[o];
            s1 += out[o + rows];
            s2 += out[o + 2 * rows];
            s3 += out[o + 3 * rows];
        }
        out[o] = s0;
        out[o + rows] = s1;
        out[o + 2 * rows] = s2;
        out[o + 3 * rows] = s3;
    }

    /**
     * Four weight rows with one token row: {@code out[o + k]} for {@code k < 4} (added unless first),
     * each row with exactly the arithmetic of {@link #tile1x1}; the four independent accumulators
     * keep the fma unit busy where one accumulator would wait on each fma's latency.
     */
    void tile4x1(float[] w, int w0, int ws, float[] x, int x0, int len, float[] out, int o, boolean first,
            int lanesAt) {
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        FloatVector a0 = FloatVector.zero(f), a1 = a0, a2 = a0, a3 = a0;
        int w1 = w0 + ws, w2 = w1 + ws, w3 = w2 + ws;
        int i = 0;
        for (; i + step <= len; i += step) {
            FloatVector t = FloatVector.fromArray(f, x, x0 + i);
            a0 = FloatVector.fromArray(f, w, w0 + i).fma(t, a0);
            a1 = FloatVector.fromArray(f, w, w1 + i).fma(t, a1);
            a2 = FloatVector.fromArray(f, w, w2 + i).fma(t, a2);
            a3 = FloatVector.fromArray(f, w, w3 + i).fma(t, a3);
        }
        // lanes go through memory: a vector handed to a method the JIT does not inline is boxed
        a0.intoArray(w, lanesAt);
        a1.intoArray(w, lanesAt + step);
        a2.intoArray(w, lanesAt + 2 * step);
        a3.intoArray(w, lanesAt + 3 * step);
        float s0 = Lanes.sum(w, lanesAt, step), s1 = Lanes.sum(w, lanesAt + step, step);
        float s2 = Lanes.sum(w, lanesAt + 2 * step, step), s3 = Lanes.sum(w, lanesAt + 3 * step, step);
        for (; i < len; i++) {
            float t = x[x0 + i];
            s0 += w[w0 + i] * t;
            s1 += w[w1 + i] * t;
            s2 += w[w2 + i] * t;
            s3 += w[w3 + i] * t;
        }
        if (!first) {
            s0 += out[o];
            s1 += out[o + 1];
            s2 += out[o + 2];
            s3 += out[o + 3];
        }
        out[o] = s0;
        out[o + 1] = s1;
        out[o + 2] = s2;
        out[o + 3] = s3;
    }

    /**
     * One weight row with one token row: {@code out[o]} (added unless first), with exactly the
     * arithmetic each (row, token) pair of the larger tiles gets, so a token computed here and the
     * same token computed inside a tile give bit-identical results.
     */
    void tile1x1(float[] w, int w0, float[] x, int x0, int len, float[] out, int o, boolean first, int lanesAt) {
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        FloatVector a0 = FloatVector.zero(f);
        int i = 0;
        for (; i + step <= len; i += step) {
            a0 = FloatVector.fromArray(f, w, w0 + i).fma(FloatVector.fromArray(f, x, x0 + i), a0);
        }
        a0.intoArray(w, lanesAt);
        float s0 = Lanes.sum(w, lanesAt, step);
        for (; i < len; i++) {
            s0 += w[w0 + i] * x[x0 + i];
        }
        if (!first) {
            s0 += out[o];
        }
        out[o] = s0;
    }

    /**
     * Converts {@link #length() lanes} IEEE binary16 values to floats, bit-exactly as
     * {@link Float#float16ToFloat} (the Vector API has no half-precision conversion of its own).
     *
     * @param seg the halves
     * @param at byte offset of the first
     * @return the floats
     */
    FloatVector halves(MemorySegment seg, long at) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(ln.shorts(), seg, at, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.S2I, ln.ints(), 0);
        return halvesToFloats(h);
    }

    /** Same as {@link #halves} with the 16-bit patterns already in int lanes (upper bits ignored). */
    FloatVector halvesToFloats(IntVector h) {
        IntVector sign = h.and(0x8000).lanewise(VectorOperators.LSHL, 16);
        IntVector magnitude = h.and(0x7FFF);
        IntVector exponent = h.and(0x7C00);
        // Normal numbers: move exponent and mantissa into place and re-bias the exponent (15 → 127).
        IntVector bits = magnitude.lanewise(VectorOperators.LSHL, 13).add(0x38000000);
        // Infinity and NaN: the exponent must become all ones.
        bits = bits.add(0x38000000, exponent.eq(0x7C00));
        FloatVector normal = bits.or(sign).reinterpretAsFloats();
        // Zero and subnormals: magnitude * 2^-24, exact in binary32.
        FloatVector small = ((FloatVector) magnitude.convert(VectorOperators.I2F, 0)).mul(0x1p-24f);
        small = small.reinterpretAsInts().or(sign).reinterpretAsFloats();
        return normal.blend(small, exponent.eq(0).cast(ln.floats()));
    }

    /** @return whether the half-precision vector conversion can run with these lanes */
    boolean hasHalfVectors() {
        return ln.shorts() != null && ln.ints() != null;
    }

    /** @return whether there are registers for {@link #tile4x4} (vectors of 16+ floats: AVX-512) */
    boolean wideTiles() {
        return ln.length() >= 16;
    }

    /** @return float lanes per vector */
    int length() {
        return ln.length();
    }

    /** @return the lane set */
    Lanes lanes() {
        return ln;
    }
}

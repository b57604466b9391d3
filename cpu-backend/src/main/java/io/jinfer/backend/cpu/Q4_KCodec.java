package io.jinfer.backend.cpu;

import io.jinfer.api.format.LittleEndian;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_K super-blocks (144 bytes for 256 values: F16 d, F16 dmin, 12 bytes of 6-bit scales and
 * minimums, 128 bytes of nibbles; each 32 bytes hold 64 values, low nibbles first) expanded in
 * registers. Sub-block j of 32 values is {@code (d sc_j) q - (dmin m_j)}; the dot product takes
 * {@code Σ (d sc_j) Σ q x - Σ (dmin m_j) Σ x}, the activation sums of each 32 values precomputed.
 */
final class Q4_KCodec extends RowCodec {
    private static final int BLOCK_BYTES = 144;
    private final Lanes ln;
    private final KBlockBits bits;

    Q4_KCodec(Lanes ln) {
        this.ln = ln;
        this.bits = new KBlockBits(ln);
    }

    private static FloatVector low(IntVector q) {
        return (FloatVector) q.and(0x0F).convert(VectorOperators.I2F, 0);
    }

    private static FloatVector high(IntVector q) {
        return (FloatVector) q.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0);
    }

    @Override
    boolean usesBlockSums() {
        return true;
    }

    @Override
    float dot(MemorySegment w, long off, int cols, float[] x, int xOff, float[] sums, float[] scratch) {
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        FloatVector acc = FloatVector.zero(f);
        float mins = 0;
        long p = off;
        int xo = xOff;
        for (int b = 0, blocks = cols >> 8; b < blocks; b++, p += BLOCK_BYTES, xo += 256) {
            float d = Float.float16ToFloat(w.get(LittleEndian.SHORT, p));
            float dmin = Float.float16ToFloat(w.get(LittleEndian.SHORT, p + 2));
            for (int k = 0; k < 4; k++) {
                FloatVector lo = FloatVector.zero(f);
                FloatVector hi = FloatVector.zero(f);
                long q0 = p + 16 + 32 * k;
                int x0 = xo + 64 * k;
                for (int s = 0; s < 32; s += step) {
                    IntVector q = bits.unsigned(w, q0 + s);
                    lo = low(q).fma(FloatVector.fromArray(f, x, x0 + s), lo);
                    hi = high(q).fma(FloatVector.fromArray(f, x, x0 + 32 + s), hi);
                }
                acc = lo.fma(FloatVector.broadcast(f, d * KBlockBits.scaleK4(w, p + 4, 2 * k)), acc);
                acc = hi.fma(FloatVector.broadcast(f, d * KBlockBits.scaleK4(w, p + 4, 2 * k + 1)), acc);
                int sb = 8 * b + 2 * k;
                mins += dmin * KBlockBits.minK4(w, p + 4, 2 * k) * sums[sb];
                mins += dmin * KBlockBits.minK4(w, p + 4, 2 * k + 1) * sums[sb + 1];
            }
        }
        return Lanes.sum(acc) - mins;
    }

    @Override
    void dot2(MemorySegment w, long off0, long off1, int cols, float[] x, float[] sums, float[] scratch,
            float[] out, int o) {
        // the same operations as dot, in the same order, for each row: results do not depend on pairing
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        FloatVector acc0 = FloatVector.zero(f);
        FloatVector acc1 = FloatVector.zero(f);
        float mins0 = 0;
        float mins1 = 0;
        long p0 = off0;
        long p1 = off1;
        int xo = 0;
        for (int b = 0, blocks = cols >> 8; b < blocks; b++, p0 += BLOCK_BYTES, p1 += BLOCK_BYTES, xo += 256) {
            float d0 = Float.float16ToFloat(w.get(LittleEndian.SHORT, p0));
            float dmin0 = Float.float16ToFloat(w.get(LittleEndian.SHORT, p0 + 2));
            float d1 = Float.float16ToFloat(w.get(LittleEndian.SHORT, p1));
            float dmin1 = Float.float16ToFloat(w.get(LittleEndian.SHORT, p1 + 2));
            for (int k = 0; k < 4; k++) {
                FloatVector lo0 = FloatVector.zero(f);
                FloatVector hi0 = FloatVector.zero(f);
                FloatVector lo1 = FloatVector.zero(f);
                FloatVector hi1 = FloatVector.zero(f);
                int x0 = xo + 64 * k;
                for (int s = 0; s < 32; s += step) {
                    FloatVector xl = FloatVector.fromArray(f, x, x0 + s);
                    FloatVector xh = FloatVector.fromArray(f, x, x0 + 32 + s);
                    IntVector q0 = bits.unsigned(w, p0 + 16 + 32 * k + s);
                    IntVector q1 = bits.unsigned(w, p1 + 16 + 32 * k + s);
                    lo0 = low(q0).fma(xl, lo0);
                    hi0 = high(q0).fma(xh, hi0);
                    lo1 = low(q1).fma(xl, lo1);
                    hi1 = high(q1).fma(xh, hi1);
                }
                acc0 = lo0.fma(FloatVector.broadcast(f, d0 * KBlockBits.scaleK4(w, p0 + 4, 2 * k)), acc0);
                acc0 = hi0.fma(FloatVector.broadcast(f, d0 * KBlockBits.scaleK4(w, p0 + 4, 2 * k + 1)), acc0);
                acc1 = lo1.fma(FloatVector.broadcast(f, d1 * KBlockBits.scaleK4(w, p1 + 4, 2 * k)), acc1);
                acc1 = hi1.fma(FloatVector.broadcast(f, d1 * KBlockBits.scaleK4(w, p1 + 4, 2 * k + 1)), acc1);
                int sb = 8 * b + 2 * k;
                mins0 += dmin0 * KBlockBits.minK4(w, p0 + 4, 2 * k) * sums[sb];
                mins0 += dmin0 * KBlockBits.minK4(w, p0 + 4, 2 * k + 1) * sums[sb + 1];
                mins1 += dmin1 * KBlockBits.minK4(w, p1 + 4, 2 * k) * sums[sb];
                mins1 += dmin1 * KBlockBits.minK4(w, p1 + 4, 2 * k + 1) * sums[sb + 1];
            }
        }
        out[o] = Lanes.sum(acc0) - mins0;
        out[o + 1] = Lanes.sum(acc1) - mins1;
    }

    @Override
    void decode(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        int step = ln.length();
        long p = off;
        int o = dstOff;
        for (int b = 0, blocks = cols >> 8; b < blocks; b++, p += BLOCK_BYTES, o += 256) {
            float d = Float.float16ToFloat(w.get(LittleEndian.SHORT, p));
            float dmin = Float.float16ToFloat(w.get(LittleEndian.SHORT, p + 2));
            for (int k = 0; k < 4; k++) {
                // multiply then subtract (not fma) so that the expansion equals the reference bit for bit
                float scaleLo = d * KBlockBits.scaleK4(w, p + 4, 2 * k);
                float minLo = dmin * KBlockBits.minK4(w, p + 4, 2 * k);
                float scaleHi = d * KBlockBits.scaleK4(w, p + 4, 2 * k + 1);
                float minHi = dmin * KBlockBits.minK4(w, p + 4, 2 * k + 1);
                int o0 = o + 64 * k;
                for (int s = 0; s < 32; s += step) {
                    IntVector q = bits.unsigned(w, p + 16 + 32 * k + s);
                    low(q).mul(scaleLo).sub(minLo).intoArray(dst, o0 + s);
                    high(q).mul(scaleHi).sub(minHi).intoArray(dst, o0 + 32 + s);
                }
            }
        }
    }
}

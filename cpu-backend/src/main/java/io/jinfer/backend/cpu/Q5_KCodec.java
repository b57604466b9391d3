package io.jinfer.backend.cpu;

import io.jinfer.api.format.LittleEndian;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q5_K super-blocks (176 bytes for 256 values: as Q4_K with 32 bytes qh before the nibbles; bit j
 * of qh byte l is the fifth bit of value {@code 32j + l}) expanded in registers. Sub-block j is
 * {@code (d sc_j) q - (dmin m_j)}; the dot product takes the minimums out with the activation sums
 * of each 32 values, as {@link Q4_KCodec} does.
 */
final class Q5_KCodec extends RowCodec {
    private static final int BLOCK_BYTES = 176;
    private final Lanes ln;
    private final KBlockBits bits;

    Q5_KCodec(Lanes ln) {
        this.ln = ln;
        this.bits = new KBlockBits(ln);
    }

    /** @return values of sub-block 2k: low nibbles plus bit 2k of qh as the fifth bit */
    private static FloatVector low(IntVector q, IntVector qh, int k) {
        IntVector fifth = qh.lanewise(VectorOperators.LSHR, 2 * k).and(1).lanewise(VectorOperators.LSHL, 4);
        return (FloatVector) q.and(0x0F).or(fifth).convert(VectorOperators.I2F, 0);
    }

    /** @return values of sub-block 2k + 1: high nibbles plus bit 2k + 1 of qh */
    private static FloatVector high(IntVector q, IntVector qh, int k) {
        IntVector fifth = qh.lanewise(VectorOperators.LSHR, 2 * k + 1).and(1).lanewise(VectorOperators.LSHL, 4);
        return (FloatVector) q.lanewise(VectorOperators.LSHR, 4).or(fifth).convert(VectorOperators.I2F, 0);
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
                int x0 = xo + 64 * k;
                for (int s = 0; s < 32; s += step) {
                    IntVector q = bits.unsigned(w, p + 48 + 32 * k + s);
                    IntVector qh = bits.unsigned(w, p + 16 + s);
                    lo = low(q, qh, k).fma(FloatVector.fromArray(f, x, x0 + s), lo);
                    hi = high(q, qh, k).fma(FloatVector.fromArray(f, x, x0 + 32 + s), hi);
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
                    IntVector q = bits.unsigned(w, p + 48 + 32 * k + s);
                    IntVector qh = bits.unsigned(w, p + 16 + s);
                    low(q, qh, k).mul(scaleLo).sub(minLo).intoArray(dst, o0 + s);
                    high(q, qh, k).mul(scaleHi).sub(minHi).intoArray(dst, o0 + 32 + s);
                }
            }
        }
    }
}

package io.jinfer.backend.cpu;

import io.jinfer.api.format.LittleEndian;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q3_K super-blocks (110 bytes for 256 values: 32 bytes hmask, 64 bytes of bit pairs, 12 bytes of
 * 6-bit scales biased by 32, F16 d) expanded in registers. In each half h of 128 values, value
 * {@code 32g + l} has its low two bits at bit 2g of byte l of the half's 32 bytes and its third bit
 * at bit {@code 4h + g} of hmask byte l; {@code q = low + 4 * third - 4} runs from -4 to 3. A value
 * is {@code (d (sc - 32)) q}, one scale per 16 values; the dot product keeps one sum per scale.
 */
final class Q3_KCodec extends RowCodec {
    private static final int BLOCK_BYTES = 110;
    private final Lanes ln;
    private final KBlockBits bits;

    Q3_KCodec(Lanes ln) {
        this.ln = ln;
        this.bits = new KBlockBits(ln);
    }

    /** @return signed values of group g: bit pair 2g of {@code q}, third bit {@code hbit} of {@code hm} */
    private static FloatVector value(IntVector q, IntVector hm, int g, int hbit) {
        IntVector third = hm.lanewise(VectorOperators.LSHR, hbit).and(1).lanewise(VectorOperators.LSHL, 2);
        IntVector v = q.lanewise(VectorOperators.LSHR, 2 * g).and(3).or(third).sub(4);
        return (FloatVector) v.convert(VectorOperators.I2F, 0);
    }

    @Override
    float dot(MemorySegment w, long off, int cols, float[] x, int xOff, float[] sums, float[] scratch) {
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        FloatVector acc = FloatVector.zero(f);
        long p = off;
        int xo = xOff;
        for (int b = 0, blocks = cols >> 8; b < blocks; b++, p += BLOCK_BYTES, xo += 256) {
            float d = Float.float16ToFloat(w.get(LittleEndian.SHORT, p + 108));
            for (int h = 0; h < 2; h++) {
                long qs = p + 32 + 32 * h;
                int x0 = xo + 128 * h;
                for (int l16 = 0; l16 < 32; l16 += 16) {
                    FloatVector s0 = FloatVector.zero(f);
                    FloatVector s1 = FloatVector.zero(f);
                    FloatVector s2 = FloatVector.zero(f);
                    FloatVector s3 = FloatVector.zero(f);
                    for (int s = l16; s < l16 + 16; s += step) {
                        IntVector q = bits.unsigned(w, qs + s);
                        IntVector hm = bits.unsigned(w, p + s);
                        s0 = value(q, hm, 0, 4 * h).fma(FloatVector.fromArray(f, x, x0 + s), s0);
                        s1 = value(q, hm, 1, 4 * h + 1).fma(FloatVector.fromArray(f, x, x0 + 32 + s), s1);
                        s2 = value(q, hm, 2, 4 * h + 2).fma(FloatVector.fromArray(f, x, x0 + 64 + s), s2);
                        s3 = value(q, hm, 3, 4 * h + 3).fma(FloatVector.fromArray(f, x, x0 + 96 + s), s3);
                    }
                    int j = 8 * h + (l16 >> 4);
                    acc = s0.fma(FloatVector.broadcast(f, scale(w, p, d, j)), acc);
                    acc = s1.fma(FloatVector.broadcast(f, scale(w, p, d, j + 2)), acc);
                    acc = s2.fma(FloatVector.broadcast(f, scale(w, p, d, j + 4)), acc);
                    acc = s3.fma(FloatVector.broadcast(f, scale(w, p, d, j + 6)), acc);
                }
            }
        }
        return Lanes.sum(acc);
    }

    /** @return the float scale of the 16 values {@code 16j ..} of the block at {@code p} */
    private static float scale(MemorySegment w, long p, float d, int j) {
        return d * (KBlockBits.scaleQ3(w, p + 96, j) - 32);
    }

    @Override
    void decode(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        int step = ln.length();
        long p = off;
        int o = dstOff;
        for (int b = 0, blocks = cols >> 8; b < blocks; b++, p += BLOCK_BYTES, o += 256) {
            float d = Float.float16ToFloat(w.get(LittleEndian.SHORT, p + 108));
            for (int h = 0; h < 2; h++) {
                int o0 = o + 128 * h;
                for (int s = 0; s < 32; s += step) {
                    IntVector q = bits.unsigned(w, p + 32 + 32 * h + s);
                    IntVector hm = bits.unsigned(w, p + s);
                    int j = 8 * h + (s >> 4);
                    for (int g = 0; g < 4; g++) {
                        value(q, hm, g, 4 * h + g).mul(scale(w, p, d, j + 2 * g)).intoArray(dst, o0 + 32 * g + s);
                    }
                }
            }
        }
    }
}

package io.jinfer.backend.cpu;

import io.jinfer.api.format.LittleEndian;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q5_1 blocks (F16 scale d, F16 minimum m, 32-bit fifth bits, 16 bytes of nibbles):
 * {@code v = d q + m}; the dot product uses {@code d Σ q x + m Σ x}.
 */
final class Q5_1Codec extends RowCodec {
    private static final int BLOCK_BYTES = 24;
    private final Lanes ln;
    private final FiveBits bits;

    Q5_1Codec(Lanes ln) {
        this.ln = ln;
        this.bits = new FiveBits(ln);
    }

    @Override
    float dot(MemorySegment w, long off, int cols, float[] x, int xOff, float[] sums, float[] scratch) {
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        FloatVector acc = FloatVector.zero(f);
        FloatVector accMin = FloatVector.zero(f);
        long p = off;
        int xo = xOff;
        for (int b = 0, blocks = cols >> 5; b < blocks; b++, p += BLOCK_BYTES, xo += 32) {
            IntVector qh = IntVector.broadcast(ln.ints(), w.get(LittleEndian.INT, p + 4));
            FloatVector qx = FloatVector.zero(f);
            FloatVector xs = FloatVector.zero(f);
            for (int s = 0; s < 16; s += step) {
                IntVector q = bits.packed(w, p + 8 + s);
                FloatVector x0 = FloatVector.fromArray(f, x, xo + s);
                FloatVector x1 = FloatVector.fromArray(f, x, xo + 16 + s);
                qx = ((FloatVector) bits.low(q, qh, s).convert(VectorOperators.I2F, 0)).fma(x0, qx);
                qx = ((FloatVector) bits.high(q, qh, s).convert(VectorOperators.I2F, 0)).fma(x1, qx);
                xs = xs.add(x0).add(x1);
            }
            float d = Float.float16ToFloat(w.get(LittleEndian.SHORT, p));
            float m = Float.float16ToFloat(w.get(LittleEndian.SHORT, p + 2));
            acc = qx.fma(FloatVector.broadcast(f, d), acc);
            accMin = xs.fma(FloatVector.broadcast(f, m), accMin);
        }
        return Lanes.sum(acc.add(accMin));
    }

    @Override
    void decode(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        int step = ln.length();
        long p = off;
        int o = dstOff;
        for (int b = 0, blocks = cols >> 5; b < blocks; b++, p += BLOCK_BYTES, o += 32) {
            float d = Float.float16ToFloat(w.get(LittleEndian.SHORT, p));
            float m = Float.float16ToFloat(w.get(LittleEndian.SHORT, p + 2));
            IntVector qh = IntVector.broadcast(ln.ints(), w.get(LittleEndian.INT, p + 4));
            for (int s = 0; s < 16; s += step) {
                IntVector q = bits.packed(w, p + 8 + s);
                ((FloatVector) bits.low(q, qh, s).convert(VectorOperators.I2F, 0)).mul(d).add(m)
                        .intoArray(dst, o + s);
                ((FloatVector) bits.high(q, qh, s).convert(VectorOperators.I2F, 0)).mul(d).add(m)
                        .intoArray(dst, o + 16 + s);
            }
        }
    }
}

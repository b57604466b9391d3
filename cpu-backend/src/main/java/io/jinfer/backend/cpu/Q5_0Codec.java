package io.jinfer.backend.cpu;

import io.jinfer.api.format.LittleEndian;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Q5_0 blocks (F16 scale, 32-bit fifth bits, 16 bytes of nibbles): {@code v = d (q - 16)}. */
final class Q5_0Codec extends RowCodec {
    private static final int BLOCK_BYTES = 22;
    private final Lanes ln;
    private final FiveBits bits;

    Q5_0Codec(Lanes ln) {
        this.ln = ln;
        this.bits = new FiveBits(ln);
    }

    @Override
    float dot(MemorySegment w, long off, int cols, float[] x, int xOff, float[] sums, float[] scratch) {
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        FloatVector acc = FloatVector.zero(f);
        long p = off;
        int xo = xOff;
        for (int b = 0, blocks = cols >> 5; b < blocks; b++, p += BLOCK_BYTES, xo += 32) {
            IntVector qh = IntVector.broadcast(ln.ints(), w.get(LittleEndian.INT, p + 2));
            FloatVector sum = FloatVector.zero(f);
            for (int s = 0; s < 16; s += step) {
                IntVector q = bits.packed(w, p + 6 + s);
                FloatVector lo = (FloatVector) bits.low(q, qh, s).sub(16).convert(VectorOperators.I2F, 0);
                FloatVector hi = (FloatVector) bits.high(q, qh, s).sub(16).convert(VectorOperators.I2F, 0);
                sum = lo.fma(FloatVector.fromArray(f, x, xo + s), sum);
                sum = hi.fma(FloatVector.fromArray(f, x, xo + 16 + s), sum);
            }
            float d = Float.float16ToFloat(w.get(LittleEndian.SHORT, p));
            acc = sum.fma(FloatVector.broadcast(f, d), acc);
        }
        return Lanes.sum(acc);
    }

    @Override
    void decode(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        int step = ln.length();
        long p = off;
        int o = dstOff;
        for (int b = 0, blocks = cols >> 5; b < blocks; b++, p += BLOCK_BYTES, o += 32) {
            float d = Float.float16ToFloat(w.get(LittleEndian.SHORT, p));
            IntVector qh = IntVector.broadcast(ln.ints(), w.get(LittleEndian.INT, p + 2));
            for (int s = 0; s < 16; s += step) {
                IntVector q = bits.packed(w, p + 6 + s);
                ((FloatVector) bits.low(q, qh, s).sub(16).convert(VectorOperators.I2F, 0)).mul(d)
                        .intoArray(dst, o + s);
                ((FloatVector) bits.high(q, qh, s).sub(16).convert(VectorOperators.I2F, 0)).mul(d)
                        .intoArray(dst, o + 16 + s);
            }
        }
    }
}

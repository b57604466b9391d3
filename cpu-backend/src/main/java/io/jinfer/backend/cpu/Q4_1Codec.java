package io.jinfer.backend.cpu;

import io.jinfer.api.format.LittleEndian;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_1 blocks (F16 scale d, F16 minimum m, 16 bytes of nibbles), expanded in registers. The dot
 * product uses {@code Σ (d q + m) x = d Σ q x + m Σ x} so that the minimum costs one add per vector.
 */
final class Q4_1Codec extends RowCodec {
    private static final int BLOCK_BYTES = 20;
    private final Lanes ln;

    Q4_1Codec(Lanes ln) {
        this.ln = ln;
    }

    private IntVector packed(MemorySegment w, long at) {
        return (IntVector) ByteVector.fromMemorySegment(ln.bytes(), w, at, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.B2I, ln.ints(), 0);
    }

    private static FloatVector low(IntVector q) {
        return (FloatVector) q.and(0x0F).convert(VectorOperators.I2F, 0);
    }

    private static FloatVector high(IntVector q) {
        return (FloatVector) q.lanewise(VectorOperators.ASHR, 4).and(0x0F).convert(VectorOperators.I2F, 0);
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
        float minimums = 0;
        long p = off;
        int xo = xOff;
        for (int b = 0, blocks = cols >> 5; b < blocks; b++, p += BLOCK_BYTES, xo += 32) {
            FloatVector qx = FloatVector.zero(f);
            for (int s = 0; s < 16; s += step) {
                IntVector q = packed(w, p + 4 + s);
                qx = low(q).fma(FloatVector.fromArray(f, x, xo + s), qx);
                qx = high(q).fma(FloatVector.fromArray(f, x, xo + 16 + s), qx);
            }
            float d = Float.float16ToFloat(w.get(LittleEndian.SHORT, p));
            float m = Float.float16ToFloat(w.get(LittleEndian.SHORT, p + 2));
            acc = qx.fma(FloatVector.broadcast(f, d), acc);
            minimums += m * sums[b];
        }
        return Lanes.sum(acc) + minimums;
    }

    @Override
    void decode(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        int step = ln.length();
        long p = off;
        int o = dstOff;
        for (int b = 0, blocks = cols >> 5; b < blocks; b++, p += BLOCK_BYTES, o += 32) {
            float d = Float.float16ToFloat(w.get(LittleEndian.SHORT, p));
            float m = Float.float16ToFloat(w.get(LittleEndian.SHORT, p + 2));
            for (int s = 0; s < 16; s += step) {
                IntVector q = packed(w, p + 4 + s);
                // multiply then add (not fma) so that the expansion equals the reference bit for bit
                low(q).mul(d).add(m).intoArray(dst, o + s);
                high(q).mul(d).add(m).intoArray(dst, o + 16 + s);
            }
        }
    }
}

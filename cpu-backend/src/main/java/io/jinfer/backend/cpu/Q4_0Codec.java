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
 * Q4_0 blocks (F16 scale, 16 bytes of nibbles: low nibbles are values 0..15, high nibbles 16..31),
 * expanded in registers: each byte load yields two float vectors.
 */
final class Q4_0Codec extends RowCodec {
    private static final int BLOCK_BYTES = 18;
    private final Lanes ln;

    Q4_0Codec(Lanes ln) {
        this.ln = ln;
    }

    private IntVector packed(MemorySegment w, long at) {
        return (IntVector) ByteVector.fromMemorySegment(ln.bytes(), w, at, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.B2I, ln.ints(), 0);
    }

    /** @return the block's bytes widened to int lanes without sign (0..255) */
    private IntVector unsigned(MemorySegment w, long at) {
        return (IntVector) ByteVector.fromMemorySegment(ln.bytes(), w, at, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.ZERO_EXTEND_B2I, ln.ints(), 0);
    }

    private static FloatVector low(IntVector q) {
        return (FloatVector) q.and(0x0F).sub(8).convert(VectorOperators.I2F, 0);
    }

    private static FloatVector high(IntVector q) {
        return (FloatVector) q.lanewise(VectorOperators.ASHR, 4).and(0x0F).sub(8).convert(VectorOperators.I2F, 0);
    }

    @Override
    boolean usesBlockSums() {
        return true;
    }

    @Override
    float dot(MemorySegment w, long off, int cols, float[] x, int xOff, float[] sums, float[] scratch) {
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        // Σ d (q - 8) x = d Σ q x - 8 d Σ x: the offset leaves the inner loop, Σ x is precomputed
        FloatVector acc = FloatVector.zero(f);
        float offset = 0;
        long p = off;
        int xo = xOff;
        for (int b = 0, blocks = cols >> 5; b < blocks; b++, p += BLOCK_BYTES, xo += 32) {
            FloatVector sum = FloatVector.zero(f);
            for (int s = 0; s < 16; s += step) {
                IntVector q = unsigned(w, p + 2 + s);
                FloatVector lo = (FloatVector) q.and(0x0F).convert(VectorOperators.I2F, 0);
                FloatVector hi = (FloatVector) q.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0);
                sum = lo.fma(FloatVector.fromArray(f, x, xo + s), sum);
                sum = hi.fma(FloatVector.fromArray(f, x, xo + 16 + s), sum);
            }
            float d = Float.float16ToFloat(w.get(LittleEndian.SHORT, p));
            acc = sum.fma(FloatVector.broadcast(f, d), acc);
            offset += d * sums[b];
        }
        return acc.reduceLanes(VectorOperators.ADD) - 8 * offset;
    }

    @Override
    void decode(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        int step = ln.length();
        long p = off;
        int o = dstOff;
        for (int b = 0, blocks = cols >> 5; b < blocks; b++, p += BLOCK_BYTES, o += 32) {
            float d = Float.float16ToFloat(w.get(LittleEndian.SHORT, p));
            for (int s = 0; s < 16; s += step) {
                IntVector q = packed(w, p + 2 + s);
                low(q).mul(d).intoArray(dst, o + s);
                high(q).mul(d).intoArray(dst, o + 16 + s);
            }
        }
    }
}

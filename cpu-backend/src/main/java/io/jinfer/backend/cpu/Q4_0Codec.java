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
        return Lanes.sum(acc) - 8 * offset;
    }

    @Override
    void dot2(MemorySegment w, long off0, long off1, int cols, float[] x, float[] sums, float[] scratch,
            float[] out, int o) {
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        FloatVector acc0 = FloatVector.zero(f);
        FloatVector acc1 = FloatVector.zero(f);
        float offset0 = 0;
        float offset1 = 0;
        long p0 = off0;
        long p1 = off1;
        int xo = 0;
        for (int b = 0, blocks = cols >> 5; b < blocks; b++, p0 += BLOCK_BYTES, p1 += BLOCK_BYTES, xo += 32) {
            FloatVector sum0 = FloatVector.zero(f);
            FloatVector sum1 = FloatVector.zero(f);
            for (int s = 0; s < 16; s += step) {
                FloatVector xl = FloatVector.fromArray(f, x, xo + s);
                FloatVector xh = FloatVector.fromArray(f, x, xo + 16 + s);
                IntVector q0 = unsigned(w, p0 + 2 + s);
                IntVector q1 = unsigned(w, p1 + 2 + s);
                sum0 = ((FloatVector) q0.and(0x0F).convert(VectorOperators.I2F, 0)).fma(xl, sum0);
                sum1 = ((FloatVector) q1.and(0x0F).convert(VectorOperators.I2F, 0)).fma(xl, sum1);
                sum0 = ((FloatVector) q0.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0))
                        .fma(xh, sum0);
                sum1 = ((FloatVector) q1.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0))
                        .fma(xh, sum1);
            }
            float d0 = Float.float16ToFloat(w.get(LittleEndian.SHORT, p0));
            float d1 = Float.float16ToFloat(w.get(LittleEndian.SHORT, p1));
            acc0 = sum0.fma(FloatVector.broadcast(f, d0), acc0);
            acc1 = sum1.fma(FloatVector.broadcast(f, d1), acc1);
            float xs = sums[b];
            offset0 += d0 * xs;
            offset1 += d1 * xs;
        }
        out[o] = Lanes.sum(acc0) - 8 * offset0;
        out[o + 1] = Lanes.sum(acc1) - 8 * offset1;
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

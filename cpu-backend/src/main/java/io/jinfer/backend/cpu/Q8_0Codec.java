package io.jinfer.backend.cpu;

import io.jinfer.api.format.LittleEndian;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Q8_0 blocks (F16 scale, 32 signed bytes), expanded in registers. */
final class Q8_0Codec extends RowCodec {
    private static final int BLOCK_BYTES = 34;
    private final Lanes ln;

    Q8_0Codec(Lanes ln) {
        this.ln = ln;
    }

    private FloatVector quants(MemorySegment w, long at) {
        return (FloatVector) ByteVector.fromMemorySegment(ln.bytes(), w, at, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.B2F, ln.floats(), 0);
    }

    @Override
    float dot(MemorySegment w, long off, int cols, float[] x, int xOff, float[] sums, float[] scratch) {
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        FloatVector acc = FloatVector.zero(f);
        long p = off;
        int xo = xOff;
        for (int b = 0, blocks = cols >> 5; b < blocks; b++, p += BLOCK_BYTES, xo += 32) {
            FloatVector sum = FloatVector.zero(f);
            for (int s = 0; s < 32; s += step) {
                sum = quants(w, p + 2 + s).fma(FloatVector.fromArray(f, x, xo + s), sum);
            }
            float d = Float.float16ToFloat(w.get(LittleEndian.SHORT, p));
            acc = sum.fma(FloatVector.broadcast(f, d), acc);
        }
        return Lanes.sum(acc);
    }

    @Override
    void dot2(MemorySegment w, long off0, long off1, int cols, float[] x, float[] sums, float[] scratch,
            float[] out, int o) {
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        FloatVector acc0 = FloatVector.zero(f);
        FloatVector acc1 = FloatVector.zero(f);
        long p0 = off0;
        long p1 = off1;
        int xo = 0;
        for (int b = 0, blocks = cols >> 5; b < blocks; b++, p0 += BLOCK_BYTES, p1 += BLOCK_BYTES, xo += 32) {
            FloatVector sum0 = FloatVector.zero(f);
            FloatVector sum1 = FloatVector.zero(f);
            for (int s = 0; s < 32; s += step) {
                FloatVector xv = FloatVector.fromArray(f, x, xo + s);
                sum0 = quants(w, p0 + 2 + s).fma(xv, sum0);
                sum1 = quants(w, p1 + 2 + s).fma(xv, sum1);
            }
            acc0 = sum0.fma(FloatVector.broadcast(f, Float.float16ToFloat(w.get(LittleEndian.SHORT, p0))), acc0);
            acc1 = sum1.fma(FloatVector.broadcast(f, Float.float16ToFloat(w.get(LittleEndian.SHORT, p1))), acc1);
        }
        out[o] = Lanes.sum(acc0);
        out[o + 1] = Lanes.sum(acc1);
    }

    @Override
    void decode(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        int step = ln.length();
        long p = off;
        int o = dstOff;
        for (int b = 0, blocks = cols >> 5; b < blocks; b++, p += BLOCK_BYTES, o += 32) {
            float d = Float.float16ToFloat(w.get(LittleEndian.SHORT, p));
            for (int s = 0; s < 32; s += step) {
                quants(w, p + 2 + s).mul(d).intoArray(dst, o + s);
            }
        }
    }
}

package io.jinfer.backend.cpu;

import io.jinfer.api.format.LittleEndian;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** F32 weights, read straight from the mapped file. */
final class F32Codec extends RowCodec {
    private final Lanes ln;

    F32Codec(DenseMath math) {
        this.ln = math.lanes();
    }

    @Override
    float dot(MemorySegment w, long off, int cols, float[] x, int xOff, float[] sums, float[] scratch) {
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        FloatVector acc0 = FloatVector.zero(f);
        FloatVector acc1 = FloatVector.zero(f);
        int i = 0;
        for (; i + 2 * step <= cols; i += 2 * step) {
            acc0 = FloatVector.fromMemorySegment(f, w, off + 4L * i, ByteOrder.LITTLE_ENDIAN)
                    .fma(FloatVector.fromArray(f, x, xOff + i), acc0);
            acc1 = FloatVector.fromMemorySegment(f, w, off + 4L * (i + step), ByteOrder.LITTLE_ENDIAN)
                    .fma(FloatVector.fromArray(f, x, xOff + i + step), acc1);
        }
        for (; i + step <= cols; i += step) {
            acc0 = FloatVector.fromMemorySegment(f, w, off + 4L * i, ByteOrder.LITTLE_ENDIAN)
                    .fma(FloatVector.fromArray(f, x, xOff + i), acc0);
        }
        float sum = Lanes.sum(acc0.add(acc1));
        for (; i < cols; i++) {
            sum += w.get(LittleEndian.FLOAT, off + 4L * i) * x[xOff + i];
        }
        return sum;
    }

    @Override
    void decode(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        MemorySegment.copy(w, LittleEndian.FLOAT, off, dst, dstOff, cols);
    }
}

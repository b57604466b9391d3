package io.jinfer.backend.cpu;

import io.jinfer.api.format.LittleEndian;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** F16 weights, converted lane by lane in registers. */
final class F16Codec extends RowCodec {
    private final DenseMath math;
    private final Lanes ln;

    F16Codec(DenseMath math) {
        this.math = math;
        this.ln = math.lanes();
    }

    @Override
    float dot(MemorySegment w, long off, int cols, float[] x, int xOff, float[] sums, float[] scratch) {
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        FloatVector acc = FloatVector.zero(f);
        int i = 0;
        for (; i + step <= cols; i += step) {
            acc = math.halves(w, off + 2L * i).fma(FloatVector.fromArray(f, x, xOff + i), acc);
        }
        float sum = Lanes.sum(acc);
        for (; i < cols; i++) {
            sum += Float.float16ToFloat(w.get(LittleEndian.SHORT, off + 2L * i)) * x[xOff + i];
        }
        return sum;
    }

    @Override
    void decode(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        int step = ln.length();
        int i = 0;
        for (; i + step <= cols; i += step) {
            math.halves(w, off + 2L * i).intoArray(dst, dstOff + i);
        }
        for (; i < cols; i++) {
            dst[dstOff + i] = Float.float16ToFloat(w.get(LittleEndian.SHORT, off + 2L * i));
        }
    }
}

package io.jinfer.backend.cpu;

import io.jinfer.api.format.LittleEndian;
import io.jinfer.api.format.ReferenceDequantizer;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** BF16 weights: each value is the upper half of a binary32, so a shift converts it. */
final class Bf16Codec extends RowCodec {
    private final Lanes ln;

    Bf16Codec(DenseMath math) {
        this.ln = math.lanes();
    }

    private FloatVector load(MemorySegment w, long at) {
        IntVector i = (IntVector) ShortVector.fromMemorySegment(ln.shorts(), w, at, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.S2I, ln.ints(), 0);
        return i.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    @Override
    float dot(MemorySegment w, long off, int cols, float[] x, int xOff, float[] sums, float[] scratch) {
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        FloatVector acc = FloatVector.zero(f);
        int i = 0;
        for (; i + step <= cols; i += step) {
            acc = load(w, off + 2L * i).fma(FloatVector.fromArray(f, x, xOff + i), acc);
        }
        float sum = Lanes.sum(acc);
        for (; i < cols; i++) {
            sum += ReferenceDequantizer.bf16ToFloat(w.get(LittleEndian.SHORT, off + 2L * i)) * x[xOff + i];
        }
        return sum;
    }

    @Override
    void decode(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        int step = ln.length();
        int i = 0;
        for (; i + step <= cols; i += step) {
            load(w, off + 2L * i).intoArray(dst, dstOff + i);
        }
        for (; i < cols; i++) {
            dst[dstOff + i] = ReferenceDequantizer.bf16ToFloat(w.get(LittleEndian.SHORT, off + 2L * i));
        }
    }
}

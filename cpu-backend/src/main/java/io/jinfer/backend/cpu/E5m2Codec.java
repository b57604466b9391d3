package io.jinfer.backend.cpu;

import io.jinfer.api.format.Fp8;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * FP8 E5M2 codes, one byte per value, scaled by a {@link io.jinfer.api.spi.WeightScales} grid. In
 * registers, a vector of normal codes only has its fields moved and its exponent re-biased; a vector
 * holding any zero, subnormal, infinity or NaN is converted like F16 values (an E5M2 code is the
 * upper byte of a binary16). The scalar path reads the 256-entry table. Same walk as
 * {@link E4m3Codec}.
 */
final class E5m2Codec extends ScaledCodec {
    /** The 256 values of E5M2, indexed by code. */
    private static final float[] TABLE = Fp8.e5m2Table();

    E5m2Codec(DenseMath math) {
        super(math);
    }

    @Override
    float dot(MemorySegment w, long off, int cols, float[] x, int xOff, float[] sums, float[] scratch) {
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        long grid = gridRowAt(off);
        int block = columnBlock();
        FloatVector total = FloatVector.zero(f);
        float tail = 0f;
        for (int c = 0, cell = 0; c < cols; cell++) {
            int end = Math.min(cols, c + block);
            FloatVector acc = FloatVector.zero(f);
            if (vectors) {
                for (; c + step <= end; c += step) {
                    acc = values(w, off + c).fma(FloatVector.fromArray(f, x, xOff + c), acc);
                }
            }
            float rest = 0f;
            for (; c < end; c++) {
                rest += value(w, off + c) * x[xOff + c];
            }
            float factor = factor(grid + cell);
            total = acc.fma(FloatVector.broadcast(f, factor), total);
            tail += rest * factor;
        }
        return Lanes.sum(total) + tail;
    }

    @Override
    void decode(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        int step = ln.length();
        long rowStart = rowStartOf(off);
        long grid = gridRowAt(off);
        int block = columnBlock();
        int first = (int) (off - rowStart);
        int end = first + cols;
        int o = dstOff - first;
        for (int c = first; c < end; ) {
            int cell = c / block;
            int cellEnd = Math.min(end, (cell + 1) * block);
            float factor = factor(grid + cell);
            if (vectors) {
                for (; c + step <= cellEnd; c += step) {
                    values(w, rowStart + c).mul(factor).intoArray(dst, o + c);
                }
            }
            for (; c < cellEnd; c++) {
                dst[o + c] = value(w, rowStart + c) * factor;
            }
        }
    }

    /** @return the values of one vector of codes starting at byte {@code at} */
    private FloatVector values(MemorySegment w, long at) {
        IntVector codes = (IntVector) ByteVector.fromMemorySegment(ln.bytes(), w, at, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.B2I, ln.ints(), 0);
        IntVector magnitude = codes.and(0x7F);
        // magnitudes 0x04..0x7B are the normal numbers: fields moved, exponent re-biased (15 to 127)
        if (!magnitude.sub(0x04).compare(VectorOperators.UGT, 0x7B - 0x04).anyTrue()) {
            return magnitude.lanewise(VectorOperators.LSHL, 21).add((127 - 15) << 23).or(codes.and(0x80000000))
                    .reinterpretAsFloats();
        }
        // zero, subnormal, infinity or NaN somewhere: the full binary16 conversion
        return math.halvesToFloats(codes.lanewise(VectorOperators.LSHL, 8));
    }

    /** @return the value of the code at byte {@code at}, through the table */
    private float value(MemorySegment w, long at) {
        return TABLE[w.get(ValueLayout.JAVA_BYTE, at) & 0xFF];
    }
}

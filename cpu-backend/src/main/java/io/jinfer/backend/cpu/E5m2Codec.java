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
    void dot2(MemorySegment w, long off0, long off1, int cols, float[] x, float[] sums, float[] scratch,
            float[] out, int o) {
        // two rows per pass: each activation vector is loaded once, and the two rows' sums are
        // independent chains; each row's arithmetic is exactly that of dot()
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        long grid0 = gridRowAt(off0);
        long grid1 = gridRowAt(off1);
        int block = columnBlock();
        FloatVector total0 = FloatVector.zero(f);
        FloatVector total1 = total0;
        float tail0 = 0f;
        float tail1 = 0f;
        for (int c = 0, cell = 0; c < cols; cell++) {
            int end = Math.min(cols, c + block);
            FloatVector acc0 = FloatVector.zero(f);
            FloatVector acc1 = acc0;
            if (vectors) {
                for (; c + step <= end; c += step) {
                    FloatVector xv = FloatVector.fromArray(f, x, c);
                    acc0 = values(w, off0 + c).fma(xv, acc0);
                    acc1 = values(w, off1 + c).fma(xv, acc1);
                }
            }
            float rest0 = 0f;
            float rest1 = 0f;
            for (; c < end; c++) {
                rest0 += value(w, off0 + c) * x[c];
                rest1 += value(w, off1 + c) * x[c];
            }
            float factor0 = factor(grid0 + cell);
            float factor1 = factor(grid1 + cell);
            total0 = acc0.fma(FloatVector.broadcast(f, factor0), total0);
            total1 = acc1.fma(FloatVector.broadcast(f, factor1), total1);
            tail0 += rest0 * factor0;
            tail1 += rest1 * factor1;
        }
        out[o] = Lanes.sum(total0) + tail0;
        out[o + 1] = Lanes.sum(total1) + tail1;
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

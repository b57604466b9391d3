package io.jinfer.backend.cpu;

import io.jinfer.api.format.E2m1;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * FP4 E2M1 codes, two per byte (element 2i in the low nibble), scaled by a
 * {@link io.jinfer.api.spi.WeightScales} grid: NVFP4 (E4M3 per 16 and a global scale) and MXFP4
 * (E8M0 per 32) checkpoints. In registers, half a vector of bytes is widened to int lanes, each byte
 * repeated into two neighbouring lanes that then keep its low and its high nibble, and each nibble
 * picks its value from a table held in a vector (a lane permute); the scalar path reads the same
 * 16-entry table from memory.
 */
final class E2m1Codec extends ScaledCodec {
    private static final float[] TABLE = new float[16];
    /** Lane i takes byte i / 2, for 8 and 16 lanes. */
    private static final VectorShuffle<Integer> PAIRS_8 = VectorShuffle.fromOp(IntVector.SPECIES_256, i -> i / 2);
    private static final VectorShuffle<Integer> PAIRS_16 = VectorShuffle.fromOp(IntVector.SPECIES_512, i -> i / 2);
    /** Lane i shifts its byte right by 0 (even lanes: low nibble) or 4 (odd lanes: high nibble). */
    private static final IntVector SHIFTS_8 = IntVector.SPECIES_256.iotaShuffle(0, 1, false).toVector()
            .reinterpretAsInts().and(1).lanewise(VectorOperators.LSHL, 2);
    private static final IntVector SHIFTS_16 = IntVector.SPECIES_512.iotaShuffle(0, 1, false).toVector()
            .reinterpretAsInts().and(1).lanewise(VectorOperators.LSHL, 2);

    /** The bits of the 16 values, one per lane: the table the 16-lane decoder permutes. */
    private static final IntVector TABLE_16;
    /** The bits of the 8 magnitudes: 8 lanes cannot hold all 16 values, so the sign is put on apart. */
    private static final IntVector TABLE_8;

    static {
        int[] bits = new int[16];
        for (int c = 0; c < 16; c++) {
            TABLE[c] = E2m1.toFloat(c);
            bits[c] = Float.floatToRawIntBits(TABLE[c]);
        }
        TABLE_16 = IntVector.fromArray(IntVector.SPECIES_512, bits, 0);
        TABLE_8 = IntVector.fromArray(IntVector.SPECIES_256, bits, 0);
    }

    E2m1Codec(DenseMath math) {
        super(math);
    }

    @Override
    float dot(MemorySegment w, long off, int cols, float[] x, int xOff, float[] sums, float[] scratch) {
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        int block = columnBlock();
        // the cells' factors first, into the scratch buffer (cells <= cols)
        factors(gridRowAt(off), (cols + block - 1) / block, scratch);
        // the last column a vector may start at: on a byte, with its full load inside the tensor
        long lastVector = vectors && block % 2 == 0 ? 2 * (w.byteSize() - ln.length() - off) : -1;
        FloatVector total = FloatVector.zero(f);
        float tail = 0f;
        for (int c = 0, cell = 0; c < cols; cell++) {
            int end = Math.min(cols, c + block);
            FloatVector acc = FloatVector.zero(f);
            for (; c + step <= end && c <= lastVector; c += step) {
                acc = values(w, off, c).fma(FloatVector.fromArray(f, x, xOff + c), acc);
            }
            float factor = scratch[cell];
            total = acc.fma(FloatVector.broadcast(f, factor), total);
            if (c < end) {
                float rest = 0f;
                for (; c < end; c++) {
                    rest += value(w, off, c) * x[xOff + c];
                }
                tail += rest * factor;
            }
        }
        return Lanes.sum(total) + tail;
    }

    @Override
    void dot2(MemorySegment w, long off0, long off1, int cols, float[] x, float[] sums, float[] scratch,
            float[] out, int o) {
        int block = columnBlock();
        int cells = (cols + block - 1) / block;
        // the last column a vector may start at, for the second (later) row: when its loads would
        // leave the tensor (the last rows) or there is no room for two rows' factors (one-column
        // cells), each row goes through dot() on its own
        long lastVector = vectors && block % 2 == 0 ? 2 * (w.byteSize() - ln.length() - off1) : -1;
        if (2 * cells > scratch.length || lastVector < cols - ln.length()) {
            super.dot2(w, off0, off1, cols, x, sums, scratch, out, o);
            return;
        }
        // two rows per pass: each activation vector is loaded once, and the two rows' sums are
        // independent chains; each row's arithmetic is exactly that of dot()
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        factors(gridRowAt(off0), cells, scratch);
        factors(gridRowAt(off1), cells, scratch, cells);
        FloatVector total0 = FloatVector.zero(f);
        FloatVector total1 = total0;
        float tail0 = 0f;
        float tail1 = 0f;
        for (int c = 0, cell = 0; c < cols; cell++) {
            int end = Math.min(cols, c + block);
            FloatVector acc0 = FloatVector.zero(f);
            FloatVector acc1 = acc0;
            for (; c + step <= end; c += step) {
                FloatVector xv = FloatVector.fromArray(f, x, c);
                acc0 = values(w, off0, c).fma(xv, acc0);
                acc1 = values(w, off1, c).fma(xv, acc1);
            }
            float factor0 = scratch[cell];
            float factor1 = scratch[cells + cell];
            total0 = acc0.fma(FloatVector.broadcast(f, factor0), total0);
            total1 = acc1.fma(FloatVector.broadcast(f, factor1), total1);
            if (c < end) {
                float rest0 = 0f;
                float rest1 = 0f;
                for (; c < end; c++) {
                    rest0 += value(w, off0, c) * x[c];
                    rest1 += value(w, off1, c) * x[c];
                }
                tail0 += rest0 * factor0;
                tail1 += rest1 * factor1;
            }
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
        int first = (int) (2 * (off - rowStart));
        int end = first + cols;
        int o = dstOff - first;
        for (int c = first; c < end; ) {
            int cell = c / block;
            int cellEnd = Math.min(end, (cell + 1) * block);
            float factor = factor(grid + cell);
            if (vectors) {
                for (; c + step <= cellEnd && vectorFits(w, rowStart, c); c += step) {
                    values(w, rowStart, c).mul(factor).intoArray(dst, o + c);
                }
            }
            for (; c < cellEnd; c++) {
                dst[o + c] = value(w, rowStart, c) * factor;
            }
        }
    }

    /**
     * Tells whether {@link #values} may read the vector at a column: it starts on a byte, and the
     * full vector of bytes it loads (though it uses half) lies inside the tensor.
     */
    private boolean vectorFits(MemorySegment w, long rowStart, int col) {
        return (col & 1) == 0 && rowStart + (col >>> 1) + ln.length() <= w.byteSize();
    }

    /** @return the values of the codes at columns {@code col ..} of the row, one vector of them */
    private FloatVector values(MemorySegment w, long rowStart, int col) {
        IntVector bytes = (IntVector) ByteVector.fromMemorySegment(ln.bytes(), w, rowStart + (col >>> 1),
                ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, ln.ints(), 0);
        // one path per width, so that each shuffle and table is a constant of its species
        if (ln.length() == 16) {
            IntVector codes = bytes.rearrange(PAIRS_16).lanewise(VectorOperators.LSHR, SHIFTS_16).and(0xF);
            return codes.selectFrom(TABLE_16).reinterpretAsFloats();
        }
        IntVector codes = bytes.rearrange(PAIRS_8).lanewise(VectorOperators.LSHR, SHIFTS_8);
        IntVector magnitudes = codes.and(7).selectFrom(TABLE_8);
        return magnitudes.or(codes.and(8).lanewise(VectorOperators.LSHL, 28)).reinterpretAsFloats();
    }

    /** @return the value of the code at column {@code col} of the row, through the table */
    private float value(MemorySegment w, long rowStart, int col) {
        int b = w.get(ValueLayout.JAVA_BYTE, rowStart + (col >>> 1));
        return TABLE[(b >>> ((col & 1) << 2)) & 0xF];
    }
}

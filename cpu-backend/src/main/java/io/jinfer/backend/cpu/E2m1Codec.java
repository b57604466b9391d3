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
 * repeated into two neighbouring lanes that then keep its low and its high nibble, and the nibbles'
 * fields are moved into binary32 place; the scalar path reads a 16-entry table.
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

    static {
        for (int c = 0; c < 16; c++) {
            TABLE[c] = E2m1.toFloat(c);
        }
    }

    E2m1Codec(DenseMath math) {
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
                for (; c + step <= end && vectorFits(w, off, c); c += step) {
                    acc = values(w, off, c).fma(FloatVector.fromArray(f, x, xOff + c), acc);
                }
            }
            float rest = 0f;
            for (; c < end; c++) {
                rest += value(w, off, c) * x[xOff + c];
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
        // one path per width, so that each shuffle and shift vector is a constant of its species
        IntVector nibbles = ln.length() == 16
                ? bytes.rearrange(PAIRS_16).lanewise(VectorOperators.LSHR, SHIFTS_16)
                : bytes.rearrange(PAIRS_8).lanewise(VectorOperators.LSHR, SHIFTS_8);
        nibbles = nibbles.and(0xF);
        IntVector magnitude = nibbles.and(7);
        // magnitudes 2..7 are normal: exponent (m >> 1) - 1 + 127, mantissa bit m & 1 on top of the fraction
        FloatVector normal = magnitude.lanewise(VectorOperators.LSHL, 22).add(126 << 23).reinterpretAsFloats();
        // 0 and 1 are the subnormals 0 and 0.5
        FloatVector small = ((FloatVector) magnitude.convert(VectorOperators.I2F, 0)).mul(0.5f);
        FloatVector v = normal.blend(small, magnitude.lt(2).cast(ln.floats()));
        return v.reinterpretAsInts().or(nibbles.and(8).lanewise(VectorOperators.LSHL, 28)).reinterpretAsFloats();
    }

    /** @return the value of the code at column {@code col} of the row, through the table */
    private float value(MemorySegment w, long rowStart, int col) {
        int b = w.get(ValueLayout.JAVA_BYTE, rowStart + (col >>> 1));
        return TABLE[(b >>> ((col & 1) << 2)) & 0xF];
    }
}

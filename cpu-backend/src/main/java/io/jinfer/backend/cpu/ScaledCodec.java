package io.jinfer.backend.cpu;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.E8m0;
import io.jinfer.api.format.Fp8;
import io.jinfer.api.format.LittleEndian;
import io.jinfer.api.format.ReferenceDequantizer;
import io.jinfer.api.format.ScaledDequantizer;
import io.jinfer.api.spi.TensorView;
import io.jinfer.api.spi.WeightScales;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Codecs of the checkpoint formats whose scales travel beside the codes (FP8, E2M1). {@link #bind}
 * takes the tensor's scale grid for one call; since rows are stored back to back, the row and the
 * first column of a {@link #dot} or {@link #decode} follow from its byte offset, so these codecs fit
 * the same {@link MatmulJob} as the block formats.
 *
 * <p>A row is expanded block by block: each code goes through a 256-entry float table and is
 * multiplied by its cell's factor {@code scale * globalScale}, exactly as
 * {@link ScaledDequantizer} computes it, so expanded rows (prefill, {@code dequantizeRow}) are
 * bit-identical to the reference. The one-token product then multiplies the expanded row with the
 * activations in vector registers.
 */
abstract class ScaledCodec extends RowCodec {
    /** E4M3 and E8M0 scale bytes decoded, indexed by byte. */
    private static final float[] E4M3_SCALES = Fp8.e4m3Table();
    private static final float[] E8M0_SCALES = new float[256];

    static {
        for (int c = 0; c < 256; c++) {
            E8M0_SCALES[c] = E8m0.toFloat(c);
        }
    }

    final DenseMath math;
    private MemorySegment scaleData;
    private QuantFormat scaleFormat;
    private int rowBlock;
    private int columnBlock;
    private long gridColumns;
    private float globalScale;
    private long rowBytes;

    ScaledCodec(DenseMath math) {
        this.math = math;
    }

    @Override
    final void bind(TensorView weight) {
        ScaledDequantizer.checkScales(weight);
        WeightScales s = weight.scales();
        scaleData = s.data();
        scaleFormat = s.format();
        rowBlock = s.rowBlock();
        columnBlock = s.columnBlock();
        gridColumns = s.gridColumns(weight.columns());
        globalScale = s.globalScale();
        rowBytes = weight.rowBytes();
    }

    @Override
    final void unbind() {
        scaleData = null;
    }

    /** @return the column of the code at byte {@code within} of a row */
    abstract int columnAt(long within);

    /**
     * Expands {@code len} codes of one row, all in one scale cell, multiplied by {@code factor}.
     *
     * @param w the codes
     * @param rowStart byte offset of the row
     * @param col first column
     * @param len how many
     * @param factor the cell's {@code scale * globalScale}
     * @param dst receives the values
     * @param o index of the first
     */
    abstract void expand(MemorySegment w, long rowStart, int col, int len, float factor, float[] dst, int o);

    @Override
    final float dot(MemorySegment w, long off, int cols, float[] x, int xOff, float[] sums, float[] scratch) {
        decode(w, off, cols, scratch, 0);
        return math.dot(scratch, 0, x, xOff, cols);
    }

    @Override
    final void decode(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        long row = off / rowBytes;
        long rowStart = row * rowBytes;
        int first = columnAt(off - rowStart);
        long gridRow = row / rowBlock * gridColumns;
        int end = first + cols;
        for (int c = first; c < end; ) {
            int cell = c / columnBlock;
            int cellEnd = Math.min(end, (cell + 1) * columnBlock);
            expand(w, rowStart, c, cellEnd - c, factor(gridRow + cell), dst, dstOff + c - first);
            c = cellEnd;
        }
    }

    /** @return {@code scale * globalScale} of grid cell {@code index}, as the reference rounds it */
    private float factor(long index) {
        MemorySegment d = scaleData;
        float scale = switch (scaleFormat) {
            case F32 -> d.getAtIndex(LittleEndian.FLOAT, index);
            case F16 -> Float.float16ToFloat(d.getAtIndex(LittleEndian.SHORT, index));
            case BF16 -> ReferenceDequantizer.bf16ToFloat(d.getAtIndex(LittleEndian.SHORT, index));
            case F8_E4M3 -> E4M3_SCALES[d.get(ValueLayout.JAVA_BYTE, index) & 0xFF];
            case E8M0 -> E8M0_SCALES[d.get(ValueLayout.JAVA_BYTE, index) & 0xFF];
            default -> throw new IllegalStateException("scales as " + scaleFormat);
        };
        return scale * globalScale;
    }
}

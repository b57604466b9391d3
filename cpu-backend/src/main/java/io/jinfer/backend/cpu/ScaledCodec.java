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
 * <p>A row is walked one scale cell at a time (a run of columns sharing one scale). Codes are
 * decoded a vector at a time in registers where the lanes allow ({@link #vectors}), otherwise, and
 * for the columns at the end of a cell that do not fill a vector, through the format's float
 * table. Each subclass has its own loops (rather than one loop here calling back for vectors): a
 * vector returned from a call that is not inlined is boxed, and a shared loop would see several
 * codecs and stop inlining them. Expanded values are {@code code * (scale * globalScale)}, rounded as
 * {@link ScaledDequantizer} rounds them, so expanded rows (prefill, {@code dequantizeRow}) are
 * bit-identical to the reference. The one-token product sums {@code code * x} per cell in vector
 * lanes and multiplies each cell's sum by its factor once, two rows per pass where it can (sharing
 * the activation loads); each row's order of operations is fixed, so results do not depend on
 * threads or on what the JIT has compiled.
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
    final Lanes ln;
    /** Whether the codes can be decoded in registers: byte and int lanes as many as the float lanes. */
    final boolean vectors;
    private MemorySegment scaleData;
    private QuantFormat scaleFormat;
    private int rowBlock;
    private int columnBlock;
    private long gridColumns;
    private float globalScale;
    private long rowBytes;

    ScaledCodec(DenseMath math) {
        this.math = math;
        this.ln = math.lanes();
        this.vectors = ln.bytes() != null && ln.ints() != null;
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

    /**
     * @param off byte offset of a row
     * @return index of the row's first cell in the scale grid
     */
    final long gridRowAt(long off) {
        return off / rowBytes / rowBlock * gridColumns;
    }

    /** @return columns per scale cell of the bound tensor */
    final int columnBlock() {
        return columnBlock;
    }

    /**
     * Splits a byte offset inside a row into the row's start and the column there.
     *
     * @param off byte offset of the first code to decode
     * @return the row's byte offset
     */
    final long rowStartOf(long off) {
        return off / rowBytes * rowBytes;
    }

    /**
     * Decodes the factors of {@code count} consecutive grid cells, for loops that visit many small
     * cells (NVFP4's 16 columns): the format switch and the segment checks then run once per row.
     *
     * @param first index of the first cell
     * @param count how many
     * @param dst receives {@code scale * globalScale} of each, from index 0
     */
    final void factors(long first, int count, float[] dst) {
        factors(first, count, dst, 0);
    }

    /**
     * As {@link #factors(long, int, float[])}, into {@code dst} from index {@code at}.
     *
     * @param first index of the first cell
     * @param count how many
     * @param dst receives the factors
     * @param at index of the first in {@code dst}
     */
    final void factors(long first, int count, float[] dst, int at) {
        MemorySegment d = scaleData;
        float g = globalScale;
        switch (scaleFormat) {
            case F32 -> {
                for (int i = 0; i < count; i++) {
                    dst[at + i] = d.getAtIndex(LittleEndian.FLOAT, first + i) * g;
                }
            }
            case F8_E4M3 -> {
                for (int i = 0; i < count; i++) {
                    dst[at + i] = E4M3_SCALES[d.get(ValueLayout.JAVA_BYTE, first + i) & 0xFF] * g;
                }
            }
            case E8M0 -> {
                for (int i = 0; i < count; i++) {
                    dst[at + i] = E8M0_SCALES[d.get(ValueLayout.JAVA_BYTE, first + i) & 0xFF] * g;
                }
            }
            default -> {
                for (int i = 0; i < count; i++) {
                    dst[at + i] = factor(first + i);
                }
            }
        }
    }

    /** @return {@code scale * globalScale} of grid cell {@code index}, as the reference rounds it */
    final float factor(long index) {
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

package io.jinfer.backend.cpu;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.ScaledDequantizer;
import io.jinfer.api.spi.TensorView;
import java.lang.foreign.MemorySegment;

/**
 * How the vector kernels read rows of one weight format: a fused dot product for decode (one token:
 * the row is expanded block by block in registers and never stored) and an expansion into a small
 * F32 buffer for prefill, where the expanded rows are reused by many tokens.
 */
abstract class RowCodec {

    /**
     * @param w the tensor data
     * @param off byte offset of the row
     * @param cols values in the row
     * @param x activations
     * @param xOff index of the first activation
     * @param sums {@code sums[b]} = sum of the 32 activations of block {@code b}, filled only when
     *     {@link #usesBlockSums()}
     * @param scratch per-thread buffer of at least {@code cols} floats (used by the generic codec)
     * @return {@code Σ W[c] * x[xOff + c]}
     */
    abstract float dot(MemorySegment w, long off, int cols, float[] x, int xOff, float[] sums, float[] scratch);

    /**
     * Two rows' dot products with the same activations; codecs override it to load each activation
     * vector once for both rows.
     *
     * @param w the tensor data
     * @param off0 byte offset of the first row
     * @param off1 byte offset of the second row
     * @param cols values per row
     * @param x activations (from index 0)
     * @param sums as for {@link #dot}
     * @param scratch as for {@link #dot}
     * @param out receives the first row's result at {@code o}, the second's at {@code o + 1}
     * @param o output index
     */
    void dot2(MemorySegment w, long off0, long off1, int cols, float[] x, float[] sums, float[] scratch,
            float[] out, int o) {
        out[o] = dot(w, off0, cols, x, 0, sums, scratch);
        out[o + 1] = dot(w, off1, cols, x, 0, sums, scratch);
    }

    /**
     * @return whether {@link #dot} needs the per-block activation sums: formats with an offset or a
     *     minimum ({@code d (q - 8)}, {@code d q + m}) use them to take the offset out of the inner loop
     */
    boolean usesBlockSums() {
        return false;
    }

    /**
     * Prepares the codec for one call with this weight, before any {@link #dot} or {@link #decode}:
     * codecs of scaled checkpoint formats take the scale grid here. Formats whose blocks carry
     * their own scales only check that the tensor has no grid.
     *
     * @param weight the tensor the coming calls read
     * @throws IllegalArgumentException naming the tensor when it has scales its format does not take,
     *     or lacks scales its format needs
     */
    void bind(TensorView weight) {
        ScaledDequantizer.checkScales(weight);
    }

    /** Drops what {@link #bind} kept, after the call. */
    void unbind() {
        // nothing kept
    }

    /**
     * Expands one row.
     *
     * @param w the tensor data
     * @param off byte offset of the row
     * @param cols values in the row
     * @param dst receives {@code cols} values
     * @param dstOff index of the first
     */
    abstract void decode(MemorySegment w, long off, int cols, float[] dst, int dstOff);

    /**
     * Picks the specialised codec for a format, or the generic one that works through
     * {@link io.jinfer.api.format.ReferenceDequantizer} (so that any format with a reference
     * dequantiser runs, just more slowly).
     *
     * @param format the weight format
     * @param math vector helpers of the lane width in use
     * @return the codec
     */
    static RowCodec of(QuantFormat format, DenseMath math) {
        Lanes ln = math.lanes();
        boolean quant = ln.quantKernels() && ln.ints() != null;
        return switch (format) {
            case F32 -> new F32Codec(math);
            case F16 -> math.hasHalfVectors() ? new F16Codec(math) : new GenericCodec(format, math);
            case BF16 -> math.hasHalfVectors() ? new Bf16Codec(math) : new GenericCodec(format, math);
            case Q8_0 -> quant ? new Q8_0Codec(ln) : new GenericCodec(format, math);
            case Q4_0 -> quant ? new Q4_0Codec(ln) : new GenericCodec(format, math);
            case Q4_1 -> quant ? new Q4_1Codec(ln) : new GenericCodec(format, math);
            case Q5_0 -> quant ? new Q5_0Codec(ln) : new GenericCodec(format, math);
            case Q5_1 -> quant ? new Q5_1Codec(ln) : new GenericCodec(format, math);
            case F8_E4M3 -> new E4m3Codec(math);
            case F8_E5M2 -> new E5m2Codec(math);
            case E2M1 -> new E2m1Codec(math);
            case Q4_K -> quant ? new Q4_KCodec(ln) : new GenericCodec(format, math);
            case Q6_K -> quant ? new Q6_KCodec(ln) : new GenericCodec(format, math);
            case Q5_K -> quant ? new Q5_KCodec(ln) : new GenericCodec(format, math);
            case Q3_K -> quant ? new Q3_KCodec(ln) : new GenericCodec(format, math);
            case Q2_K -> quant ? new Q2_KCodec(ln) : new GenericCodec(format, math);
            case IQ4_NL -> quant ? new IQ4_NLCodec(ln) : new GenericCodec(format, math);
            case IQ4_XS -> quant ? new IQ4_XSCodec(ln) : new GenericCodec(format, math);
            case MXFP4 -> quant ? new MXFP4Codec(ln) : new GenericCodec(format, math);
            case NVFP4 -> quant ? new NVFP4Codec(ln) : new GenericCodec(format, math);
            default -> new GenericCodec(format, math);
        };
    }
}

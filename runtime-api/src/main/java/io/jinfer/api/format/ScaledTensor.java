package io.jinfer.api.format;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.spi.TensorView;
import io.jinfer.api.spi.WeightScales;
import java.lang.foreign.MemorySegment;

/**
 * A matrix quantised to a checkpoint format: the element codes and the scale grid beside them, as a
 * safetensors checkpoint stores them ({@code weight} plus {@code weight_scale} and, for NVFP4,
 * {@code weight_scale_2}). Rows are output channels; the codes are row major.
 *
 * @param format F8_E4M3, F8_E5M2 or E2M1
 * @param rows rows (output channels)
 * @param columns columns (input features) per row
 * @param codes {@code format.rowBytes(columns) * rows} bytes of codes
 * @param scales the scale grid over the matrix
 */
public record ScaledTensor(QuantFormat format, int rows, int columns, MemorySegment codes, WeightScales scales) {

    /** Checks the sizes of the codes and the scale grid against the shape. */
    public ScaledTensor {
        if (!ScaledDequantizer.needsScales(format)) {
            throw new IllegalArgumentException(format + " is not a scaled checkpoint format");
        }
        long expected = Math.multiplyExact(format.rowBytes(columns), (long) rows);
        if (codes.byteSize() != expected) {
            throw new IllegalArgumentException(format + " " + rows + "x" + columns + " needs " + expected
                    + " bytes of codes, got " + codes.byteSize());
        }
        scales.validate(format + " " + rows + "x" + columns, columns, rows);
    }

    /**
     * Views the codes and scales as a tensor the kernels can multiply with.
     *
     * @param name the tensor name
     * @return a view with shape {@code [columns, rows]} (ggml order) and these scales
     */
    public TensorView view(String name) {
        return new TensorView(name, format, new long[] {columns, rows}, codes, scales);
    }
}

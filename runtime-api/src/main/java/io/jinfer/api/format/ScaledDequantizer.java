package io.jinfer.api.format;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.spi.TensorView;
import io.jinfer.api.spi.WeightScales;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Scalar reference dequantisation of checkpoint tensors whose scales travel beside the codes
 * (F8_E4M3, F8_E5M2, E2M1 with a {@link WeightScales} grid): the specification the fast kernels and
 * the CUDA header are tested against.
 *
 * <p>Element (r, c) is {@code code(r, c) * (scale(r / rowBlock, c / columnBlock) * globalScale)}, each
 * float operation rounded on its own: the scale and the global scale are multiplied first, as
 * NVIDIA ModelOpt dequantises NVFP4 ({@code per_block_scale = scale * double_scale}, then
 * {@code codes * per_block_scale}). Scales decode by their own format: F32, F16, BF16, F8_E4M3 (the
 * signed {@code cuda_fp8.h} E4M3, as torch's {@code float8_e4m3fn}) or E8M0.
 */
public final class ScaledDequantizer {
    private ScaledDequantizer() {}

    /**
     * Tells whether a format's codes carry no scale of their own and so need a {@link WeightScales}
     * grid.
     *
     * @param format a weight format
     * @return true for F8_E4M3, F8_E5M2 and E2M1
     */
    public static boolean needsScales(QuantFormat format) {
        return format == QuantFormat.F8_E4M3 || format == QuantFormat.F8_E5M2 || format == QuantFormat.E2M1;
    }

    /**
     * Checks that a tensor has a scale grid exactly when its format needs one.
     *
     * @param tensor the tensor
     * @throws IllegalArgumentException naming the tensor when scales are missing or not expected
     */
    public static void checkScales(TensorView tensor) {
        boolean needs = needsScales(tensor.format());
        if (needs && tensor.scales() == null) {
            throw new IllegalArgumentException("tensor " + tensor + " is " + tensor.format()
                    + " and needs a WeightScales grid, but has none");
        }
        if (!needs && tensor.scales() != null) {
            throw new IllegalArgumentException("tensor " + tensor + " has a WeightScales grid, but "
                    + tensor.format() + " takes no separate scales");
        }
    }

    /**
     * Decodes one element code of a scaled format, without its scale.
     *
     * @param format F8_E4M3, F8_E5M2 or E2M1
     * @param code the byte (FP8) or nibble (E2M1)
     * @return its value
     * @throws IllegalArgumentException for any other format
     */
    public static float codeValue(QuantFormat format, int code) {
        return switch (format) {
            case F8_E4M3 -> Fp8.e4m3ToFloat(code);
            case F8_E5M2 -> Fp8.e5m2ToFloat(code);
            case E2M1 -> E2m1.toFloat(code);
            default -> throw new IllegalArgumentException(format + " is not a scaled element format");
        };
    }

    /**
     * Decodes one scale of a grid (without the global scale).
     *
     * @param scales the grid
     * @param index row-major index into the grid
     * @return the scale's value
     */
    public static float scaleValue(WeightScales scales, long index) {
        MemorySegment d = scales.data();
        return switch (scales.format()) {
            case F32 -> d.getAtIndex(LittleEndian.FLOAT, index);
            case F16 -> Float.float16ToFloat(d.getAtIndex(LittleEndian.SHORT, index));
            case BF16 -> ReferenceDequantizer.bf16ToFloat(d.getAtIndex(LittleEndian.SHORT, index));
            case F8_E4M3 -> Fp8.e4m3ToFloat(d.get(ValueLayout.JAVA_BYTE, index));
            case E8M0 -> E8m0.toFloat(d.get(ValueLayout.JAVA_BYTE, index));
            default -> throw new IllegalArgumentException("scales cannot be stored as " + scales.format());
        };
    }

    /**
     * The factor that multiplies the codes of one grid cell: {@code scale * globalScale}.
     *
     * @param scales the grid
     * @param index row-major index into the grid
     * @return the factor
     */
    public static float blockFactor(WeightScales scales, long index) {
        return scaleValue(scales, index) * scales.globalScale();
    }

    /**
     * Expands one row of a scaled tensor.
     *
     * @param tensor an F8_E4M3, F8_E5M2 or E2M1 tensor with its scales
     * @param row the row (output channel), {@code 0 <= row < tensor.rows()}
     * @param dst receives {@code tensor.columns()} values
     * @param dstOffset index of the first value in {@code dst}
     * @throws IllegalArgumentException naming the tensor when its scales are missing or not expected
     * @throws IndexOutOfBoundsException when the row or the destination range is out of bounds
     */
    public static void dequantizeRow(TensorView tensor, int row, float[] dst, int dstOffset) {
        checkScales(tensor);
        if (!needsScales(tensor.format())) {
            throw new IllegalArgumentException("tensor " + tensor + " is not a scaled checkpoint format");
        }
        if (row < 0 || row >= tensor.rows()) {
            throw new IndexOutOfBoundsException("row " + row + " of " + tensor);
        }
        int cols = tensor.columns();
        if (dstOffset < 0 || dstOffset > dst.length - cols) {
            throw new IndexOutOfBoundsException("row of " + cols + " values does not fit at " + dstOffset
                    + " in an array of " + dst.length);
        }
        WeightScales s = tensor.scales();
        QuantFormat format = tensor.format();
        MemorySegment data = tensor.data();
        long rowStart = row * tensor.rowBytes();
        long gridRow = (long) (row / s.rowBlock()) * s.gridColumns(cols);
        float factor = 0f;
        for (int c = 0; c < cols; c++) {
            if (c % s.columnBlock() == 0) {
                factor = blockFactor(s, gridRow + c / s.columnBlock());
            }
            int code = format == QuantFormat.E2M1
                    ? BlockBytes.u8(data, rowStart + c / 2) >>> (4 * (c & 1))
                    : BlockBytes.u8(data, rowStart + c);
            dst[dstOffset + c] = codeValue(format, code) * factor;
        }
    }
}

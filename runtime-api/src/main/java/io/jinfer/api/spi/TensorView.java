package io.jinfer.api.spi;

import io.jinfer.api.QuantFormat;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;

/**
 * A zero-copy view of one weight tensor. Shapes use ggml's order: {@code shape[0]} is the number of
 * values in a row (the fastest-varying dimension), {@code shape[1]} the number of rows.
 *
 * @param name tensor name
 * @param format element format
 * @param shape dimensions, fastest-varying first
 * @param data the tensor's bytes (a slice of the mapped file)
 * @param scales scales stored beside the codes (FP8 and FP4 checkpoints), or null when the format's
 *     blocks carry their own scales or need none
 */
public record TensorView(String name, QuantFormat format, long[] shape, MemorySegment data, WeightScales scales) {

    /**
     * Checks that the data holds exactly the bytes the shape and format need, and that the scale grid,
     * when present, covers the matrix.
     */
    public TensorView {
        shape = shape.clone();
        long expected = bytesFor(format, shape);
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException("tensor " + name + " " + format + Arrays.toString(shape)
                    + " needs " + expected + " bytes, got " + data.byteSize());
        }
        if (scales != null) {
            scales.validate(name, shape.length == 0 ? 1 : shape[0], rowsOf(shape));
        }
    }

    /**
     * A view of a tensor whose format needs no separate scales.
     *
     * @param name tensor name
     * @param format element format
     * @param shape dimensions, fastest-varying first
     * @param data the tensor's bytes
     */
    public TensorView(String name, QuantFormat format, long[] shape, MemorySegment data) {
        this(name, format, shape, data, null);
    }

    private static long rowsOf(long[] shape) {
        long rows = 1;
        for (int i = 1; i < shape.length; i++) {
            rows = Math.multiplyExact(rows, shape[i]);
        }
        return rows;
    }

    /**
     * Computes how many bytes a tensor of this format and shape occupies: the bytes of one row times the
     * number of rows.
     *
     * @param format element format
     * @param shape dimensions, fastest-varying first
     * @return bytes needed
     * @throws IllegalArgumentException when {@code shape[0]} is not a whole number of the format's blocks
     * @throws ArithmeticException when the size overflows a {@code long}
     */
    public static long bytesFor(QuantFormat format, long[] shape) {
        long rows = 1;
        for (int i = 1; i < shape.length; i++) {
            rows = Math.multiplyExact(rows, shape[i]);
        }
        return Math.multiplyExact(rows, format.rowBytes(shape.length == 0 ? 1 : shape[0]));
    }

    /**
     * Returns a copy of the dimensions, so callers cannot change the view.
     *
     * @return the dimensions, fastest-varying first
     */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /**
     * Returns the length of one row, the fastest-varying dimension.
     *
     * @return values per row ({@code shape[0]})
     * @throws ArithmeticException when it does not fit an {@code int}
     */
    public int columns() {
        return Math.toIntExact(shape[0]);
    }

    /**
     * Returns the number of rows: the product of every dimension but the first.
     *
     * @return the number of rows
     * @throws ArithmeticException when it does not fit an {@code int}
     */
    public int rows() {
        long rows = 1;
        for (int i = 1; i < shape.length; i++) {
            rows *= shape[i];
        }
        return Math.toIntExact(rows);
    }

    /**
     * Returns the storage size of one row in this tensor's format.
     *
     * @return bytes per row
     */
    public long rowBytes() {
        return format.rowBytes(shape[0]);
    }

    /**
     * Returns the number of values in the tensor: the product of all dimensions.
     *
     * @return total number of values
     */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    @Override
    public String toString() {
        return name + " " + format + Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorView t && t.name.equals(name) && t.format == format
                && Arrays.equals(t.shape, shape) && t.data.equals(data) && Objects.equals(t.scales, scales);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }
}

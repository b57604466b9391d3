package io.jinfer.loader.safetensors;

import io.jinfer.api.ModelFormatException;
import io.jinfer.api.spi.TensorView;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * One tensor of a safetensors file: its type, its shape in the file's order (slowest-varying first,
 * as PyTorch writes it) and a zero-copy slice of the mapping.
 *
 * @param name the tensor's key in the header
 * @param dtype element type
 * @param shape dimensions, slowest-varying first (a PyTorch linear weight is {@code [out, in]})
 * @param data the tensor's bytes, a slice of the mapped file
 * @param file the file that holds it (for messages)
 */
public record SafetensorsTensor(String name, SafetensorsDtype dtype, long[] shape, MemorySegment data, Path file) {

    /** Copies the shape so the record stays immutable. */
    public SafetensorsTensor {
        shape = shape.clone();
    }

    /**
     * Returns a copy of the dimensions, slowest-varying first.
     *
     * @return the shape as the header gives it
     */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /**
     * Returns the number of elements: the product of the dimensions (1 for a scalar).
     *
     * @return element count
     */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /**
     * Returns the shape in ggml's order, fastest-varying first: a row-major {@code [out, in]} matrix
     * becomes {@code [in, out]} over the same bytes, so no copy is needed.
     *
     * @return the reversed dimensions ({@code [1]} for a scalar)
     */
    public long[] ggmlShape() {
        if (shape.length == 0) {
            return new long[] {1};
        }
        long[] g = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            g[i] = shape[shape.length - 1 - i];
        }
        return g;
    }

    /**
     * Returns a zero-copy view for a type jinfer can use as stored.
     *
     * @return the view, shape in ggml's order
     * @throws ModelFormatException when the type needs an interpretation first (U8, unsigned types)
     */
    public TensorView toView() {
        return new TensorView(name, dtype.format().orElseThrow(() -> new ModelFormatException(file, -1, name,
                "tensor of type " + dtype + " has no direct jinfer format; it needs a quantization description")),
                ggmlShape(), data);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SafetensorsTensor t && t.name.equals(name) && t.dtype == dtype
                && Arrays.equals(t.shape, shape) && t.data.equals(data);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }
}

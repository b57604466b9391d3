package io.jinfer.loader.gguf;

import io.jinfer.api.QuantFormat;
import java.util.Arrays;

/**
 * One tensor's entry in a GGUF file's tensor table.
 *
 * @param name tensor name
 * @param format element format
 * @param shape dimensions, fastest-varying first (ggml order)
 * @param offset byte offset of the data, relative to the start of the data section
 * @param byteSize bytes of data
 */
public record GgufTensorInfo(String name, QuantFormat format, long[] shape, long offset, long byteSize) {
    /** Copies the shape. */
    public GgufTensorInfo {
        shape = shape.clone();
    }

    /**
     * Returns a copy of the dimensions, so callers cannot change the table.
     *
     * @return the dimensions, fastest-varying first
     */
    @Override
    public long[] shape() {
        return shape.clone();
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
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t && t.name.equals(name) && t.format == format
                && Arrays.equals(t.shape, shape) && t.offset == offset && t.byteSize == byteSize;
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return name + " " + format + Arrays.toString(shape) + " @" + offset;
    }
}

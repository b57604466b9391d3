package io.jinfer.loader.synth;

import io.jinfer.api.QuantFormat;
import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * One tensor of a synthetic model and the rule that produces its values. Values are a pure
 * function of (model seed, tensor name, row), so rows can be produced in any order, on any thread,
 * and recomputed later to check what a reader sees.
 *
 * @param name llama.cpp's tensor name, e.g. {@code blk.0.attn_q.weight}
 * @param shape dimensions, fastest-varying first (ggml order): {@code [row length]} or
 *     {@code [row length, rows]}
 * @param format how the tensor is stored
 * @param kind what the values are
 * @param scale standard deviation of the random values (weights, biases); unused for norms
 */
public record SyntheticTensor(String name, long[] shape, QuantFormat format, Kind kind, float scale) {

    /** What a tensor's values are. */
    public enum Kind {
        /** A weight matrix: independent normal values times {@code scale}. */
        MATRIX,
        /** An RMSNorm weight: every value 1. */
        NORM,
        /** A bias: independent normal values times {@code scale}. */
        BIAS
    }

    /** Copies the shape and checks it. */
    public SyntheticTensor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(kind, "kind");
        shape = shape.clone();
        if (shape.length < 1 || shape.length > 2) {
            throw new IllegalArgumentException(name + ": synthetic tensors have 1 or 2 dimensions, got "
                    + Arrays.toString(shape));
        }
    }

    /**
     * Returns a copy of the dimensions, so callers cannot change the tensor.
     *
     * @return the dimensions, fastest-varying first
     */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /**
     * Returns the length of one row, the first dimension.
     *
     * @return values per row
     * @throws ArithmeticException when it does not fit an {@code int}
     */
    public int rowLength() {
        return Math.toIntExact(shape[0]);
    }

    /**
     * Returns the number of rows: the second dimension, or 1 for a vector.
     *
     * @return number of rows
     * @throws ArithmeticException when it does not fit an {@code int}
     */
    public int rows() {
        return shape.length == 1 ? 1 : Math.toIntExact(shape[1]);
    }

    /**
     * Computes one row of values.
     *
     * @param modelSeed the model's seed
     * @param row row index in [0, rows)
     * @param dst receives {@link #rowLength()} values
     * @param off index of the first value in {@code dst}
     */
    public void fillRow(long modelSeed, int row, float[] dst, int off) {
        Objects.checkIndex(row, rows());
        Objects.checkFromIndexSize(off, rowLength(), dst.length);
        int n = rowLength();
        if (kind == Kind.NORM) {
            Arrays.fill(dst, off, off + n, 1f);
            return;
        }
        SplittableRandom rnd = new SplittableRandom(rowSeed(modelSeed, row));
        for (int i = 0; i < n; i++) {
            dst[off + i] = (float) (rnd.nextGaussian() * scale);
        }
    }

    /**
     * A seed per (model, tensor, row), spread by SplitMix64's finaliser so that neighbouring rows
     * and seeds give unrelated streams. {@code String.hashCode} is specified, so the values do not
     * depend on the JVM run.
     */
    private long rowSeed(long modelSeed, int row) {
        long tensorSeed = mix(modelSeed * 0x9E3779B97F4A7C15L + name.hashCode());
        return mix(tensorSeed + row * 0xBF58476D1CE4E5B9L);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SyntheticTensor t && t.name.equals(name) && Arrays.equals(t.shape, shape)
                && t.format == format && t.kind == kind && Float.compare(t.scale, scale) == 0;
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return name + " " + format + Arrays.toString(shape) + " " + kind;
    }
}

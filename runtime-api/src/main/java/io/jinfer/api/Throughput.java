package io.jinfer.api;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * Dense compute throughput of a device, in operations per second (one fused multiply-add counts as
 * two), per {@link Precision}. Two rates: matrix-matrix products (many tokens at once, prefill and
 * batched decode) and matrix-vector products (one token); devices whose matrix-vector rate is not
 * given use the matrix rate, which is what they reach when memory is not the limit.
 *
 * <p>A precision the device lacks falls back to the next {@link Precision#wider() wider} one that it
 * has, e.g. FP4 weights on an H100 run at its FP8 rate.
 *
 * @param matrix operations per second of matrix-matrix products, by precision
 * @param vector operations per second of matrix-vector products, by precision (may be empty)
 */
public record Throughput(Map<Precision, Double> matrix, Map<Precision, Double> vector) {

    /** No figures: every {@link #flops} is 0, which a planner reads as "cannot compute here". */
    public static final Throughput UNKNOWN = new Throughput(Map.of(), Map.of());

    /** Copies the maps and checks that every rate is finite and positive. */
    public Throughput {
        matrix = copy(matrix, "matrix");
        vector = copy(vector, "vector");
    }

    private static Map<Precision, Double> copy(Map<Precision, Double> rates, String what) {
        EnumMap<Precision, Double> m = new EnumMap<>(Precision.class);
        if (rates != null) {
            rates.forEach((p, v) -> {
                if (p == null || v == null || !(v > 0) || Double.isInfinite(v)) {
                    throw new IllegalArgumentException(what + " throughput of " + p + " must be finite and > 0, got " + v);
                }
                m.put(p, v);
            });
        }
        return Collections.unmodifiableMap(m);
    }

    /**
     * Builds throughput with only matrix-matrix rates.
     *
     * @param matrix operations per second by precision
     * @return the throughput
     */
    public static Throughput of(Map<Precision, Double> matrix) {
        return new Throughput(matrix, Map.of());
    }

    /**
     * Returns the rate for products of {@code tokens} rows at a precision, falling back to wider
     * precisions the device has.
     *
     * @param precision the precision of the weights' products
     * @param tokens rows of the activation matrix (1: a matrix-vector product)
     * @return operations per second, or 0 when the device has no figure for this or any wider precision
     */
    public double flops(Precision precision, int tokens) {
        if (tokens <= 1) {
            double v = find(vector, precision);
            if (v > 0) {
                return v;
            }
        }
        return find(matrix, precision);
    }

    private static double find(Map<Precision, Double> rates, Precision precision) {
        for (Precision p = precision; p != null; p = p.wider()) {
            Double v = rates.get(p);
            if (v != null) {
                return v;
            }
        }
        return 0;
    }

    /**
     * Returns every rate multiplied by a factor, e.g. to model a faster part.
     *
     * @param factor a positive factor
     * @return the scaled throughput
     */
    public Throughput scaled(double factor) {
        EnumMap<Precision, Double> m = new EnumMap<>(Precision.class);
        matrix.forEach((p, v) -> m.put(p, v * factor));
        EnumMap<Precision, Double> v1 = new EnumMap<>(Precision.class);
        vector.forEach((p, v) -> v1.put(p, v * factor));
        return new Throughput(m, v1);
    }
}

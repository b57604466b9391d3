package io.jinfer.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.ReferenceDequantizer;
import io.jinfer.api.spi.TensorView;
import java.util.List;
import java.util.Random;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Matrix products and row expansion of {@link VectorKernels} against {@link ReferenceKernels} for
 * every format on seeded random data.
 *
 * <p>Tolerance: the kernels sum in a different order than the reference, so each output may differ
 * by float rounding of the sum: {@code |a - b| <= 1e-5 * Σ|w·x| + 1e-6}.
 */
class VectorMatmulTest {
    static final List<QuantFormat> FORMATS = List.of(QuantFormat.F32, QuantFormat.F16, QuantFormat.BF16,
            QuantFormat.Q8_0, QuantFormat.Q4_0, QuantFormat.Q4_1, QuantFormat.Q5_0, QuantFormat.Q5_1);
    /**
     * {rows, cols}: rows not multiples of the 16-row chunk nor of the 8-row prefill block; 1056
     * columns span three prefill panels (512 + 512 + 32), so partial sums are carried across panels.
     */
    static final int[][] SHAPES = {{1, 32}, {35, 96}, {70, 256}, {13, 1056}};
    /** Extra shapes for the one-value-per-block formats: columns not a multiple of any lane count. */
    static final int[][] DENSE_SHAPES = {{19, 35}, {3, 8}};
    static final int[] TOKENS = {1, 3, 17};
    private static final ReferenceKernels REF = new ReferenceKernels();

    static List<Arguments> configurations() {
        return KernelSetup.configurations();
    }

    @ParameterizedTest(name = "{0} threads={1}")
    @MethodSource("configurations")
    void matmulMatchesReferenceForEveryFormat(VectorSpecies<Float> species, int threads) {
        Random rnd = new Random(42);
        try (VectorKernels k = new VectorKernels(threads, species)) {
            for (QuantFormat format : FORMATS) {
                for (int[] shape : SHAPES) {
                    check(k, rnd, format, shape[0], shape[1]);
                }
                if (format.blockSize() == 1) {
                    for (int[] shape : DENSE_SHAPES) {
                        check(k, rnd, format, shape[0], shape[1]);
                    }
                }
            }
        }
    }

    private static void check(VectorKernels k, Random rnd, QuantFormat format, int rows, int cols) {
        TensorView w = RandomTensors.tensor(rnd, format, rows, cols);
        float[] dense = new float[rows * cols];
        ReferenceDequantizer.dequantize(format, w.data(), 0, rows * cols, dense, 0);
        for (int n : TOKENS) {
            float[] x = RandomTensors.floats(rnd, n * cols);
            float[] expected = new float[n * rows];
            float[] actual = new float[n * rows];
            REF.matmul(w, x, expected, n);
            k.matmul(w, x, actual, n);
            for (int t = 0; t < n; t++) {
                for (int r = 0; r < rows; r++) {
                    double magnitude = 0;
                    for (int c = 0; c < cols; c++) {
                        magnitude += Math.abs(dense[r * cols + c] * x[t * cols + c]);
                    }
                    double tolerance = 1e-5 * magnitude + 1e-6;
                    float a = actual[t * rows + r];
                    float e = expected[t * rows + r];
                    if (!(Math.abs(a - e) <= tolerance)) {
                        throw new AssertionError(format + " " + rows + "x" + cols + " n=" + n + " token " + t
                                + " row " + r + ": " + a + " vs reference " + e + " (tolerance " + tolerance + ")");
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} threads={1}")
    @MethodSource("configurations")
    void dequantizeRowIsBitExact(VectorSpecies<Float> species, int threads) {
        Random rnd = new Random(7);
        try (VectorKernels k = new VectorKernels(threads, species)) {
            for (QuantFormat format : FORMATS) {
                TensorView w = RandomTensors.tensor(rnd, format, 5, 96);
                for (int row : new int[] {0, 3, 4}) {
                    float[] expected = new float[100];
                    float[] actual = new float[100];
                    REF.dequantizeRow(w, row, expected, 3);
                    k.dequantizeRow(w, row, actual, 3);
                    assertArrayEquals(expected, actual, format + " row " + row);
                }
                assertThrows(IndexOutOfBoundsException.class, () -> k.dequantizeRow(w, 5, new float[96], 0));
            }
        }
    }

    @ParameterizedTest(name = "{0} threads={1}")
    @MethodSource("configurations")
    void matmulRejectsShortArrays(VectorSpecies<Float> species, int threads) {
        try (VectorKernels k = new VectorKernels(threads, species)) {
            TensorView w = RandomTensors.tensor(new Random(1), QuantFormat.Q4_0, 4, 64);
            var e = assertThrows(IllegalArgumentException.class, () -> k.matmul(w, new float[64], new float[8], 2));
            assertTrue(e.getMessage().contains("x holds 64"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> k.matmul(w, new float[128], new float[7], 2));
        }
    }

    @ParameterizedTest(name = "{0} threads={1}")
    @MethodSource("configurations")
    void describesWidthAndThreads(VectorSpecies<Float> species, int threads) {
        try (VectorKernels k = new VectorKernels(threads, species, NativeKernels.unavailable("test"))) {
            assertEquals("vector (" + species.vectorBitSize() + "-bit), " + threads
                    + (threads == 1 ? " thread" : " threads") + ", no native kernels: test", k.description());
        }
    }
}

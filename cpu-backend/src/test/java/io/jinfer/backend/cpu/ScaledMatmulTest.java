package io.jinfer.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.CheckpointQuantizer;
import io.jinfer.api.format.LittleEndian;
import io.jinfer.api.format.ScaledDequantizer;
import io.jinfer.api.format.ScaledTensor;
import io.jinfer.api.spi.Kernels;
import io.jinfer.api.spi.TensorView;
import io.jinfer.api.spi.WeightScales;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Matrix products and row expansion of scaled checkpoint tensors (FP8 E4M3 / E5M2 at every scale
 * granularity, NVFP4 and MXFP4 checkpoint layouts) in {@link VectorKernels} against
 * {@link ReferenceKernels}, on every kernel configuration.
 *
 * <p>Tolerance as in {@link VectorMatmulTest}: {@code |a - b| <= 1e-5 * Σ|w·x| + 1e-6}. Expanded rows
 * must be bit-identical.
 */
class ScaledMatmulTest {
    /**
     * {rows, cols}: 1 row; rows and columns that are not multiples of 128, 32 or 16 (partial edge
     * cells of every grid); 1056 columns span three prefill panels (512 + 512 + 32).
     */
    static final int[][] SHAPES = {{1, 32}, {35, 96}, {130, 200}, {13, 1056}};
    /** One token (fused dot), and five: one 4-token tile plus a single-token remainder in prefill. */
    static final int[] TOKENS = {1, 5};
    private static final ReferenceKernels REF = new ReferenceKernels();

    static List<Arguments> configurations() {
        return KernelSetup.configurations();
    }

    /** One quantised weight per format and granularity for a shape. */
    static List<TensorView> weights(Random rnd, int rows, int cols) {
        float[] w = RandomTensors.floats(rnd, rows * cols);
        List<TensorView> out = new ArrayList<>();
        for (QuantFormat f : new QuantFormat[] {QuantFormat.F8_E4M3, QuantFormat.F8_E5M2}) {
            out.add(CheckpointQuantizer.fp8PerTensor(f, w, rows, cols).view(f + " per tensor"));
            out.add(CheckpointQuantizer.fp8PerChannel(f, w, rows, cols).view(f + " per channel"));
            out.add(CheckpointQuantizer.fp8Blocks(f, w, rows, cols).view(f + " 128x128"));
            out.add(CheckpointQuantizer.fp8(f, w, rows, cols, 3, 7).view(f + " 3x7"));
        }
        ScaledTensor channel = CheckpointQuantizer.fp8PerChannel(QuantFormat.F8_E4M3, w, rows, cols);
        out.add(withScales(channel, QuantFormat.F16).view("F8_E4M3 per channel, F16 scales"));
        out.add(withScales(channel, QuantFormat.BF16).view("F8_E4M3 per channel, BF16 scales"));
        ScaledTensor nvfp4 = CheckpointQuantizer.nvfp4(w, rows, cols);
        out.add(nvfp4.view("NVFP4"));
        // the same E2M1 codes with the block scales widened to F32 / F16 / BF16 (exact for E4M3 values)
        out.add(withScales(nvfp4, QuantFormat.F32).view("E2M1 1x16, F32 scales"));
        out.add(withScales(nvfp4, QuantFormat.F16).view("E2M1 1x16, F16 scales"));
        out.add(withScales(nvfp4, QuantFormat.BF16).view("E2M1 1x16, BF16 scales"));
        out.add(CheckpointQuantizer.mxfp4(w, rows, cols).view("MXFP4"));
        return out;
    }

    /** The same tensor with its scales stored as F32, F16 or BF16 (as compressed-tensors may store them). */
    static ScaledTensor withScales(ScaledTensor t, QuantFormat format) {
        WeightScales s = t.scales();
        int n = Math.toIntExact(s.gridRows(t.rows()) * s.gridColumns(t.columns()));
        int width = format == QuantFormat.F32 ? 4 : 2;
        MemorySegment d = MemorySegment.ofArray(new byte[width * n]);
        for (int i = 0; i < n; i++) {
            float v = ScaledDequantizer.scaleValue(s, i);
            switch (format) {
                case F32 -> d.setAtIndex(LittleEndian.FLOAT, i, v);
                case F16 -> d.setAtIndex(LittleEndian.SHORT, i, Float.floatToFloat16(v));
                default -> d.setAtIndex(LittleEndian.SHORT, i, (short) (Float.floatToRawIntBits(v) >>> 16));
            }
        }
        return new ScaledTensor(t.format(), t.rows(), t.columns(), t.codes(),
                new WeightScales(format, d, s.rowBlock(), s.columnBlock(), s.globalScale()));
    }

    /** One product to check: weight, activations, the reference's result and each output's tolerance. */
    record Case(TensorView w, int n, float[] x, float[] expected, double[] tolerance) {}

    /** The cases, with the reference computed once for every kernel configuration. */
    private static final List<Case> CASES = cases();

    private static List<Case> cases() {
        Random rnd = new Random(11);
        List<Case> out = new ArrayList<>();
        for (int[] shape : SHAPES) {
            for (TensorView w : weights(rnd, shape[0], shape[1])) {
                int rows = w.rows();
                int cols = w.columns();
                float[] dense = new float[rows * cols];
                for (int r = 0; r < rows; r++) {
                    ScaledDequantizer.dequantizeRow(w, r, dense, r * cols);
                }
                for (int n : TOKENS) {
                    float[] x = RandomTensors.floats(rnd, n * cols);
                    float[] expected = new float[n * rows];
                    REF.matmul(w, x, expected, n);
                    double[] tolerance = new double[n * rows];
                    for (int t = 0; t < n; t++) {
                        for (int r = 0; r < rows; r++) {
                            double magnitude = 0;
                            for (int c = 0; c < cols; c++) {
                                magnitude += Math.abs(dense[r * cols + c] * x[t * cols + c]);
                            }
                            tolerance[t * rows + r] = 1e-5 * magnitude + 1e-6;
                        }
                    }
                    out.add(new Case(w, n, x, expected, tolerance));
                }
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0} threads={1}")
    @MethodSource("configurations")
    void matmulMatchesReferenceForEveryFormatAndGranularity(VectorSpecies<Float> species, int threads) {
        try (VectorKernels k = new VectorKernels(threads, species)) {
            for (Case c : CASES) {
                float[] actual = new float[c.expected().length];
                k.matmul(c.w(), c.x(), actual, c.n());
                for (int i = 0; i < actual.length; i++) {
                    if (!(Math.abs(actual[i] - c.expected()[i]) <= c.tolerance()[i])) {
                        throw new AssertionError(c.w() + " n=" + c.n() + " token " + i / c.w().rows() + " row "
                                + i % c.w().rows() + ": " + actual[i] + " vs reference " + c.expected()[i]
                                + " (tolerance " + c.tolerance()[i] + ")");
                    }
                }
            }
        }
    }

    static List<VectorSpecies<Float>> species() {
        return KernelSetup.species();
    }

    @ParameterizedTest
    @MethodSource("species")
    void resultsDoNotDependOnTheThreadCount(VectorSpecies<Float> species) {
        try (VectorKernels one = new VectorKernels(1, species); VectorKernels three = new VectorKernels(3, species)) {
            for (Case c : CASES) {
                float[] a = new float[c.expected().length];
                float[] b = new float[c.expected().length];
                one.matmul(c.w(), c.x(), a, c.n());
                three.matmul(c.w(), c.x(), b, c.n());
                assertArrayEquals(a, b, c.w() + " n=" + c.n());
            }
        }
    }

    @ParameterizedTest(name = "{0} threads={1}")
    @MethodSource("configurations")
    void dequantizeRowIsBitExact(VectorSpecies<Float> species, int threads) {
        Random rnd = new Random(5);
        try (VectorKernels k = new VectorKernels(threads, species)) {
            for (TensorView w : weights(rnd, 130, 200)) {
                for (int row : new int[] {0, 127, 128, 129}) {
                    float[] expected = new float[203];
                    float[] actual = new float[203];
                    REF.dequantizeRow(w, row, expected, 3);
                    k.dequantizeRow(w, row, actual, 3);
                    assertArrayEquals(expected, actual, w + " row " + row);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} threads={1}")
    @MethodSource("configurations")
    void everyCodeDecodesAsTheReferenceDoes(VectorSpecies<Float> species, int threads) {
        // every byte value in every lane position: 3 rows of the 256 codes, shifted by one per row;
        // scale 1 so that NaN and infinity codes come through unchanged
        byte[] codes = new byte[3 * 256];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = (byte) (i + i / 256);
        }
        MemorySegment one = MemorySegment.ofArray(new byte[4]);
        one.set(LittleEndian.FLOAT, 0, 1f);
        try (VectorKernels k = new VectorKernels(threads, species)) {
            for (QuantFormat f : new QuantFormat[] {QuantFormat.F8_E4M3, QuantFormat.F8_E5M2, QuantFormat.E2M1}) {
                int cols = f == QuantFormat.E2M1 ? 512 : 256;
                TensorView t = new TensorView("all codes", f, new long[] {cols, 3}, MemorySegment.ofArray(codes),
                        new WeightScales(QuantFormat.F32, one, 3, cols, 1f));
                for (int row = 0; row < 3; row++) {
                    float[] expected = new float[cols];
                    float[] actual = new float[cols];
                    REF.dequantizeRow(t, row, expected, 0);
                    k.dequantizeRow(t, row, actual, 0);
                    assertArrayEquals(expected, actual, f + " row " + row);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} threads={1}")
    @MethodSource("configurations")
    void missingOrUnexpectedScalesAreRefusedByName(VectorSpecies<Float> species, int threads) {
        TensorView bare = new TensorView("blk.3.attn_q.weight", QuantFormat.F8_E4M3, new long[] {32, 2},
                MemorySegment.ofArray(new byte[64]));
        TensorView nvfp4Bare = new TensorView("blk.3.ffn_down.weight", QuantFormat.E2M1, new long[] {32, 2},
                MemorySegment.ofArray(new byte[32]));
        MemorySegment q8 = MemorySegment.ofArray(new byte[2 * 34]);
        TensorView ggufScaled = new TensorView("output.weight", QuantFormat.Q8_0, new long[] {32, 2}, q8,
                new WeightScales(QuantFormat.F32, MemorySegment.ofArray(new byte[8]), 1, 32, 1f));
        try (VectorKernels k = new VectorKernels(threads, species)) {
            for (Kernels kernels : new Kernels[] {k, REF}) {
                for (TensorView t : new TensorView[] {bare, nvfp4Bare, ggufScaled}) {
                    var e = assertThrows(IllegalArgumentException.class,
                            () -> kernels.matmul(t, new float[32], new float[2], 1));
                    assertTrue(e.getMessage().contains(t.name()), e.getMessage());
                    e = assertThrows(IllegalArgumentException.class,
                            () -> kernels.dequantizeRow(t, 0, new float[32], 0));
                    assertTrue(e.getMessage().contains(t.name()), e.getMessage());
                }
            }
        }
    }
}

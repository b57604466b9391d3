package io.jinfer.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.LittleEndian;
import io.jinfer.api.format.CheckpointQuantizer;
import io.jinfer.api.format.ReferenceDequantizer;
import io.jinfer.api.format.ScaledDequantizer;
import io.jinfer.api.spi.TensorView;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The native kernels (Q4_0, Q8_0 with 8-bit activations; Q3_K, Q4_K, Q5_K, Q6_K with 16-bit ones; Q2_K, IQ4_NL, IQ4_XS, MXFP4, NVFP4, F16,
 * BF16 and scaled FP8 E4M3 with float activations), for each variant this machine can load:
 *
 * <ul>
 *   <li>Q4_0 and Q8_0 bit for bit against {@link #emulate} ({@link #emulateBlockSums} for the AMX
 *       variant), a plain Java statement of the same algorithm
 *       (activations quantised by {@link Q8Activations}, exact integer dot products of four values
 *       per lane, eight float lanes accumulated with fma, a fixed final sum), with 1 and 3 threads,
 *       one token and several tokens at once;
 *   <li>Q3_K, Q4_K, Q5_K and Q6_K bit for bit against {@link #emulate16} (activations quantised by
 *       {@link Q16Activations}, exact integer products of the weights times their scales, float lanes
 *       per super-block, fixed final sums);
 *   <li>the float-activation formats, and FP8 E4M3 with a scale grid, bit for bit against
 *       {@link #emulateFloat}: the reference dequantiser's values, 16 lanes accumulated with fma in
 *       column order, a fixed final sum;
 *   <li>against {@link ReferenceKernels} with a bound derived from the activation rounding: each
 *       quantised activation is off by at most half its block's scale {@code d_b / 2}, so an output
 *       is off by at most {@code Σ_b d_b/2 · Σ_{i in b} |w_i|}, plus float rounding
 *       {@code 1e-5 · Σ|w·x| + 1e-6} (only the float rounding for the K-quants).
 * </ul>
 *
 * Skipped (with the loader's reason) where no native kernels were built or this CPU has no AVX2.
 */
class NativeMatmulTest {
    private static final int[][] SHAPES = {{1, 32}, {5, 64}, {37, 256}, {70, 1056}, {8, 4096}};
    /** K-quant rows hold whole 256-value super-blocks. */
    private static final int[][] K_SHAPES = {{1, 256}, {37, 512}, {9, 2048}};
    /** NVFP4 rows hold whole 64-value blocks. */
    private static final int[][] NVFP4_SHAPES = {{1, 64}, {5, 128}, {37, 320}, {8, 2048}};
    private static final List<QuantFormat> FORMATS = List.of(QuantFormat.Q4_0, QuantFormat.Q8_0, QuantFormat.Q2_K,
            QuantFormat.Q3_K, QuantFormat.Q4_K, QuantFormat.Q5_K, QuantFormat.Q6_K, QuantFormat.IQ4_NL, QuantFormat.IQ4_XS, QuantFormat.MXFP4, QuantFormat.NVFP4,
            QuantFormat.F16, QuantFormat.BF16);

    private static int[][] shapes(QuantFormat f) {
        return switch (f.blockSize()) {
            case 256 -> K_SHAPES;
            case 64 -> NVFP4_SHAPES;
            default -> SHAPES;
        };
    }

    /** @return random weights: for K-quants with small finite F16 scales where the format keeps them */
    private static TensorView weights(Random rnd, QuantFormat f, int rows, int cols) {
        TensorView t = RandomTensors.tensor(rnd, f, rows, cols);
        int[] halves = switch (f) {
            case Q4_K, Q5_K -> new int[] {0, 2};
            case Q2_K -> new int[] {80, 82};
            case Q3_K -> new int[] {108};
            case Q6_K -> new int[] {208};
            default -> new int[0];
        };
        for (long at = 0; at < t.data().byteSize(); at += f.bytesPerBlock()) {
            for (int h : halves) {
                t.data().set(LittleEndian.SHORT, at + h, Float.floatToFloat16((rnd.nextFloat() * 2 - 1) * 0.01f));
            }
            if (f == QuantFormat.MXFP4) {
                // E8M0 scales around 2^-8 .. 2^4, so that sums stay finite
                t.data().set(ValueLayout.JAVA_BYTE, at, (byte) (119 + rnd.nextInt(13)));
            }
        }
        return t;
    }

    private static NativeKernels loaded(String variant) {
        NativeKernels k = NativeKernels.load(variant);
        Assumptions.assumeTrue(k.available(), () -> "native kernels " + variant + ": " + k.reason());
        return k;
    }

    /** Random activations, with an all-zero block and a block of large values mixed in. */
    private static float[] activations(Random rnd, int cols) {
        float[] x = RandomTensors.floats(rnd, cols);
        if (cols >= 96) {
            java.util.Arrays.fill(x, 32, 64, 0f);
            for (int i = 64; i < 96; i++) {
                x[i] *= 1000;
            }
        }
        return x;
    }

    /** @return a copy of a tensor with its data in native memory, as mapped model files are */
    private static TensorView offHeap(TensorView t, Arena arena) {
        MemorySegment seg = arena.allocate(t.data().byteSize(), 64);
        seg.copyFrom(t.data());
        return new TensorView(t.name(), t.format(), new long[] {t.columns(), t.rows()}, seg, t.scales());
    }

    /**
     * Asserts that each kernel set gives {@code emulation}'s bits for every (token, row) when
     * multiplying {@code w} with the first {@code tokens[i]} of {@code tokens[tokens.length - 1]}
     * rows of random activations.
     */
    private static void assertEmulated(Random rnd, TensorView w, int[] tokens, List<VectorKernels> kernels,
            java.util.function.BiFunction<TensorView, float[], float[]> emulation) {
        int rows = w.rows();
        int cols = w.columns();
        int n = tokens[tokens.length - 1];
        float[] xs = new float[n * cols];
        float[][] expected = new float[n][];
        for (int t = 0; t < n; t++) {
            float[] x = activations(rnd, cols);
            System.arraycopy(x, 0, xs, t * cols, cols);
            expected[t] = emulation.apply(w, x);
        }
        for (VectorKernels k : kernels) {
            for (int count : tokens) {
                float[] out = new float[count * rows];
                k.matmul(w, xs, out, count);
                for (int t = 0; t < count; t++) {
                    for (int r = 0; r < rows; r++) {
                        assertEquals(Float.floatToRawIntBits(expected[t][r]), Float.floatToRawIntBits(out[t * rows + r]),
                                w.format() + " " + rows + "x" + cols + " n=" + count + " token " + t + " row " + r
                                        + ": " + expected[t][r] + " vs " + out[t * rows + r]);
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"avx2", "avx512vnni", "avx512amx"})
    void matchesJavaEmulationBitForBit(String variant) {
        NativeKernels nk = loaded(variant);
        Random rnd = new Random(7);
        try (Arena arena = Arena.ofShared();
                VectorKernels one = new VectorKernels(1, FloatVector.SPECIES_256, nk);
                VectorKernels three = new VectorKernels(3, FloatVector.SPECIES_256, nk)) {
            for (QuantFormat format : List.of(QuantFormat.Q4_0, QuantFormat.Q8_0)) {
                for (int[] shape : shapes(format)) {
                    TensorView w = offHeap(weights(rnd, format, shape[0], shape[1]), arena);
                    // 16 and more tokens: the AMX variant's tiles, full and padded
                    assertEmulated(rnd, w, new int[] {1, 2, 3, 5, 16, 35}, List.of(one, three), emulation8(variant));
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"avx2", "avx512vnni", "avx512amx"})
    void floatActivationKernelsMatchTheirEmulationBitForBit(String variant) {
        NativeKernels nk = loaded(variant);
        Random rnd = new Random(17);
        try (Arena arena = Arena.ofShared();
                VectorKernels one = new VectorKernels(1, FloatVector.SPECIES_256, nk);
                VectorKernels three = new VectorKernels(3, FloatVector.SPECIES_256, nk)) {
            for (QuantFormat format : FORMATS) {
                if (NativeKernels.activations(format) != NativeKernels.Activations.FLOAT) {
                    continue;
                }
                assertTrue(nk.formats().contains(format), format + " has no native kernel in " + variant);
                for (int[] shape : shapes(format)) {
                    TensorView w = offHeap(weights(rnd, format, shape[0], shape[1]), arena);
                    assertEmulated(rnd, w, new int[] {1, 3, 11}, List.of(one, three), NativeMatmulTest::emulateFloat);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"avx2", "avx512vnni", "avx512amx"})
    void sixteenBitActivationKernelsMatchTheirEmulationBitForBit(String variant) {
        NativeKernels nk = loaded(variant);
        Random rnd = new Random(19);
        try (Arena arena = Arena.ofShared();
                VectorKernels one = new VectorKernels(1, FloatVector.SPECIES_256, nk);
                VectorKernels three = new VectorKernels(3, FloatVector.SPECIES_256, nk)) {
            for (QuantFormat format : FORMATS) {
                if (NativeKernels.activations(format) != NativeKernels.Activations.SIXTEEN_BIT) {
                    continue;
                }
                for (int[] shape : shapes(format)) {
                    TensorView w = offHeap(weights(rnd, format, shape[0], shape[1]), arena);
                    // 1, 9 and 17 tokens: single tokens, one 8-token tile and a rest, two tiles and a rest
                    assertEmulated(rnd, w, new int[] {1, 9, 17}, List.of(one, three), NativeMatmulTest::emulate16);
                }
            }
        }
    }

    /** FP8 E4M3 weights at every granularity the native kernel takes (and one it leaves to Java). */
    private static List<TensorView> e4m3Weights(Random rnd, int rows, int cols, Arena arena) {
        float[] w = RandomTensors.floats(rnd, rows * cols);
        QuantFormat f = QuantFormat.F8_E4M3;
        List<TensorView> out = new ArrayList<>();
        out.add(CheckpointQuantizer.fp8PerTensor(f, w, rows, cols).view("per tensor"));
        out.add(CheckpointQuantizer.fp8PerChannel(f, w, rows, cols).view("per channel"));
        out.add(CheckpointQuantizer.fp8Blocks(f, w, rows, cols).view("128x128"));
        out.add(CheckpointQuantizer.fp8(f, w, rows, cols, 3, 32).view("3x32"));
        out.add(CheckpointQuantizer.fp8(f, w, rows, cols, 1, 8).view("1x8 (Java path)"));
        return out.stream().map(t -> offHeap(t, arena)).toList();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"avx2", "avx512vnni", "avx512amx"})
    void scaledFp8KernelMatchesItsEmulationBitForBit(String variant) {
        NativeKernels nk = loaded(variant);
        Random rnd = new Random(23);
        try (Arena arena = Arena.ofShared();
                VectorKernels one = new VectorKernels(1, FloatVector.SPECIES_256, nk);
                VectorKernels three = new VectorKernels(3, FloatVector.SPECIES_256, nk)) {
            for (int[] shape : new int[][] {{1, 16}, {5, 48}, {37, 320}, {130, 272}}) {
                int rows = shape[0];
                int cols = shape[1];
                for (TensorView w : e4m3Weights(rnd, rows, cols, arena)) {
                    boolean fits = NativeKernels.e4m3Fits(cols, w.scales().columnBlock());
                    assertEquals(!w.name().contains("Java"), fits, w.name());
                    int n = 11;
                    float[] xs = new float[n * cols];
                    float[][] expected = new float[n][];
                    for (int t = 0; t < n; t++) {
                        float[] x = activations(rnd, cols);
                        System.arraycopy(x, 0, xs, t * cols, cols);
                        expected[t] = emulateFloat(w, x);
                    }
                    for (VectorKernels k : List.of(one, three)) {
                        for (int tokens : new int[] {1, 3, n}) {
                            float[] out = new float[tokens * rows];
                            k.matmul(w, xs, out, tokens);
                            int differing = 0;
                            for (int t = 0; t < tokens; t++) {
                                for (int r = 0; r < rows; r++) {
                                    int i = t * rows + r;
                                    if (fits) {
                                        assertEquals(Float.floatToRawIntBits(expected[t][r]),
                                                Float.floatToRawIntBits(out[i]), w + " n=" + tokens + " token " + t
                                                        + " row " + r + ": " + expected[t][r] + " vs " + out[i]);
                                    } else {
                                        differing += expected[t][r] != out[i] ? 1 : 0;
                                    }
                                }
                            }
                            if (!fits && tokens == n && rows * cols >= 1000) {
                                // the Java kernels sum in another order: not this emulation's bits
                                assertTrue(differing > 0, w + ": Java path gave the native kernel's exact bits");
                            }
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"avx2", "avx512vnni", "avx512amx"})
    void nativeSwigluMatchesTheJavaKernelBitForBit(String variant) {
        NativeKernels nk = loaded(variant);
        Random rnd = new Random(31);
        float[] special = {0f, -0f, 1e-30f, -1e-30f, 87f, -87f, 88.8f, -88.8f, 100f, -100f, Float.NaN,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE};
        try (VectorKernels nat = new VectorKernels(1, FloatVector.SPECIES_256, nk);
                VectorKernels java = new VectorKernels(1, FloatVector.SPECIES_256,
                        NativeKernels.unavailable("comparing with the Java kernel"))) {
            for (int length : new int[] {1, 7, 8, 15, 16, 17, 100, 8192}) {
                float[] gate = new float[length + 3];
                float[] up = new float[length + 3];
                for (int i = 0; i < gate.length; i++) {
                    gate[i] = i < special.length && length >= 16 ? special[i] : (rnd.nextFloat() * 2 - 1) * 20;
                    up[i] = (rnd.nextFloat() * 2 - 1) * 3;
                }
                float[] a = gate.clone();
                float[] b = gate.clone();
                nat.swiglu(a, up, length);
                java.swiglu(b, up, length);
                for (int i = 0; i < gate.length; i++) {
                    assertEquals(Float.floatToIntBits(b[i]), Float.floatToIntBits(a[i]),
                            variant + " length " + length + " index " + i + " gate " + gate[i] + ": " + b[i] + " vs " + a[i]);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"avx2", "avx512vnni", "avx512amx"})
    void nativeRmsNormMatchesTheJavaKernelAndDoesNotDependOnTheBatch(String variant) {
        NativeKernels nk = loaded(variant);
        Random rnd = new Random(37);
        try (VectorKernels nat = new VectorKernels(1, FloatVector.SPECIES_256, nk);
                VectorKernels plain = new VectorKernels(1, FloatVector.SPECIES_256,
                        NativeKernels.unavailable("comparing with the Java kernel"))) {
            for (int dim : new int[] {1, 7, 16, 37, 2048}) {
                int n = 3;
                float[] x = RandomTensors.floats(rnd, n * dim);
                x[0] *= 1000;
                TensorView w = RandomTensors.vector(RandomTensors.floats(rnd, dim));
                float[] a = new float[n * dim];
                float[] b = new float[n * dim];
                nat.rmsNorm(x, a, n, dim, w, 1e-5f);
                plain.rmsNorm(x, b, n, dim, w, 1e-5f);
                for (int i = 0; i < a.length; i++) {
                    assertTrue(Math.abs(a[i] - b[i]) <= 1e-6 * Math.abs(b[i]) + 1e-7,
                            variant + " dim " + dim + " [" + i + "]: " + a[i] + " vs Java " + b[i]);
                }
                for (int t = 0; t < n; t++) {
                    float[] one = new float[dim];
                    nat.rmsNorm(java.util.Arrays.copyOfRange(x, t * dim, (t + 1) * dim), one, 1, dim, w, 1e-5f);
                    for (int i = 0; i < dim; i++) {
                        assertEquals(Float.floatToRawIntBits(a[t * dim + i]), Float.floatToRawIntBits(one[i]),
                                variant + " dim " + dim + " row " + t + " alone vs in the batch");
                    }
                }
            }
        }
    }

    @Test
    void scaledFp8NanCodesGiveNaNAndNeighboursStayFinite() {
        NativeKernels nk = loaded(null);
        Random rnd = new Random(29);
        try (Arena arena = Arena.ofShared(); VectorKernels k = new VectorKernels(1, FloatVector.SPECIES_256, nk)) {
            TensorView w = e4m3Weights(rnd, 4, 64, arena).get(1);
            w.data().set(ValueLayout.JAVA_BYTE, 64 + 5, (byte) 0x7F);
            w.data().set(ValueLayout.JAVA_BYTE, 3 * 64 + 60, (byte) 0xFF);
            float[] out = new float[4];
            k.matmul(w, activations(rnd, 64), out, 1);
            assertTrue(Float.isFinite(out[0]) && Float.isFinite(out[2]), java.util.Arrays.toString(out));
            assertTrue(Float.isNaN(out[1]) && Float.isNaN(out[3]), java.util.Arrays.toString(out));
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"avx2", "avx512vnni", "avx512amx"})
    void closeToReferenceWithinActivationRounding(String variant) {
        NativeKernels nk = loaded(variant);
        Random rnd = new Random(11);
        ReferenceKernels ref = new ReferenceKernels();
        try (Arena arena = Arena.ofShared(); VectorKernels k = new VectorKernels(2, FloatVector.SPECIES_256, nk)) {
            for (QuantFormat format : FORMATS) {
                for (int[] shape : shapes(format)) {
                    int rows = shape[0];
                    int cols = shape[1];
                    TensorView w = offHeap(weights(rnd, format, rows, cols), arena);
                    float[] x = activations(rnd, cols);
                    float[] want = new float[rows];
                    float[] got = new float[rows];
                    ref.matmul(w, x, want, 1);
                    k.matmul(w, x, got, 1);
                    float[] row = new float[cols];
                    double worst = 0;
                    for (int r = 0; r < rows; r++) {
                        ReferenceDequantizer.dequantize(format, w.data(), r * w.rowBytes(), cols, row, 0);
                        double bound = 1e-6;
                        for (int b = 0; b < cols / 32; b++) {
                            double half = activationScale(format, x, b) / 2;
                            for (int i = 32 * b; i < 32 * b + 32; i++) {
                                bound += half * Math.abs(row[i]) + 1e-5 * Math.abs(row[i] * x[i]);
                            }
                        }
                        double err = Math.abs(got[r] - want[r]);
                        assertTrue(err <= bound, format + " " + rows + "x" + cols + " row " + r + ": " + got[r]
                                + " vs reference " + want[r] + ", bound " + bound);
                        worst = Math.max(worst, err / bound);
                    }
                    // the bound is not vacuous: the rounding does show (errors reach a part of it)
                    if (cols >= 256 && NativeKernels.activations(format) == NativeKernels.Activations.EIGHT_BIT) {
                        assertTrue(worst > 1e-3, "suspiciously exact: " + worst);
                    }
                }
            }
        }
    }

    @Test
    void quantisedActivationsAreWithinHalfAStep() {
        Random rnd = new Random(3);
        float[] x = activations(rnd, 256);
        try (Arena arena = Arena.ofConfined()) {
            Q8Activations q = new Q8Activations(arena);
            q.quantize(x, 256);
            for (int b = 0; b < 8; b++) {
                float d = q.scales().getAtIndex(ValueLayout.JAVA_FLOAT, b);
                assertEquals(Q8Activations.blockScale(x, 32 * b), d);
                int amaxQ = 0;
                for (int i = 32 * b; i < 32 * b + 32; i++) {
                    int v = q.quants().get(ValueLayout.JAVA_BYTE, i);
                    assertTrue(Math.abs(v) <= 127);
                    assertTrue(Math.abs(v * d - x[i]) <= d * 0.5001f, "value " + i);
                    amaxQ = Math.max(amaxQ, Math.abs(v));
                }
                assertEquals(d == 0 ? 0 : 127, amaxQ, "block " + b);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"avx2", "avx512vnni", "avx512amx"})
    void nativeQuantiserMatchesJavaBitForBit(String variant) {
        NativeKernels nk = loaded(variant);
        Random rnd = new Random(13);
        int cols = 1024;
        int n = 3;
        float[] x = new float[n * cols];
        for (int t = 0; t < n; t++) {
            System.arraycopy(activations(rnd, cols), 0, x, t * cols, cols);
        }
        // exact ties and tiny values in one block, a magnitude tie of opposite signs, a zero block
        for (int i = 0; i < 32; i++) {
            x[128 + i] = i == 0 ? 127f : (i - 16) + 0.5f;
            x[160 + i] = i * 1e-30f;
        }
        x[300] = -40f;
        x[400] = 40f;
        java.util.Arrays.fill(x, 512, 768, 0f);
        try (Arena arena = Arena.ofConfined()) {
            Q8Activations java = new Q8Activations(arena);
            Q8Activations c = new Q8Activations(arena, nk.quantize());
            java.quantize(x, cols, n);
            c.quantize(x, cols, n);
            for (int i = 0; i < n * cols; i++) {
                assertEquals(java.quants().get(ValueLayout.JAVA_BYTE, i), c.quants().get(ValueLayout.JAVA_BYTE, i),
                        "value " + i);
            }
            for (int b = 0; b < n * cols / 32; b++) {
                assertEquals(Float.floatToRawIntBits(java.scales().getAtIndex(ValueLayout.JAVA_FLOAT, b)),
                        Float.floatToRawIntBits(c.scales().getAtIndex(ValueLayout.JAVA_FLOAT, b)), "block " + b);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"avx2", "avx512vnni", "avx512amx"})
    void native16BitQuantiserMatchesJavaBitForBit(String variant) {
        NativeKernels nk = loaded(variant);
        Random rnd = new Random(41);
        int cols = 1024;
        int n = 3;
        float[] x = new float[n * cols];
        for (int t = 0; t < n; t++) {
            System.arraycopy(activations(rnd, cols), 0, x, t * cols, cols);
        }
        // exact ties at the scale 1, tiny values, a magnitude tie of opposite signs, a zero super-block
        x[0] = 32767f;
        for (int i = 1; i < 64; i++) {
            x[i] = (i - 32) + 0.5f;
        }
        x[300] = -40f;
        x[400] = 40f;
        java.util.Arrays.fill(x, 512, 768, 0f);
        for (int i = 768; i < 800; i++) {
            x[i] = i * 1e-30f;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment floats = arena.allocate(4L * x.length, 64);
            MemorySegment.copy(x, 0, floats, ValueLayout.JAVA_FLOAT, 0, x.length);
            Q16Activations java = new Q16Activations(arena, null);
            Q16Activations c = new Q16Activations(arena, nk.quantize16());
            java.quantize(floats, cols, n);
            c.quantize(floats, cols, n);
            for (int i = 0; i < n * cols; i++) {
                assertEquals(java.quants().getAtIndex(ValueLayout.JAVA_SHORT, i),
                        c.quants().getAtIndex(ValueLayout.JAVA_SHORT, i), "value " + i);
            }
            int supers = n * cols / 256;
            for (int b = 0; b < supers; b++) {
                float d = java.scales().getAtIndex(ValueLayout.JAVA_FLOAT, b);
                assertEquals(Float.floatToRawIntBits(d), Float.floatToRawIntBits(c.scales().getAtIndex(ValueLayout.JAVA_FLOAT, b)),
                        "super-block " + b);
                int amaxQ = 0;
                for (int i = 256 * b; i < 256 * b + 256; i++) {
                    int v = java.quants().getAtIndex(ValueLayout.JAVA_SHORT, i);
                    // half a step, plus the rounding of x * (1 / d): up to 32767 ulps of 1 is 0.002 steps
                    assertTrue(Math.abs(v * d - x[i]) <= d * 0.505f, "value " + i);
                    amaxQ = Math.max(amaxQ, Math.abs(v));
                }
                assertEquals(d == 0 ? 0 : Q16Activations.MAX, amaxQ, "super-block " + b);
            }
            for (int s = 0; s < n * cols / 32; s++) {
                int sum = 0;
                for (int i = 32 * s; i < 32 * s + 32; i++) {
                    sum += java.quants().getAtIndex(ValueLayout.JAVA_SHORT, i);
                }
                assertEquals(sum, java.scales().getAtIndex(ValueLayout.JAVA_INT, supers + s), "Java sum " + s);
                assertEquals(sum, c.scales().getAtIndex(ValueLayout.JAVA_INT, supers + s), "native sum " + s);
            }
        }
    }

    @Test
    void heapWeightsAndOtherFormatsUseTheJavaKernels() {
        NativeKernels nk = loaded(null);
        Random rnd = new Random(5);
        try (Arena arena = Arena.ofShared(); VectorKernels k = new VectorKernels(1, FloatVector.SPECIES_256, nk)) {
            TensorView heap = RandomTensors.tensor(rnd, QuantFormat.Q4_0, 9, 256);
            float[] x = activations(rnd, 256);
            float[] java = new float[9];
            float[] nat = new float[9];
            k.matmul(heap, x, java, 1);
            k.matmul(offHeap(heap, arena), x, nat, 1);
            float[] emulated = emulation8(nk.variant()).apply(offHeap(heap, arena), x);
            for (int r = 0; r < 9; r++) {
                assertEquals(emulated[r], nat[r]);
            }
            boolean differs = false;
            for (int r = 0; r < 9; r++) {
                differs |= java[r] != nat[r];
            }
            assertTrue(differs, "heap weights should not take the (8-bit activation) native path");
        }
    }

    @Test
    void propertyTurnsNativeKernelsOff() {
        String old = System.getProperty("jinfer.cpu.native");
        System.setProperty("jinfer.cpu.native", "false");
        try {
            NativeKernels nk = NativeKernels.fromSystemProperties();
            assertFalse(nk.available());
            try (VectorKernels k = new VectorKernels(1)) {
                assertTrue(k.description().contains("no native kernels: disabled by jinfer.cpu.native=false"),
                        k.description());
            }
        } finally {
            if (old == null) {
                System.clearProperty("jinfer.cpu.native");
            } else {
                System.setProperty("jinfer.cpu.native", old);
            }
        }
    }

    @Test
    void cpuFlagsComeFromTheFlagsLine() {
        var flags = NativeKernels.cpuFlags(List.of("processor\t: 0", "flags\t\t: fpu avx2 fma f16c", "bugs\t: x"));
        assertEquals(java.util.Set.of("fpu", "avx2", "fma", "f16c"), flags);
    }

    /**
     * @return the activation rounding step of block b: 8-bit per 32 values, 16-bit per 256 values, none
     *     for the float-activation formats
     */
    private static double activationScale(QuantFormat format, float[] x, int b) {
        return switch (NativeKernels.activations(format)) {
            case EIGHT_BIT -> Q8Activations.blockScale(x, 32 * b);
            case SIXTEEN_BIT -> Q16Activations.superBlockScale(x, 256 * (b / 8));
            case FLOAT -> 0;
        };
    }

    /** The float-activation kernels' algorithm in plain Java: see the class comment. */
    static float[] emulateFloat(TensorView w, float[] x) {
        int rows = w.rows();
        int cols = w.columns();
        float[] out = new float[rows];
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            if (w.scales() != null) {
                ScaledDequantizer.dequantizeRow(w, r, row, 0);
            } else {
                ReferenceDequantizer.dequantize(w.format(), w.data(), r * w.rowBytes(), cols, row, 0);
            }
            float[] acc = new float[16];
            for (int i = 0; i < cols; i++) {
                acc[i & 15] = Math.fma(row[i], x[i], acc[i & 15]);
            }
            float[] v = new float[8];
            for (int j = 0; j < 8; j++) {
                v[j] = acc[j] + acc[j + 8];
            }
            out[r] = ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7]));
        }
        return out;
    }

    /**
     * The 16-bit-activation kernels' algorithm in plain Java (see cpu_kquant.h): per super-block, 16
     * int32 lanes of exact products of {@code sc * q} with the int16 activations (lane {@code l} takes
     * values {@code 32 v + 2 l} and {@code 32 v + 2 l + 1} of each 32-value vector {@code v}), scaled
     * into float lanes by {@code fma((float) L, d * da, F)}; the Q4_K/Q5_K minimums in 8 float lanes
     * {@code fma((float) (m_j * bsum_j), dmin * da, M)}; then the fixed lane sums, F minus M. The
     * quants and scales are read here from the format's layout, independently of the C bit tricks.
     */
    static float[] emulate16(TensorView w, float[] x) {
        int rows = w.rows();
        int cols = w.columns();
        QuantFormat f = w.format();
        int supers = cols / 256;
        short[] a = new short[cols];
        float[] da = new float[supers];
        int[] bsum = new int[cols / 32];
        for (int b = 0; b < supers; b++) {
            float d = Q16Activations.superBlockScale(x, 256 * b);
            da[b] = d;
            float id = d == 0 ? 0 : 1 / d;
            for (int i = 256 * b; i < 256 * b + 256; i++) {
                a[i] = Q16Activations.quant(x[i], id);
                bsum[i / 32] += a[i];
            }
        }
        MemorySegment seg = w.data();
        float[] out = new float[rows];
        int[] scaled = new int[256];
        int[] mins = new int[8];
        for (int r = 0; r < rows; r++) {
            float[] fl = new float[16];
            float[] ml = new float[8];
            for (int b = 0; b < supers; b++) {
                long at = r * w.rowBytes() + (long) b * f.bytesPerBlock();
                long dAt = switch (f) {
                    case Q6_K -> 208;
                    case Q3_K -> 108;
                    default -> 0;
                };
                float d = Float.float16ToFloat(seg.get(LittleEndian.SHORT, at + dAt));
                superBlockProducts(f, seg, at, scaled, mins);
                int[] lanes = new int[16];
                for (int i = 0; i < 256; i++) {
                    lanes[(i % 32) / 2] += scaled[i] * a[256 * b + i];
                }
                for (int l = 0; l < 16; l++) {
                    fl[l] = Math.fma((float) lanes[l], d * da[b], fl[l]);
                }
                if (f == QuantFormat.Q4_K || f == QuantFormat.Q5_K) {
                    float dmin = Float.float16ToFloat(seg.get(LittleEndian.SHORT, at + 2));
                    for (int j = 0; j < 8; j++) {
                        ml[j] = Math.fma((float) (mins[j] * bsum[8 * b + j]), dmin * da[b], ml[j]);
                    }
                }
            }
            float[] v = new float[8];
            for (int j = 0; j < 8; j++) {
                v[j] = fl[j] + fl[j + 8];
            }
            float lanesF = ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7]));
            float lanesM = ((ml[0] + ml[1]) + (ml[2] + ml[3])) + ((ml[4] + ml[5]) + (ml[6] + ml[7]));
            out[r] = lanesF - lanesM;
        }
        return out;
    }

    /**
     * One super-block's weights times their sub-block scales, {@code sc * q} (Q6_K: {@code sc * (q - 32)},
     * Q3_K: {@code (sc - 32) * q} with q in -4..3), and for Q4_K/Q5_K its 8 minimums, read from the ggml
     * layouts.
     */
    private static void superBlockProducts(QuantFormat f, MemorySegment seg, long at, int[] scaled, int[] mins) {
        if (f == QuantFormat.Q3_K) {
            for (int i = 0; i < 256; i++) {
                int sub = i / 32;
                int l = i % 32;
                int low = ((seg.get(ValueLayout.JAVA_BYTE, at + 32 + 32 * (sub / 4) + l) & 0xFF) >> (2 * (sub % 4))) & 3;
                int high = ((seg.get(ValueLayout.JAVA_BYTE, at + l) & 0xFF) >> sub) & 1;
                int j = i / 16;
                int lo4 = j < 8 ? seg.get(ValueLayout.JAVA_BYTE, at + 96 + j) & 15
                        : (seg.get(ValueLayout.JAVA_BYTE, at + 96 + j - 8) & 0xFF) >> 4;
                int hi2 = ((seg.get(ValueLayout.JAVA_BYTE, at + 96 + 8 + j % 4) & 0xFF) >> (2 * (j / 4))) & 3;
                scaled[i] = ((lo4 | (hi2 << 4)) - 32) * ((low | (high << 2)) - 4);
            }
            return;
        }
        if (f == QuantFormat.Q6_K) {
            for (int i = 0; i < 256; i++) {
                int h = i / 128;
                int g = (i % 128) / 32;
                int l = i % 32;
                int ql = seg.get(ValueLayout.JAVA_BYTE, at + 64 * h + l + 32 * (g & 1)) & 0xFF;
                int qh = seg.get(ValueLayout.JAVA_BYTE, at + 128 + 32 * h + l) & 0xFF;
                int q = ((g < 2 ? ql & 15 : ql >> 4) | (((qh >> (2 * g)) & 3) << 4)) - 32;
                int sc = seg.get(ValueLayout.JAVA_BYTE, at + 192 + 8 * h + 2 * g + l / 16);
                scaled[i] = sc * q;
            }
            return;
        }
        int[] bytes = new int[12];
        for (int j = 0; j < 12; j++) {
            bytes[j] = seg.get(ValueLayout.JAVA_BYTE, at + 4 + j) & 0xFF;
        }
        long qs = at + (f == QuantFormat.Q4_K ? 16 : 48);
        for (int sub = 0; sub < 8; sub++) {
            int sc = sub < 4 ? bytes[sub] & 63 : (bytes[sub + 4] & 15) | ((bytes[sub - 4] >> 6) << 4);
            mins[sub] = sub < 4 ? bytes[sub + 4] & 63 : (bytes[sub + 4] >> 4) | ((bytes[sub] >> 6) << 4);
            for (int l = 0; l < 32; l++) {
                int packed = seg.get(ValueLayout.JAVA_BYTE, qs + 32 * (sub / 2) + l) & 0xFF;
                int q = (sub & 1) == 0 ? packed & 15 : packed >> 4;
                if (f == QuantFormat.Q5_K) {
                    q |= ((seg.get(ValueLayout.JAVA_BYTE, at + 16 + l) >> sub) & 1) << 4;
                }
                scaled[32 * sub + l] = sc * q;
            }
        }
    }

    /** @return the Q4_0/Q8_0 emulation of a variant: whole-block sums for the AMX one, lanes for the others */
    private static java.util.function.BiFunction<TensorView, float[], float[]> emulation8(String variant) {
        return "avx512amx".equals(variant) ? NativeMatmulTest::emulateBlockSums : NativeMatmulTest::emulate;
    }

    /**
     * The AMX variant's Q4_0/Q8_0 algorithm in plain Java (see cpu_q8.h): per block the exact sum
     * of its 32 products, {@code acc = fma(f16(d_w) * xd, (float) S, acc)} in block order, no lanes.
     */
    static float[] emulateBlockSums(TensorView w, float[] x) {
        int rows = w.rows();
        int cols = w.columns();
        int bpb = w.format().bytesPerBlock();
        byte[] xq = new byte[cols];
        float[] xd = quantize8(x, xq);
        MemorySegment seg = w.data();
        int[] wv = new int[32];
        float[] out = new float[rows];
        for (int r = 0; r < rows; r++) {
            float acc = 0;
            for (int b = 0; b < cols / 32; b++) {
                long at = r * w.rowBytes() + (long) b * bpb;
                blockQuants(w.format(), seg, at, wv);
                int s = 0;
                for (int i = 0; i < 32; i++) {
                    s += wv[i] * xq[32 * b + i];
                }
                float wd = Float.float16ToFloat(seg.get(LittleEndian.SHORT, at));
                acc = Math.fma(wd * xd[b], (float) s, acc);
            }
            out[r] = acc;
        }
        return out;
    }

    /** Quantises x as {@link Q8Activations} does into xq; @return the block scales */
    private static float[] quantize8(float[] x, byte[] xq) {
        float[] xd = new float[x.length / 32];
        for (int b = 0; b < xd.length; b++) {
            float d = Q8Activations.blockScale(x, 32 * b);
            xd[b] = d;
            float id = d == 0 ? 0 : 1 / d;
            for (int i = 32 * b; i < 32 * b + 32; i++) {
                xq[i] = Q8Activations.quant(x[i], id);
            }
        }
        return xd;
    }

    /** The 32 signed quants of the Q4_0 or Q8_0 block at {@code at}. */
    private static void blockQuants(QuantFormat f, MemorySegment seg, long at, int[] wv) {
        for (int i = 0; i < 32; i++) {
            if (f == QuantFormat.Q8_0) {
                wv[i] = seg.get(ValueLayout.JAVA_BYTE, at + 2 + i);
            } else {
                int packed = seg.get(ValueLayout.JAVA_BYTE, at + 2 + (i & 15)) & 0xFF;
                wv[i] = (i < 16 ? packed & 15 : packed >> 4) - 8;
            }
        }
    }

    /** The native algorithm in plain Java: see the class comment. */
    static float[] emulate(TensorView w, float[] x) {
        int rows = w.rows();
        int cols = w.columns();
        int bpb = w.format().bytesPerBlock();
        float[] out = new float[rows];
        byte[] xq = new byte[cols];
        float[] xd = quantize8(x, xq);
        MemorySegment seg = w.data();
        int[] wv = new int[32];
        for (int r = 0; r < rows; r++) {
            // even and odd blocks in separate accumulators
            float[][] acc = new float[2][8];
            for (int b = 0; b < cols / 32; b++) {
                long at = r * w.rowBytes() + (long) b * bpb;
                float wd = Float.float16ToFloat(seg.get(LittleEndian.SHORT, at));
                blockQuants(w.format(), seg, at, wv);
                float d = wd * xd[b];
                for (int j = 0; j < 8; j++) {
                    int s = 0;
                    for (int k = 0; k < 4; k++) {
                        s += wv[4 * j + k] * xq[32 * b + 4 * j + k];
                    }
                    acc[b & 1][j] = Math.fma(d, (float) s, acc[b & 1][j]);
                }
            }
            float[] v = new float[8];
            for (int j = 0; j < 8; j++) {
                v[j] = acc[0][j] + acc[1][j];
            }
            out[r] = ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7]));
        }
        return out;
    }
}

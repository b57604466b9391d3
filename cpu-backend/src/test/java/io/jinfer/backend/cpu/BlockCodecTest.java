package io.jinfer.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.LittleEndian;
import io.jinfer.api.format.ReferenceDequantizer;
import io.jinfer.api.spi.TensorView;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Random;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The vector codecs of the K-quant, non-linear and FP4 formats against {@link ReferenceKernels} on
 * seeded random blocks: matrix products for one token and for prefill tiles, bit-exact row
 * expansion, and bit-identical results whatever the thread count.
 *
 * <p>Tolerance as in {@link VectorMatmulTest}: {@code |a - b| <= 1e-5 * Σ|w·x| + 1e-6}.
 */
class BlockCodecTest {
    static final List<QuantFormat> FORMATS = List.of(QuantFormat.Q4_K, QuantFormat.Q6_K, QuantFormat.Q5_K,
            QuantFormat.Q3_K, QuantFormat.Q2_K, QuantFormat.IQ4_NL, QuantFormat.IQ4_XS, QuantFormat.MXFP4,
            QuantFormat.NVFP4);
    /**
     * {rows, cols} in blocks of the format: rows not multiples of the 16-row chunk nor of the 8-row
     * prefill block; 5 super-blocks (1280 columns) span three prefill panels (512 + 512 + 256).
     */
    static final int[][] SHAPES = {{1, 1}, {35, 2}, {70, 1}, {13, 5}};
    static final int[] TOKENS = {1, 3, 17};
    private static final ReferenceKernels REF = new ReferenceKernels();

    /** Block kernels run with 8 and 16 lanes; narrower vectors take the generic codec, tested elsewhere. */
    static List<Arguments> configurations() {
        return KernelSetup.configurations().stream()
                .filter(a -> ((VectorSpecies<?>) a.get()[0]).length() >= 8).toList();
    }

    @ParameterizedTest(name = "{0} threads={1}")
    @MethodSource("configurations")
    void matmulMatchesReference(VectorSpecies<Float> species, int threads) {
        Random rnd = new Random(11);
        try (VectorKernels k = new VectorKernels(threads, species, NativeKernels.unavailable("test"))) {
            for (QuantFormat format : FORMATS) {
                for (int[] shape : SHAPES) {
                    check(k, rnd, format, shape[0], shape[1] * columnsPerBlock(format));
                }
            }
        }
    }

    /** Columns per shape unit: a 256-value super-block, or eight blocks of the small formats. */
    private static int columnsPerBlock(QuantFormat format) {
        return format.blockSize() >= 256 ? format.blockSize() : 8 * format.blockSize();
    }

    private static void check(VectorKernels k, Random rnd, QuantFormat format, int rows, int cols) {
        TensorView w = tensor(rnd, format, rows, cols);
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
        Random rnd = new Random(5);
        try (VectorKernels k = new VectorKernels(threads, species, NativeKernels.unavailable("test"))) {
            for (QuantFormat format : FORMATS) {
                int cols = 3 * columnsPerBlock(format);
                TensorView w = tensor(rnd, format, 5, cols);
                for (int row : new int[] {0, 3, 4}) {
                    float[] expected = new float[cols + 4];
                    float[] actual = new float[cols + 4];
                    REF.dequantizeRow(w, row, expected, 3);
                    k.dequantizeRow(w, row, actual, 3);
                    assertArrayEquals(expected, actual, format + " row " + row);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wideSpecies")
    void resultsDoNotDependOnThreadCount(VectorSpecies<Float> species) {
        Random rnd = new Random(3);
        for (QuantFormat format : FORMATS) {
            int rows = 83;
            int cols = 2 * columnsPerBlock(format);
            TensorView w = tensor(rnd, format, rows, cols);
            for (int n : new int[] {1, 9}) {
                float[] x = RandomTensors.floats(rnd, n * cols);
                float[] one = product(species, 1, w, x, n);
                for (int threads : new int[] {2, 3, 5}) {
                    assertArrayEquals(one, product(species, threads, w, x, n),
                            format + " n=" + n + " threads=" + threads);
                }
            }
        }
    }

    static List<VectorSpecies<Float>> wideSpecies() {
        return KernelSetup.species().stream().filter(s -> s.length() >= 8).toList();
    }

    private static float[] product(VectorSpecies<Float> species, int threads, TensorView w, float[] x, int n) {
        float[] out = new float[n * w.rows()];
        try (VectorKernels k = new VectorKernels(threads, species, NativeKernels.unavailable("test"))) {
            k.matmul(w, x, out, n);
        }
        return out;
    }

    @Test
    void blockCodecsAreChosenWhereBlockKernelsRun() {
        Lanes ln = Lanes.of(FloatVector.SPECIES_256);
        DenseMath math = new DenseMath(ln);
        for (QuantFormat format : FORMATS) {
            RowCodec codec = RowCodec.of(format, math);
            assertEquals(format.name() + "Codec", codec.getClass().getSimpleName(), format.name());
        }
        assertEquals(GenericCodec.class, RowCodec.of(QuantFormat.Q4_K, new DenseMath(Lanes.of(FloatVector.SPECIES_128)))
                .getClass());
    }

    /**
     * @return a rows × cols tensor of random bytes whose scale fields hold small finite scales, so
     *     that every value is finite and of a realistic size
     */
    static TensorView tensor(Random rnd, QuantFormat format, int rows, int cols) {
        long[] shape = {cols, rows};
        byte[] bytes = new byte[Math.toIntExact(TensorView.bytesFor(format, shape))];
        rnd.nextBytes(bytes);
        MemorySegment seg = MemorySegment.ofArray(bytes);
        int blocks = bytes.length / format.bytesPerBlock();
        for (int b = 0; b < blocks; b++) {
            long at = (long) b * format.bytesPerBlock();
            switch (format) {
                case Q2_K -> halves(rnd, seg, at + 80, at + 82);
                case Q3_K -> halves(rnd, seg, at + 108);
                case Q4_K, Q5_K -> halves(rnd, seg, at, at + 2);
                case Q6_K -> halves(rnd, seg, at + 208);
                case IQ4_NL, IQ4_XS -> halves(rnd, seg, at);
                // E8M0 exponents near 2^0
                case MXFP4 -> seg.set(ValueLayout.JAVA_BYTE, at, (byte) (118 + rnd.nextInt(16)));
                case NVFP4 -> {
                    for (int s = 0; s < 4; s++) {
                        // UE4M3 scales without the NaN code 0x7F
                        seg.set(ValueLayout.JAVA_BYTE, at + s, (byte) rnd.nextInt(0x7F));
                    }
                }
                default -> throw new IllegalArgumentException("no random blocks for " + format);
            }
        }
        return new TensorView("w", format, shape, seg);
    }

    private static void halves(Random rnd, MemorySegment seg, long... at) {
        for (long a : at) {
            seg.set(LittleEndian.SHORT, a, Float.floatToFloat16((rnd.nextFloat() * 2 - 1) * 0.05f));
        }
    }
}

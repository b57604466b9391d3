package io.jinfer.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.spi.AttentionShape;
import io.jinfer.api.spi.KvLayer;
import io.jinfer.api.spi.RopeSpec;
import io.jinfer.api.spi.TensorView;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Random;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The non-matmul kernels of {@link VectorKernels} against {@link ReferenceKernels} on seeded random
 * inputs. Element-wise results must agree to {@code 1e-6} relative ({@code |a-b| <= 1e-6 * |b| +
 * 1e-7}, float rounding of a differently ordered sum or a vector exp); attention outputs are
 * weighted means of values in [-1, 1] and must agree to {@code 1e-5}.
 */
class VectorOpsTest {
    private static final ReferenceKernels REF = new ReferenceKernels();
    private static final int[] TOKENS = {1, 3, 17};

    static List<Arguments> configurations() {
        return KernelSetup.configurations();
    }

    private static void assertClose(float[] expected, float[] actual, double relative, double absolute,
            String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            double tolerance = relative * Math.abs(expected[i]) + absolute;
            if (!(Math.abs(expected[i] - actual[i]) <= tolerance)) {
                throw new AssertionError(what + " [" + i + "]: " + actual[i] + " vs reference " + expected[i]);
            }
        }
    }

    @ParameterizedTest(name = "{0} threads={1}")
    @MethodSource("configurations")
    void rmsNormAddAndAddVector(VectorSpecies<Float> species, int threads) {
        Random rnd = new Random(3);
        try (VectorKernels k = new VectorKernels(threads, species)) {
            for (int dim : new int[] {8, 35, 256}) {
                TensorView w = RandomTensors.vector(RandomTensors.floats(rnd, dim));
                for (int n : TOKENS) {
                    float[] x = RandomTensors.floats(rnd, n * dim);
                    float[] expected = new float[n * dim];
                    float[] actual = new float[n * dim];
                    REF.rmsNorm(x, expected, n, dim, w, 1e-5f);
                    k.rmsNorm(x, actual, n, dim, w, 1e-5f);
                    assertClose(expected, actual, 1e-6, 1e-7, "rmsNorm dim=" + dim + " n=" + n);
                    float[] inPlace = x.clone();
                    k.rmsNorm(inPlace, inPlace, n, dim, w, 1e-5f);
                    assertArrayEquals(actual, inPlace, "rmsNorm in place");

                    float[] a = x.clone();
                    float[] b = x.clone();
                    REF.addVector(a, n, w);
                    k.addVector(b, n, w);
                    assertArrayEquals(a, b, "addVector is exact");

                    float[] src = RandomTensors.floats(rnd, n * dim);
                    a = x.clone();
                    b = x.clone();
                    REF.add(a, src, n * dim - 1);
                    k.add(b, src, n * dim - 1);
                    assertArrayEquals(a, b, "add is exact and stops at length");
                }
            }
            TensorView f16 = RandomTensors.tensor(rnd, QuantFormat.F16, 1, 8);
            assertThrows(IllegalArgumentException.class, () -> k.rmsNorm(new float[8], new float[8], 1, 8, f16, 1e-5f));
        }
    }

    @ParameterizedTest(name = "{0} threads={1}")
    @MethodSource("configurations")
    void swiglu(VectorSpecies<Float> species, int threads) {
        Random rnd = new Random(4);
        try (VectorKernels k = new VectorKernels(threads, species)) {
            for (int length : new int[] {1, 37, 1000}) {
                float[] gate = RandomTensors.floats(rnd, length);
                for (int i = 0; i < length; i += 7) {
                    gate[i] *= 40; // large magnitudes: exp saturates on both sides
                }
                float[] up = RandomTensors.floats(rnd, length);
                float[] expected = gate.clone();
                float[] actual = gate.clone();
                REF.swiglu(expected, up, length);
                k.swiglu(actual, up, length);
                assertClose(expected, actual, 1e-6, 1e-7, "swiglu length=" + length);
            }
        }
    }

    @ParameterizedTest(name = "{0} threads={1}")
    @MethodSource("configurations")
    void ropeIsExact(VectorSpecies<Float> species, int threads) {
        Random rnd = new Random(5);
        try (VectorKernels k = new VectorKernels(threads, species)) {
            TensorView factors = RandomTensors.vector(new float[] {1f, 1.5f, 2f, 4f, 8f, 1f, 3f, 1f});
            List<RopeSpec> specs = List.of(new RopeSpec(10000f, 64, false, null), new RopeSpec(10000f, 64, true, null),
                    new RopeSpec(500000f, 16, true, factors), new RopeSpec(1e6f, 16, false, factors),
                    new RopeSpec(10000f, 48, true, null));
            for (RopeSpec spec : specs) {
                for (int n : TOKENS) {
                    int heads = 3;
                    int headDim = 64;
                    float[] x = RandomTensors.floats(rnd, n * heads * headDim);
                    float[] expected = x.clone();
                    float[] actual = x.clone();
                    REF.rope(expected, n, heads, headDim, 11, spec);
                    k.rope(actual, n, heads, headDim, 11, spec);
                    assertArrayEquals(expected, actual, spec + " n=" + n);
                }
            }
        }
    }

    private static KvLayer cache(QuantFormat format, int rowElements, int capacity) {
        long bytes = (long) rowElements * capacity * (format == QuantFormat.F32 ? 4 : 2);
        return new KvLayer(MemorySegment.ofArray(new byte[(int) bytes]), MemorySegment.ofArray(new byte[(int) bytes]),
                format, rowElements, capacity);
    }

    @ParameterizedTest(name = "{0} threads={1}")
    @MethodSource("configurations")
    void storeKvIsExact(VectorSpecies<Float> species, int threads) {
        Random rnd = new Random(6);
        try (VectorKernels k = new VectorKernels(threads, species)) {
            for (QuantFormat format : List.of(QuantFormat.F32, QuantFormat.F16)) {
                KvLayer expected = cache(format, 24, 40);
                KvLayer actual = cache(format, 24, 40);
                for (boolean keys : new boolean[] {true, false}) {
                    float[] src = RandomTensors.floats(rnd, 17 * 24);
                    REF.storeKv(src, 17, expected, keys, 5);
                    k.storeKv(src, 17, actual, keys, 5);
                }
                assertEquals(-1, expected.keys().mismatch(actual.keys()), format + " keys");
                assertEquals(-1, expected.values().mismatch(actual.values()), format + " values");
                assertThrows(IndexOutOfBoundsException.class, () -> k.storeKv(new float[24 * 2], 2, actual, true, 39));
            }
        }
    }

    @ParameterizedTest(name = "{0} threads={1}")
    @MethodSource("configurations")
    void attentionMatchesReference(VectorSpecies<Float> species, int threads) {
        Random rnd = new Random(8);
        try (VectorKernels k = new VectorKernels(threads, species)) {
            for (QuantFormat format : List.of(QuantFormat.F32, QuantFormat.F16)) {
                for (int[] layout : new int[][] {{4, 2, 16}, {6, 3, 20}, {2, 1, 64}}) {
                    int heads = layout[0];
                    int kvHeads = layout[1];
                    int headDim = layout[2];
                    AttentionShape shape = new AttentionShape(heads, kvHeads, headDim, (float) (1 / Math.sqrt(headDim)));
                    for (int n : TOKENS) {
                        for (int startPos : new int[] {0, 9}) {
                            KvLayer layer = cache(format, kvHeads * headDim, 40);
                            float[] kv = RandomTensors.floats(rnd, (startPos + n) * kvHeads * headDim);
                            for (int i = 0; i < kv.length; i += 5) {
                                kv[i] *= 30; // large scores: the softmax must subtract the maximum
                            }
                            REF.storeKv(kv, startPos + n, layer, true, 0);
                            REF.storeKv(RandomTensors.floats(rnd, kv.length), startPos + n, layer, false, 0);
                            float[] q = RandomTensors.floats(rnd, n * heads * headDim);
                            float[] expected = new float[n * heads * headDim];
                            float[] actual = new float[n * heads * headDim];
                            REF.attention(q, n, startPos, layer, shape, expected);
                            k.attention(q, n, startPos, layer, shape, actual);
                            assertClose(expected, actual, 0, 1e-5, format + " " + shape + " n=" + n + " start="
                                    + startPos);
                        }
                    }
                }
            }
        }
    }
}

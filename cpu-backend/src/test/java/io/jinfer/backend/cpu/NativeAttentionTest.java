package io.jinfer.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.spi.AttentionShape;
import io.jinfer.api.spi.KvLayer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Random;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The native attention kernel, for each variant this machine can load: against the reference kernel
 * (F32 and F16 caches, pages of 3 and 16 positions, grouped-query heads, head sizes with and without
 * a tail past the last 16 values, several queries from a non-zero position); each query bit for bit
 * the same whether computed with others or alone; the AVX-512 variants' loop for head sizes that are
 * multiples of 16 bit for bit the same as the general loop; and heap pages left to the Java kernel.
 */
class NativeAttentionTest {
    private static final ReferenceKernels REF = new ReferenceKernels();

    private static NativeKernels loaded(String variant) {
        NativeKernels k = NativeKernels.load(variant);
        Assumptions.assumeTrue(k.available(), () -> "native kernels " + variant + ": " + k.reason());
        return k;
    }

    /** A paged cache in native (or heap) memory holding {@code positions} random rows. */
    private static KvLayer cache(Arena arena, Random rnd, QuantFormat f, int rowElements, int pageSize, int positions,
            boolean heap) {
        KvLayer layer = new KvLayer(f, rowElements, pageSize, 1);
        long bytes = KvLayer.bytesPerPage(f, rowElements, pageSize);
        for (int p = 0; p * pageSize < positions; p++) {
            layer.addPage(heap ? MemorySegment.ofArray(new byte[(int) bytes]) : arena.allocate(bytes, 64),
                    heap ? MemorySegment.ofArray(new byte[(int) bytes]) : arena.allocate(bytes, 64));
        }
        layer.writeRows(RandomTensors.floats(rnd, positions * rowElements), positions, true, 0);
        layer.writeRows(RandomTensors.floats(rnd, positions * rowElements), positions, false, 0);
        return layer;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"avx2", "avx512vnni", "avx512amx"})
    void matchesTheReferenceAndDoesNotDependOnTheBatch(String variant) {
        NativeKernels nk = loaded(variant);
        Random rnd = new Random(41);
        try (Arena arena = Arena.ofShared(); VectorKernels k = new VectorKernels(2, FloatVector.SPECIES_256, nk)) {
            for (QuantFormat f : List.of(QuantFormat.F32, QuantFormat.F16)) {
                for (int pageSize : new int[] {3, 16}) {
                    for (int[] hs : new int[][] {{4, 2, 64}, {8, 2, 40}, {4, 4, 16}, {6, 3, 8}}) {
                        AttentionShape shape = new AttentionShape(hs[0], hs[1], hs[2], (float) (1 / Math.sqrt(hs[2])));
                        int startPos = 17;
                        int n = 5;
                        KvLayer layer = cache(arena, rnd, f, hs[1] * hs[2], pageSize, startPos + n, false);
                        int width = hs[0] * hs[2];
                        float[] q = RandomTensors.floats(rnd, n * width);
                        float[] want = new float[n * width];
                        float[] got = new float[n * width];
                        REF.attention(q, n, startPos, layer, shape, want);
                        long runs = k.nativeAttentionRuns();
                        k.attention(q, n, startPos, layer, shape, got);
                        assertEquals(runs + 1, k.nativeAttentionRuns(), "native pages should take the native kernel");
                        String what = variant + " " + f + " page " + pageSize + " heads " + hs[0] + "/" + hs[1]
                                + " dim " + hs[2];
                        for (int i = 0; i < got.length; i++) {
                            assertTrue(Math.abs(got[i] - want[i]) <= 1e-5 + 1e-5 * Math.abs(want[i]),
                                    what + " [" + i + "]: " + got[i] + " vs reference " + want[i]);
                        }
                        for (int t = 0; t < n; t++) {
                            float[] alone = new float[width];
                            float[] qt = java.util.Arrays.copyOfRange(q, t * width, (t + 1) * width);
                            k.attention(qt, 1, startPos + t, layer, shape, alone);
                            for (int i = 0; i < width; i++) {
                                assertEquals(Float.floatToRawIntBits(got[t * width + i]), Float.floatToRawIntBits(alone[i]),
                                        what + " query " + t + " [" + i + "] alone vs in the batch");
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * The AVX-512 variants take head sizes that are multiples of 16 through another loop order (16
     * keys' lane sums at once, outputs in registers) meant to compute exactly the same operations as
     * the general loop, which the AVX2 variant runs for every shape: bit for bit the same results.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"avx512vnni", "avx512amx"})
    void wideVariantsGiveTheGeneralLoopsBits(String variant) {
        NativeKernels wide = loaded(variant);
        NativeKernels plain = loaded("avx2");
        Random rnd = new Random(47);
        try (Arena arena = Arena.ofShared();
                VectorKernels a = new VectorKernels(2, FloatVector.SPECIES_256, wide);
                VectorKernels b = new VectorKernels(2, FloatVector.SPECIES_256, plain)) {
            for (QuantFormat f : List.of(QuantFormat.F32, QuantFormat.F16)) {
                for (int[] hs : new int[][] {{4, 2, 64}, {8, 2, 128}, {4, 4, 16}, {8, 2, 40}}) {
                    AttentionShape shape = new AttentionShape(hs[0], hs[1], hs[2], (float) (1 / Math.sqrt(hs[2])));
                    for (int[] at : new int[][] {{0, 1}, {0, 37}, {45, 7}, {70, 1}}) {
                        int startPos = at[0];
                        int n = at[1];
                        KvLayer layer = cache(arena, rnd, f, hs[1] * hs[2], 16, startPos + n, false);
                        int width = hs[0] * hs[2];
                        float[] q = RandomTensors.floats(rnd, n * width);
                        float[] x = new float[n * width];
                        float[] y = new float[n * width];
                        a.attention(q, n, startPos, layer, shape, x);
                        b.attention(q, n, startPos, layer, shape, y);
                        for (int i = 0; i < x.length; i++) {
                            assertEquals(Float.floatToRawIntBits(y[i]), Float.floatToRawIntBits(x[i]), variant + " " + f
                                    + " heads " + hs[0] + "/" + hs[1] + " dim " + hs[2] + " from " + startPos + " n " + n
                                    + " [" + i + "]: " + x[i] + " vs avx2 " + y[i]);
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"avx2", "avx512vnni", "avx512amx"})
    void heapPagesUseTheJavaKernel(String variant) {
        NativeKernels nk = loaded(variant);
        Random rnd = new Random(43);
        AttentionShape shape = new AttentionShape(4, 2, 32, 0.2f);
        try (Arena arena = Arena.ofShared();
                VectorKernels nat = new VectorKernels(1, FloatVector.SPECIES_256, nk);
                VectorKernels java = new VectorKernels(1, FloatVector.SPECIES_256,
                        NativeKernels.unavailable("comparing with the Java kernel"))) {
            KvLayer heap = cache(arena, rnd, QuantFormat.F32, 64, 8, 20, true);
            float[] q = RandomTensors.floats(rnd, 3 * 128);
            float[] a = new float[3 * 128];
            float[] b = new float[3 * 128];
            nat.attention(q, 3, 17, heap, shape, a);
            java.attention(q, 3, 17, heap, shape, b);
            assertEquals(0, nat.nativeAttentionRuns(), "heap pages should stay on the Java kernel");
            for (int i = 0; i < a.length; i++) {
                assertEquals(Float.floatToRawIntBits(b[i]), Float.floatToRawIntBits(a[i]), "index " + i);
            }
        }
    }
}

package io.jinfer.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.spi.AttentionShape;
import io.jinfer.api.spi.Kernels;
import io.jinfer.api.spi.KvLayer;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A KV cache in pages gives the same attention, bit for bit, as the same cache in one piece: the kernels
 * visit positions in the same order whatever the page boundaries. Writes that straddle pages land where
 * a reader of the page table expects them.
 */
class PagedKvTest {
    private static final int CAPACITY = 48;

    static Stream<Arguments> configurations() {
        Stream<Arguments> vector = KernelSetup.configurations().stream();
        return Stream.concat(Stream.of(Arguments.of(null, 0)), vector);
    }

    private static Kernels kernels(VectorSpecies<Float> species, int threads) {
        return species == null ? new ReferenceKernels() : new VectorKernels(threads, species);
    }

    private static long bytes(QuantFormat f, int rowElements, int positions) {
        return (long) rowElements * positions * (f == QuantFormat.F32 ? 4 : 2);
    }

    private static KvLayer contiguous(QuantFormat f, int rowElements) {
        long b = bytes(f, rowElements, CAPACITY);
        return new KvLayer(MemorySegment.ofArray(new byte[(int) b]), MemorySegment.ofArray(new byte[(int) b]), f,
                rowElements, CAPACITY);
    }

    /** Pages in a scrambled order of one backing block, as a pool hands out reused pages. */
    private static KvLayer paged(QuantFormat f, int rowElements, int pageSize) {
        int pages = CAPACITY / pageSize;
        long page = bytes(f, rowElements, pageSize);
        MemorySegment block = MemorySegment.ofArray(new byte[(int) (2 * page * pages)]);
        KvLayer layer = new KvLayer(f, rowElements, pageSize, 1);
        for (int i = 0; i < pages; i++) {
            int slot = (i * 5 + 3) % pages; // 5 is coprime with every page count used here
            layer.addPage(block.asSlice(2 * slot * page, page), block.asSlice((2 * slot + 1) * page, page));
        }
        return layer;
    }

    @ParameterizedTest(name = "{0} threads={1}")
    @MethodSource("configurations")
    void pagedAttentionEqualsContiguous(VectorSpecies<Float> species, int threads) {
        Random rnd = new Random(11);
        int heads = 4;
        int kvHeads = 2;
        int headDim = 16;
        int row = kvHeads * headDim;
        AttentionShape shape = new AttentionShape(heads, kvHeads, headDim, 0.25f);
        try (Kernels k = kernels(species, threads)) {
            for (QuantFormat f : List.of(QuantFormat.F32, QuantFormat.F16)) {
                for (int pageSize : new int[] {1, 4, 16}) {
                    KvLayer one = contiguous(f, row);
                    KvLayer pages = paged(f, row, pageSize);
                    assertEquals(CAPACITY, pages.capacity());
                    // written in uneven pieces, so runs start and end inside pages
                    int pos = 0;
                    for (int n : new int[] {3, 1, 9, 6, 14, 1, 7}) {
                        float[] keys = RandomTensors.floats(rnd, n * row);
                        float[] values = RandomTensors.floats(rnd, n * row);
                        float[] q = RandomTensors.floats(rnd, n * heads * headDim);
                        for (KvLayer l : List.of(one, pages)) {
                            k.storeKv(keys, n, l, true, pos);
                            k.storeKv(values, n, l, false, pos);
                        }
                        float[] expected = new float[q.length];
                        float[] actual = new float[q.length];
                        k.attention(q, n, pos, one, shape, expected);
                        k.attention(q, n, pos, pages, shape, actual);
                        assertArrayEquals(expected, actual, f + " page " + pageSize + " at " + pos);
                        pos += n;
                    }
                    KvLayer full = pages;
                    assertThrows(IndexOutOfBoundsException.class,
                            () -> k.storeKv(new float[2 * row], 2, full, true, CAPACITY - 1));
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} threads={1}")
    @MethodSource("configurations")
    void aPageTableGrowsAndEmpties(VectorSpecies<Float> species, int threads) {
        KvLayer layer = new KvLayer(QuantFormat.F32, 8, 4, 1);
        assertEquals(0, layer.capacity());
        try (Kernels k = kernels(species, threads)) {
            assertThrows(IndexOutOfBoundsException.class, () -> k.storeKv(new float[8], 1, layer, true, 0));
            for (int i = 0; i < 3; i++) {
                layer.addPage(MemorySegment.ofArray(new byte[128]), MemorySegment.ofArray(new byte[128]));
            }
            assertEquals(12, layer.capacity());
            float[] src = new float[8];
            src[0] = 42f;
            k.storeKv(src, 1, layer, true, 9);
            assertEquals(42f, layer.keyPage(2).getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, 8));
            layer.clearPages();
            assertEquals(0, layer.capacity());
            assertThrows(IllegalArgumentException.class,
                    () -> layer.addPage(MemorySegment.ofArray(new byte[64]), MemorySegment.ofArray(new byte[128])));
        }
    }
}

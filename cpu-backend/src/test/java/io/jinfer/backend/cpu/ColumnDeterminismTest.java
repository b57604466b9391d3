package io.jinfer.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.CheckpointQuantizer;
import io.jinfer.api.format.ReferenceDequantizer;
import io.jinfer.api.format.ScaledDequantizer;
import io.jinfer.api.spi.TensorView;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

/**
 * The determinism contract continuous batching relies on: for every format with a reference
 * dequantiser, {@code matmul(w, x, out, n)} gives for each token (column) {@code j} bit-identical
 * results to {@code matmul(w, x_j, out, 1)}, whatever {@code n}, the thread count and the tiling.
 * Checked with the default kernels (native ones where loaded, for weights in native memory as mapped
 * files are) and with the Java kernels (heap weights; native kernels turned off), on random data.
 */
class ColumnDeterminismTest {
    private static final int ROWS = 37;
    /** A whole number of every block size (32, 64, 256), with a panel boundary inside (512). */
    private static final int COLS = 768;
    private static final int TOKENS = 9;

    /** @return every format whose reference dequantiser exists (formats added later join by themselves) */
    private static List<QuantFormat> formats() {
        List<QuantFormat> out = new ArrayList<>();
        for (QuantFormat f : QuantFormat.values()) {
            if (COLS % f.blockSize() != 0 || !f.isSupported() || ScaledDequantizer.needsScales(f)) {
                continue;
            }
            try {
                ReferenceDequantizer.dequantize(f, MemorySegment.ofArray(new byte[f.bytesPerBlock()]), 0,
                        f.blockSize(), new float[f.blockSize()], 0);
                out.add(f);
            } catch (UnsupportedOperationException | IllegalArgumentException e) {
                // no reference: no kernel to check
            }
        }
        return out;
    }

    private static TensorView offHeap(TensorView t, Arena arena) {
        MemorySegment seg = arena.allocate(t.data().byteSize(), 64);
        seg.copyFrom(t.data());
        return new TensorView(t.name(), t.format(), new long[] {t.columns(), t.rows()}, seg, t.scales());
    }

    @Test
    void everyColumnMatchesItsOneTokenProduct() {
        List<QuantFormat> formats = formats();
        assertTrue(formats.containsAll(List.of(QuantFormat.F32, QuantFormat.F16, QuantFormat.Q4_0, QuantFormat.Q8_0,
                QuantFormat.Q4_K, QuantFormat.Q6_K)), "formats found: " + formats);
        NativeKernels nk = NativeKernels.fromSystemProperties();
        List<VectorSpecies<Float>> species = List.of(FloatVector.SPECIES_PREFERRED, FloatVector.SPECIES_256);
        Random rnd = new Random(17);
        try (Arena arena = Arena.ofShared()) {
            List<TensorView> tensors = new ArrayList<>();
            for (QuantFormat format : formats) {
                tensors.add(RandomTensors.tensor(rnd, format, ROWS, COLS));
            }
            // Checkpoint layouts carry their scales beside the codes.
            float[] values = RandomTensors.floats(rnd, ROWS * COLS);
            tensors.add(CheckpointQuantizer.fp8PerChannel(QuantFormat.F8_E4M3, values, ROWS, COLS).view("fp8-channel"));
            tensors.add(CheckpointQuantizer.fp8Blocks(QuantFormat.F8_E5M2, values, ROWS, COLS).view("fp8-blocks"));
            tensors.add(CheckpointQuantizer.nvfp4(values, ROWS, COLS).view("nvfp4-checkpoint"));
            tensors.add(CheckpointQuantizer.mxfp4(values, ROWS, COLS).view("mxfp4-checkpoint"));
            for (TensorView heap : tensors) {
                QuantFormat format = heap.format();
                TensorView mapped = offHeap(heap, arena);
                float[] x = RandomTensors.floats(rnd, TOKENS * COLS);
                for (VectorSpecies<Float> s : species) {
                    for (boolean useNative : new boolean[] {true, false}) {
                        NativeKernels kernels = useNative ? nk : NativeKernels.unavailable("test: Java path");
                        float[] reference = null;
                        for (int threads : new int[] {1, 3}) {
                            try (VectorKernels k = new VectorKernels(threads, s, kernels)) {
                                String what = heap.name() + " " + format + " " + s + " " + threads + " threads, native " + useNative;
                                TensorView w = useNative ? mapped : heap;
                                float[] all = new float[TOKENS * ROWS];
                                k.matmul(w, x, all, TOKENS);
                                float[] few = new float[4 * ROWS];
                                k.matmul(w, x, few, 4);
                                float[] one = new float[ROWS];
                                float[] xj = new float[COLS];
                                for (int j = 0; j < TOKENS; j++) {
                                    System.arraycopy(x, j * COLS, xj, 0, COLS);
                                    k.matmul(w, xj, one, 1);
                                    for (int r = 0; r < ROWS; r++) {
                                        int bits = Float.floatToIntBits(one[r]);
                                        assertEquals(bits, Float.floatToIntBits(all[j * ROWS + r]),
                                                what + ": token " + j + " row " + r + " of n=" + TOKENS);
                                        if (j < 4) {
                                            assertEquals(bits, Float.floatToIntBits(few[j * ROWS + r]),
                                                    what + ": token " + j + " row " + r + " of n=4");
                                        }
                                    }
                                }
                                if (reference == null) {
                                    reference = all;
                                } else {
                                    for (int i = 0; i < all.length; i++) {
                                        assertEquals(Float.floatToIntBits(reference[i]), Float.floatToIntBits(all[i]),
                                                what + ": output " + i + " differs from 1 thread");
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

package io.jinfer.bench;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.CheckpointQuantizer;
import io.jinfer.api.format.LittleEndian;
import io.jinfer.api.format.ScaledTensor;
import io.jinfer.api.spi.TensorView;
import io.jinfer.api.spi.WeightScales;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

/** Random weight tensors for benchmarks, written block by block in off-heap memory like a mapped file. */
public final class RandomWeights {
    private RandomWeights() {}

    /**
     * A weight of a named kind: a {@link QuantFormat} name (random blocks, see
     * {@link #tensor(Arena, QuantFormat, int, int, long)}) or one of the scaled checkpoint layouts,
     * quantised from random Gaussian values by {@link CheckpointQuantizer}: {@code F8_E4M3} and
     * {@code F8_E5M2} (per output channel F32 scales, as ModelOpt and compressed-tensors store FP8),
     * {@code F8_E4M3_128} (128x128 blocks, DeepSeek-V3 style), {@code NVFP4_CKPT} (E2M1, E4M3 per 16
     * plus a global scale) and {@code MXFP4_CKPT} (E2M1, E8M0 per 32). Codes and scales are copied
     * off-heap, like a mapped checkpoint.
     *
     * @param arena owns the memory
     * @param kind format or layout name
     * @param rows rows
     * @param cols values per row
     * @param seed random seed
     * @return the tensor
     */
    public static TensorView tensor(Arena arena, String kind, int rows, int cols, long seed) {
        ScaledTensor q = switch (kind) {
            case "F8_E4M3" -> CheckpointQuantizer.fp8PerChannel(QuantFormat.F8_E4M3, gaussian(rows * cols, seed),
                    rows, cols);
            case "F8_E5M2" -> CheckpointQuantizer.fp8PerChannel(QuantFormat.F8_E5M2, gaussian(rows * cols, seed),
                    rows, cols);
            case "F8_E4M3_128" -> CheckpointQuantizer.fp8Blocks(QuantFormat.F8_E4M3, gaussian(rows * cols, seed),
                    rows, cols);
            case "NVFP4_CKPT" -> CheckpointQuantizer.nvfp4(gaussian(rows * cols, seed), rows, cols);
            case "MXFP4_CKPT" -> CheckpointQuantizer.mxfp4(gaussian(rows * cols, seed), rows, cols);
            default -> null;
        };
        if (q == null) {
            return tensor(arena, QuantFormat.valueOf(kind), rows, cols, seed);
        }
        WeightScales s = q.scales();
        WeightScales offHeap = new WeightScales(s.format(), copy(arena, s.data()), s.rowBlock(), s.columnBlock(),
                s.globalScale());
        return new ScaledTensor(q.format(), rows, cols, copy(arena, q.codes()), offHeap).view("bench " + kind);
    }

    private static MemorySegment copy(Arena arena, MemorySegment heap) {
        return arena.allocate(heap.byteSize(), 64).copyFrom(heap);
    }

    private static float[] gaussian(int count, long seed) {
        Random rnd = new Random(seed);
        float[] v = new float[count];
        for (int i = 0; i < count; i++) {
            v[i] = (float) (rnd.nextGaussian() * 0.02);
        }
        return v;
    }

    /**
     * @param arena owns the memory
     * @param format weight format
     * @param rows rows
     * @param cols values per row
     * @param seed random seed
     * @return the tensor
     */
    public static TensorView tensor(Arena arena, QuantFormat format, int rows, int cols, long seed) {
        Random rnd = new Random(seed);
        long[] shape = {cols, rows};
        long size = TensorView.bytesFor(format, shape);
        MemorySegment seg = arena.allocate(size, 64);
        long blocks = size / format.bytesPerBlock();
        int scales = format == QuantFormat.Q4_1 || format == QuantFormat.Q5_1 ? 2 : 1;
        for (long b = 0; b < blocks; b++) {
            long at = b * format.bytesPerBlock();
            switch (format) {
                case F32 -> seg.set(LittleEndian.FLOAT, at, rnd.nextFloat() - 0.5f);
                case F16 -> seg.set(LittleEndian.SHORT, at, Float.floatToFloat16(rnd.nextFloat() - 0.5f));
                case BF16 -> seg.set(LittleEndian.SHORT, at,
                        (short) (Float.floatToRawIntBits(rnd.nextFloat() - 0.5f) >>> 16));
                default -> {
                    for (int s = 0; s < scales; s++) {
                        seg.set(LittleEndian.SHORT, at + 2L * s, Float.floatToFloat16(rnd.nextFloat() * 0.02f));
                    }
                    for (long i = at + 2L * scales; i < at + format.bytesPerBlock(); i++) {
                        seg.set(ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt(256));
                    }
                    // K-quants keep further F16 factors inside the block: small finite values there
                    int[] halves = switch (format) {
                        case Q4_K, Q5_K, Q2_K -> new int[] {0, 2};
                        case Q6_K -> new int[] {208};
                        case Q3_K -> new int[] {108};
                        default -> new int[0];
                    };
                    for (int h : halves) {
                        seg.set(LittleEndian.SHORT, at + (format == QuantFormat.Q2_K ? 80 + h : h),
                                Float.floatToFloat16(rnd.nextFloat() * 0.02f));
                    }
                }
            }
        }
        return new TensorView("bench", format, shape, seg);
    }
}

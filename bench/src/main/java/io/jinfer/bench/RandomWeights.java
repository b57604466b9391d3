package io.jinfer.bench;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.LittleEndian;
import io.jinfer.api.spi.TensorView;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

/** Random weight tensors for benchmarks, written block by block in off-heap memory like a mapped file. */
public final class RandomWeights {
    private RandomWeights() {}

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

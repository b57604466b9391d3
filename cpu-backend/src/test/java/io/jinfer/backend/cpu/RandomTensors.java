package io.jinfer.backend.cpu;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.LittleEndian;
import io.jinfer.api.spi.TensorView;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

/** Seeded random tensors, built byte by byte in each format's block layout (no quantiser needed). */
final class RandomTensors {
    private RandomTensors() {}

    /** @return random F32 values in [-1, 1) */
    static float[] floats(Random rnd, int count) {
        float[] v = new float[count];
        for (int i = 0; i < count; i++) {
            v[i] = rnd.nextFloat() * 2 - 1;
        }
        return v;
    }

    /**
     * @return a rows × cols tensor of random blocks: random F16 scales (and minimums), random quants
     */
    static TensorView tensor(Random rnd, QuantFormat format, int rows, int cols) {
        long[] shape = {cols, rows};
        byte[] bytes = new byte[Math.toIntExact(TensorView.bytesFor(format, shape))];
        MemorySegment seg = MemorySegment.ofArray(bytes);
        int blocks = bytes.length / format.bytesPerBlock();
        for (int b = 0; b < blocks; b++) {
            long at = (long) b * format.bytesPerBlock();
            switch (format) {
                case F32 -> seg.set(LittleEndian.FLOAT, at, rnd.nextFloat() * 2 - 1);
                case F16 -> seg.set(LittleEndian.SHORT, at, Float.floatToFloat16(rnd.nextFloat() * 2 - 1));
                case BF16 -> seg.set(LittleEndian.SHORT, at,
                        (short) (Float.floatToRawIntBits(rnd.nextFloat() * 2 - 1) >>> 16));
                default -> {
                    // scale (and minimum) first, then random quant bytes
                    int scales = switch (format) {
                        case Q4_1, Q5_1 -> 2;
                        default -> 1;
                    };
                    for (int s = 0; s < scales; s++) {
                        float v = (rnd.nextFloat() * 2 - 1) * 0.05f;
                        seg.set(LittleEndian.SHORT, at + 2L * s, Float.floatToFloat16(v));
                    }
                    for (long i = at + 2L * scales; i < at + format.bytesPerBlock(); i++) {
                        seg.set(ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt(256));
                    }
                }
            }
        }
        return new TensorView("w", format, shape, seg);
    }

    /** @return an F32 vector tensor of the given values */
    static TensorView vector(float[] values) {
        MemorySegment seg = MemorySegment.ofArray(new byte[values.length * 4]);
        for (int i = 0; i < values.length; i++) {
            seg.setAtIndex(LittleEndian.FLOAT, i, values[i]);
        }
        return new TensorView("v", QuantFormat.F32, new long[] {values.length}, seg);
    }
}

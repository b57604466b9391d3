package io.jinfer.backend.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One token's activations quantised to 8 bits for the native kernels, in native memory: per block
 * of 32 values a float scale {@code d = max|x| / 127} and the values {@code rint(x / d)} as signed
 * bytes in {@code [-127, 127]}. The buffers grow as needed and live in the owner's arena.
 */
final class Q8Activations {
    private final Arena arena;
    private MemorySegment quants = MemorySegment.NULL;
    private MemorySegment scales = MemorySegment.NULL;
    private int capacity;

    /** @param arena where the buffers are allocated (closed by the owner) */
    Q8Activations(Arena arena) {
        this.arena = arena;
    }

    /** @return the quantised values (bytes) of the last {@link #quantize} */
    MemorySegment quants() {
        return quants;
    }

    /** @return the per-block scales (floats) of the last {@link #quantize} */
    MemorySegment scales() {
        return scales;
    }

    /**
     * Quantises {@code x[0, cols)}.
     *
     * @param cols a multiple of 32
     */
    void quantize(float[] x, int cols) {
        if (cols > capacity) {
            quants = arena.allocate(cols, 64);
            scales = arena.allocate(4L * (cols / 32), 64);
            capacity = cols;
        }
        MemorySegment q = quants;
        MemorySegment s = scales;
        for (int b = 0, blocks = cols / 32; b < blocks; b++) {
            int o = 32 * b;
            float d = blockScale(x, o);
            float id = d == 0 ? 0 : 1 / d;
            s.setAtIndex(ValueLayout.JAVA_FLOAT, b, d);
            for (int i = 0; i < 32; i++) {
                q.set(ValueLayout.JAVA_BYTE, o + i, quant(x[o + i], id));
            }
        }
    }

    /** @return the scale of the block of 32 values at {@code x[o]}: max |x| / 127 */
    static float blockScale(float[] x, int o) {
        float amax = 0;
        for (int i = 0; i < 32; i++) {
            amax = Math.max(amax, Math.abs(x[o + i]));
        }
        return amax / 127;
    }

    /** @return {@code v * inverseScale} rounded to nearest (ties to even) and kept in [-127, 127] */
    static byte quant(float v, float inverseScale) {
        float r = (float) Math.rint(v * inverseScale);
        return (byte) Math.max(-127, Math.min(127, (int) r));
    }
}

package io.jinfer.backend.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Activations quantised to 8 bits for the native kernels, in native memory: per block of 32 values
 * a float scale {@code d = max|x| / 127} and the values {@code rint(x / d)} as signed bytes in
 * {@code [-127, 127]}. Token {@code t}'s values are at byte {@code t * cols} and its scales at float
 * {@code t * cols / 32}. The buffers grow as needed and live in the owner's arena.
 *
 * <p>With a native quantiser (the C function of {@link NativeKernels#quantize()}) the floats are
 * copied to native memory and quantised there; its results are bit-identical with the Java
 * statement here ({@link #blockScale}, {@link #quant}), which the tests check.
 */
final class Q8Activations {
    private final Arena arena;
    private final MethodHandle nativeQuantize;
    private MemorySegment quants = MemorySegment.NULL;
    private MemorySegment scales = MemorySegment.NULL;
    private MemorySegment floats = MemorySegment.NULL;
    private long capacity;

    /** @param arena where the buffers are allocated (closed by the owner) */
    Q8Activations(Arena arena) {
        this(arena, null);
    }

    /**
     * @param arena where the buffers are allocated (closed by the owner)
     * @param nativeQuantize the C quantiser {@code (x, blocks, xq, xd)}, or null to quantise in Java
     */
    Q8Activations(Arena arena, MethodHandle nativeQuantize) {
        this.arena = arena;
        this.nativeQuantize = nativeQuantize;
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
        quantize(x, cols, 1);
    }

    /**
     * Quantises {@code n} tokens of {@code cols} values each, {@code x[0, n * cols)}.
     *
     * @param cols a multiple of 32
     * @param n tokens
     */
    void quantize(float[] x, int cols, int n) {
        long count = (long) cols * n;
        if (count > capacity) {
            quants = arena.allocate(count, 64);
            scales = arena.allocate(4L * (count / 32), 64);
            floats = arena.allocate(4L * count, 64);
            capacity = count;
        }
        if (nativeQuantize != null) {
            MemorySegment.copy(x, 0, floats, ValueLayout.JAVA_FLOAT, 0, Math.toIntExact(count));
            try {
                nativeQuantize.invokeExact(floats, count / 32, quants, scales);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException("native quantisation failed", t);
            }
            return;
        }
        MemorySegment q = quants;
        MemorySegment s = scales;
        for (int b = 0, blocks = (int) (count / 32); b < blocks; b++) {
            int o = 32 * b;
            float d = blockScale(x, o);
            float id = d == 0 ? 0 : 1 / d;
            s.setAtIndex(ValueLayout.JAVA_FLOAT, b, d);
            for (int i = 0; i < 32; i++) {
                q.set(ValueLayout.JAVA_BYTE, o + i, quant(x[o + i], id));
            }
        }
    }

    /**
     * Copies {@code x[0, count)} to native memory unquantised, for kernels that take float activations.
     *
     * @return the floats (valid until the next call)
     */
    MemorySegment stage(float[] x, int count) {
        if (count > capacity) {
            quants = arena.allocate(count, 64);
            scales = arena.allocate(4L * ((count + 31) / 32), 64);
            floats = arena.allocate(4L * count, 64);
            capacity = count;
        }
        MemorySegment.copy(x, 0, floats, ValueLayout.JAVA_FLOAT, 0, count);
        return floats;
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

package io.jinfer.backend.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Activations quantised to 16 bits for the native K-quant kernels (Q3_K, Q4_K, Q5_K, Q6_K), in native
 * memory: per super-block of 256 values a float scale {@code d = max|x| / 32767}, the values
 * {@code rint(x / d)} as int16 in {@code [-32767, 32767]}, and the sum of each 32-value sub-block as
 * int32 (the kernels apply the Q4_K/Q5_K minimums to it). 256 times finer than llama.cpp's 8-bit
 * Q8_K, so the products stay as close to llama.cpp as float activations do, while the kernels
 * multiply exact integers.
 *
 * <p>Layout, as the kernels read it (see {@code cpu_kquant.h} in {@code src/main/c}): token {@code t}'s
 * values at int16 {@code t * cols} of {@link #quants()}; {@link #scales()} holds the {@code n * cols /
 * 256} scales (token-major) followed by the {@code n * cols / 32} sub-block sums. The C quantiser's
 * results are bit-identical with the Java statement here ({@link #superBlockScale}, {@link #quant}),
 * which the tests check. Buffers grow as needed and live in the owner's arena.
 */
final class Q16Activations {
    /** Largest quantised magnitude: products with the K-quant weights times their scales fit int32 lanes. */
    static final int MAX = 32767;

    private final Arena arena;
    private final MethodHandle nativeQuantize;
    private MemorySegment quants = MemorySegment.NULL;
    private MemorySegment scales = MemorySegment.NULL;
    private long capacity;

    /**
     * @param arena where the buffers are allocated (closed by the owner)
     * @param nativeQuantize the C quantiser {@code (x, superBlocks, xq, xd, bsums)}, or null to quantise in Java
     */
    Q16Activations(Arena arena, MethodHandle nativeQuantize) {
        this.arena = arena;
        this.nativeQuantize = nativeQuantize;
    }

    /** @return the quantised values (int16) of the last {@link #quantize} */
    MemorySegment quants() {
        return quants;
    }

    /** @return the scales (floats) and then the sub-block sums (int32) of the last {@link #quantize} */
    MemorySegment scales() {
        return scales;
    }

    /**
     * Quantises {@code n} tokens of {@code cols} floats each, read from native memory.
     *
     * @param x {@code n * cols} floats
     * @param cols a multiple of 256
     * @param n tokens
     */
    void quantize(MemorySegment x, int cols, int n) {
        if (cols % 256 != 0) {
            throw new IllegalArgumentException("16-bit activations need whole super-blocks of 256, got " + cols);
        }
        long count = (long) cols * n;
        long superBlocks = count / 256;
        if (count > capacity) {
            quants = arena.allocate(2 * count, 64);
            scales = arena.allocate(4 * superBlocks + 4 * (count / 32), 64);
            capacity = count;
        }
        MemorySegment sums = scales.asSlice(4 * superBlocks);
        if (nativeQuantize != null) {
            try {
                nativeQuantize.invokeExact(x, superBlocks, quants, scales, sums);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException("native quantisation failed", t);
            }
            return;
        }
        float[] block = new float[256];
        for (long b = 0; b < superBlocks; b++) {
            MemorySegment.copy(x, ValueLayout.JAVA_FLOAT, 1024 * b, block, 0, 256);
            float d = superBlockScale(block, 0);
            float id = d == 0 ? 0 : 1 / d;
            scales.setAtIndex(ValueLayout.JAVA_FLOAT, b, d);
            for (int sub = 0; sub < 8; sub++) {
                int sum = 0;
                for (int i = 32 * sub; i < 32 * sub + 32; i++) {
                    short q = quant(block[i], id);
                    quants.setAtIndex(ValueLayout.JAVA_SHORT, 256 * b + i, q);
                    sum += q;
                }
                sums.setAtIndex(ValueLayout.JAVA_INT, 8 * b + sub, sum);
            }
        }
    }

    /** @return the scale of the 256 values at {@code x[o]}: max |x| / 32767 */
    static float superBlockScale(float[] x, int o) {
        float amax = 0;
        for (int i = 0; i < 256; i++) {
            amax = Math.max(amax, Math.abs(x[o + i]));
        }
        return amax / MAX;
    }

    /** @return {@code v * inverseScale} rounded to nearest (ties to even) and kept in [-32767, 32767] */
    static short quant(float v, float inverseScale) {
        float r = (float) Math.rint(v * inverseScale);
        return (short) Math.max(-MAX, Math.min(MAX, (int) r));
    }
}

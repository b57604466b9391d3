package io.jinfer.loader.quant;

import io.jinfer.api.format.LittleEndian;
import java.lang.foreign.MemorySegment;

/**
 * The arithmetic shared by ggml's reference quantisers, written so that every float operation
 * happens in the same order and precision as there: that is what makes the output bit-exact.
 */
final class BlockMath {
    /** Values per block of the legacy formats (Q4_0 … Q8_0). */
    static final int QK = 32;
    /** Half a block: value j and value j + 16 share one byte of nibbles. */
    static final int HALF = QK / 2;

    private BlockMath() {}

    /**
     * The value of largest magnitude, keeping its sign; the first one wins a tie, so +a and -a give
     * whichever comes first. Zero for an all-zero block.
     */
    static float signedAbsMax(float[] x, int off) {
        return signedAbsMax(x, off, QK);
    }

    /**
     * The value of largest magnitude among {@code n} values, keeping its sign; the first one wins a
     * tie. Zero when all are zero.
     */
    static float signedAbsMax(float[] x, int off, int n) {
        float amax = 0f;
        float max = 0f;
        for (int j = 0; j < n; j++) {
            float v = x[off + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        return max;
    }

    /** Largest magnitude, compared as C's {@code MAX(a, b)} macro ({@code a > b ? a : b}), NaN cases included. */
    static float absMax(float[] x, int off) {
        float amax = 0f;
        for (int j = 0; j < QK; j++) {
            float v = Math.abs(x[off + j]);
            amax = amax > v ? amax : v;
        }
        return amax;
    }

    /** Smallest value of the block (starting from the largest float, as ggml does). */
    static float min(float[] x, int off) {
        float min = Float.MAX_VALUE;
        for (int j = 0; j < QK; j++) {
            if (x[off + j] < min) {
                min = x[off + j];
            }
        }
        return min;
    }

    /** Largest value of the block (starting from the most negative float, as ggml does). */
    static float max(float[] x, int off) {
        float max = -Float.MAX_VALUE;
        for (int j = 0; j < QK; j++) {
            if (x[off + j] > max) {
                max = x[off + j];
            }
        }
        return max;
    }

    /** The reciprocal of a scale, or 0 for a zero scale (an all-zero or constant block). */
    static float inverse(float d) {
        return d != 0f ? 1f / d : 0f;
    }

    /**
     * C's {@code roundf}: to nearest, halves away from zero. Computed on the magnitude's fraction,
     * which is exact, because adding 0.5 first would round 0.49999997 up.
     */
    static int roundHalfAway(float v) {
        float a = Math.abs(v);
        float whole = (float) Math.floor(a);
        int r = (int) whole + (a - whole >= 0.5f ? 1 : 0);
        return v < 0 ? -r : r;
    }

    /** Stores a scale as F16 (little-endian). */
    static void putHalf(MemorySegment dst, long at, float v) {
        dst.set(LittleEndian.SHORT, at, HalfFloats.toF16(v));
    }

    /** Stores one byte. */
    static void putByte(MemorySegment dst, long at, int b) {
        dst.set(java.lang.foreign.ValueLayout.JAVA_BYTE, at, (byte) b);
    }
}

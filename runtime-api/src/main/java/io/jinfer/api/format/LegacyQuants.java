package io.jinfer.api.format;

import static io.jinfer.api.format.BlockBytes.f16;
import static io.jinfer.api.format.BlockBytes.i32;
import static io.jinfer.api.format.BlockBytes.i8;
import static io.jinfer.api.format.BlockBytes.u8;

import java.lang.foreign.MemorySegment;

/**
 * ggml's first quantisation formats: blocks of 32 values with one F16 scale (and an F16 minimum in
 * the {@code _1} variants). In the 4- and 5-bit formats byte {@code j} holds value {@code j} in its
 * low nibble and value {@code j + 16} in its high nibble.
 */
final class LegacyQuants {
    private LegacyQuants() {}

    /** Q8_0, 34 bytes: F16 d, 32 signed bytes q. {@code v = q * d}. */
    static void q8_0(MemorySegment src, long at, float[] dst, int out) {
        float d = f16(src, at);
        for (int j = 0; j < 32; j++) {
            dst[out + j] = i8(src, at + 2 + j) * d;
        }
    }

    /** Q4_0, 18 bytes: F16 d, 16 bytes of nibbles. {@code v = (q - 8) * d}. */
    static void q4_0(MemorySegment src, long at, float[] dst, int out) {
        float d = f16(src, at);
        for (int j = 0; j < 16; j++) {
            int b = u8(src, at + 2 + j);
            dst[out + j] = ((b & 0xF) - 8) * d;
            dst[out + j + 16] = ((b >>> 4) - 8) * d;
        }
    }

    /** Q4_1, 20 bytes: F16 d, F16 m, 16 bytes of nibbles. {@code v = q * d + m}. */
    static void q4_1(MemorySegment src, long at, float[] dst, int out) {
        float d = f16(src, at);
        float m = f16(src, at + 2);
        for (int j = 0; j < 16; j++) {
            int b = u8(src, at + 4 + j);
            dst[out + j] = (b & 0xF) * d + m;
            dst[out + j + 16] = (b >>> 4) * d + m;
        }
    }

    /**
     * Q5_0, 22 bytes: F16 d, 32-bit little-endian qh whose bit {@code i} is the fifth bit of value
     * {@code i}, 16 bytes of nibbles. {@code v = (q - 16) * d}.
     */
    static void q5_0(MemorySegment src, long at, float[] dst, int out) {
        float d = f16(src, at);
        int qh = i32(src, at + 2);
        for (int j = 0; j < 16; j++) {
            int b = u8(src, at + 6 + j);
            dst[out + j] = (fiveBit(b & 0xF, qh, j) - 16) * d;
            dst[out + j + 16] = (fiveBit(b >>> 4, qh, j + 16) - 16) * d;
        }
    }

    /** Q5_1, 24 bytes: F16 d, F16 m, 32-bit qh as in Q5_0, 16 bytes of nibbles. {@code v = q * d + m}. */
    static void q5_1(MemorySegment src, long at, float[] dst, int out) {
        float d = f16(src, at);
        float m = f16(src, at + 2);
        int qh = i32(src, at + 4);
        for (int j = 0; j < 16; j++) {
            int b = u8(src, at + 8 + j);
            dst[out + j] = fiveBit(b & 0xF, qh, j) * d + m;
            dst[out + j + 16] = fiveBit(b >>> 4, qh, j + 16) * d + m;
        }
    }

    private static int fiveBit(int nibble, int qh, int index) {
        return nibble | (((qh >>> index) & 1) << 4);
    }
}

package io.jinfer.api.format;

import static io.jinfer.api.format.BlockBytes.f16;
import static io.jinfer.api.format.BlockBytes.f32;
import static io.jinfer.api.format.BlockBytes.i8;
import static io.jinfer.api.format.BlockBytes.u8;

import java.lang.foreign.MemorySegment;

/**
 * ggml's K-quants: super-blocks of 256 values split into sub-blocks of 16 or 32 values, each with
 * its own small integer scale (and minimum) that multiplies the super-block's F16 scale.
 *
 * <p>Each method computes value {@code i} (0..255) from where the format keeps its bits, in the
 * order and with the float operations of ggml's {@code dequantize_row_*}: first the sub-block's
 * float scale {@code d * sc} (and minimum {@code dmin * m}), then {@code scale * q - min}.
 *
 * <p>Bit packing shared by the 2-, 3- and 6-bit formats: the 256 values form two halves of 128;
 * within a half, value {@code 32 * g + l} (g = 0..3, l = 0..31) keeps its low two bits at bit
 * {@code 2g} of byte {@code l} of that half's 32-byte slice.
 */
final class KQuants {
    /** Values in a super-block. */
    static final int QK_K = 256;

    private KQuants() {}

    /**
     * Q2_K, 84 bytes: 16 scale bytes (low nibble: 4-bit scale, high nibble: 4-bit minimum, one per
     * 16 values), 64 bytes of 2-bit q, F16 d, F16 dmin. {@code v = (d * sc) * q - (dmin * m)}.
     */
    static void q2K(MemorySegment src, long at, float[] dst, int out) {
        float d = f16(src, at + 80);
        float dmin = f16(src, at + 82);
        for (int i = 0; i < QK_K; i++) {
            int sc = u8(src, at + i / 16);
            float scale = d * (sc & 0xF);
            float min = dmin * (sc >>> 4);
            int q = twoBits(src, at + 16, i);
            dst[out + i] = scale * q - min;
        }
    }

    /**
     * Q3_K, 110 bytes: 32 bytes hmask (bit {@code i / 32} of byte {@code i % 32} is the third bit of
     * value i), 64 bytes of low 2 bits, 12 bytes of 6-bit scales (one per 16 values, biased by 32),
     * F16 d. The third bit <em>set</em> means q is the low bits as they are; clear means subtract 4,
     * so q runs from -4 to 3. {@code v = (d * (sc - 32)) * q}.
     */
    static void q3K(MemorySegment src, long at, float[] dst, int out) {
        long hmask = at;
        long qs = at + 32;
        long scales = at + 96;
        float d = f16(src, at + 108);
        for (int i = 0; i < QK_K; i++) {
            float scale = d * (q3KScale(src, scales, i / 16) - 32);
            boolean high = ((u8(src, hmask + i % 32) >>> (i / 32)) & 1) != 0;
            int q = twoBits(src, qs, i) - (high ? 0 : 4);
            dst[out + i] = scale * q;
        }
    }

    /**
     * Q4_K, 144 bytes: F16 d, F16 dmin, 12 bytes of 6-bit scales and minimums (one pair per 32
     * values, see {@link #scaleMinK4}), 128 bytes of nibbles. Each 64 values share 32 bytes: the
     * first 32 values are the low nibbles, the next 32 the high nibbles.
     * {@code v = (d * sc) * q - (dmin * m)}.
     */
    static void q4K(MemorySegment src, long at, float[] dst, int out) {
        float d = f16(src, at);
        float dmin = f16(src, at + 2);
        long scales = at + 4;
        long qs = at + 16;
        for (int i = 0; i < QK_K; i++) {
            int sub = i / 32;
            float scale = d * scaleMinK4(src, scales, sub, false);
            float min = dmin * scaleMinK4(src, scales, sub, true);
            dst[out + i] = scale * nibble(src, qs, i) - min;
        }
    }

    /**
     * Q5_K, 176 bytes: as Q4_K with 32 bytes qh between the scales and the nibbles: bit
     * {@code i / 32} of byte {@code i % 32} is the fifth bit of value i.
     * {@code v = (d * sc) * q - (dmin * m)}.
     */
    static void q5K(MemorySegment src, long at, float[] dst, int out) {
        float d = f16(src, at);
        float dmin = f16(src, at + 2);
        long scales = at + 4;
        long qh = at + 16;
        long qs = at + 48;
        for (int i = 0; i < QK_K; i++) {
            int sub = i / 32;
            float scale = d * scaleMinK4(src, scales, sub, false);
            float min = dmin * scaleMinK4(src, scales, sub, true);
            int fifth = (u8(src, qh + i % 32) >>> sub) & 1;
            int q = nibble(src, qs, i) + 16 * fifth;
            dst[out + i] = scale * q - min;
        }
    }

    /**
     * Q6_K, 210 bytes: 128 bytes ql (low 4 bits), 64 bytes qh (high 2 bits), 16 signed 8-bit scales
     * (one per 16 values), F16 d. In each half of 128 values, value {@code 32 * g + l} has its low
     * nibble in byte {@code l + 32 * (g % 2)} of the half's 64 ql bytes (low nibble for g &lt; 2,
     * high for g &ge; 2) and its high two bits at bit {@code 2g} of byte l of the half's 32 qh
     * bytes. q is biased by 32. {@code v = (d * sc) * (q - 32)}.
     */
    static void q6K(MemorySegment src, long at, float[] dst, int out) {
        long ql = at;
        long qh = at + 128;
        long scales = at + 192;
        float d = f16(src, at + 208);
        for (int i = 0; i < QK_K; i++) {
            int half = i / 128;
            int g = (i % 128) / 32;
            int l = i % 32;
            int lowByte = u8(src, ql + 64 * half + l + 32 * (g % 2));
            int low = g < 2 ? lowByte & 0xF : lowByte >>> 4;
            int high = (u8(src, qh + 32 * half + l) >>> (2 * g)) & 3;
            int q = (low | (high << 4)) - 32;
            dst[out + i] = d * i8(src, scales + i / 16) * q;
        }
    }

    /**
     * Q8_K, 292 bytes: F32 d, 256 signed bytes q, then 16 16-bit sums of q per 16 values (used by
     * dot products only). {@code v = d * q}.
     */
    static void q8K(MemorySegment src, long at, float[] dst, int out) {
        float d = f32(src, at);
        for (int i = 0; i < QK_K; i++) {
            dst[out + i] = d * i8(src, at + 4 + i);
        }
    }

    /** The 2-bit field of value {@code i} in a 64-byte area packed as described on the class. */
    private static int twoBits(MemorySegment src, long qs, int i) {
        int half = i / 128;
        int g = (i % 128) / 32;
        int l = i % 32;
        return (u8(src, qs + 32 * half + l) >>> (2 * g)) & 3;
    }

    /** The nibble of value {@code i} in Q4_K/Q5_K order: 64 values per 32 bytes, low nibbles first. */
    private static int nibble(MemorySegment src, long qs, int i) {
        int b = u8(src, qs + 32 * (i / 64) + i % 32);
        return (i % 64) < 32 ? b & 0xF : b >>> 4;
    }

    /**
     * Q3_K's 6-bit scale {@code j} (0..15, still biased by 32): its low nibble is the low nibble of
     * byte j for j &lt; 8, the high nibble of byte j - 8 otherwise; its top two bits are bits
     * {@code 2 * (j / 4)} and up of byte {@code 8 + j % 4}.
     */
    static int q3KScale(MemorySegment src, long scales, int j) {
        int low = j < 8 ? u8(src, scales + j) & 0xF : u8(src, scales + j - 8) >>> 4;
        int high = (u8(src, scales + 8 + j % 4) >>> (2 * (j / 4))) & 3;
        return low | (high << 4);
    }

    /**
     * The 6-bit scale or minimum of sub-block {@code j} (0..7) in the 12-byte area of Q4_K and
     * Q5_K. For j &lt; 4 they are the low 6 bits of bytes j (scale) and j + 4 (minimum). For
     * j &ge; 4 the low 4 bits come from byte j + 4 (scale: low nibble, minimum: high nibble) and the
     * top 2 bits from the spare top bits of byte j - 4 (scale) or byte j (minimum).
     */
    static int scaleMinK4(MemorySegment src, long scales, int j, boolean minimum) {
        if (j < 4) {
            return u8(src, scales + j + (minimum ? 4 : 0)) & 63;
        }
        int packed = u8(src, scales + j + 4);
        int low = minimum ? packed >>> 4 : packed & 0xF;
        int top = u8(src, scales + (minimum ? j : j - 4)) >>> 6;
        return low | (top << 4);
    }
}

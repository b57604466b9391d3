package io.jinfer.api.format;

import io.jinfer.api.QuantFormat;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Scalar reference dequantisation of every supported {@link QuantFormat}, bit-exact with ggml's
 * definitions. Slow on purpose: each format reads like its block layout.
 */
public final class ReferenceDequantizer {

    private ReferenceDequantizer() {}

    /**
     * Expands {@code count} values starting at byte {@code offset} of {@code src}.
     *
     * @param format the format of the data
     * @param src the data
     * @param offset byte offset of the first block
     * @param count values to expand, a multiple of the format's block size
     * @param dst receives the values
     * @param dstOffset index of the first value in {@code dst}
     * @throws UnsupportedOperationException for formats without a reference yet
     */
    public static void dequantize(QuantFormat format, MemorySegment src, long offset, int count, float[] dst,
            int dstOffset) {
        int blocks = count / format.blockSize();
        if (blocks * format.blockSize() != count) {
            throw new IllegalArgumentException(count + " is not a whole number of " + format + " blocks");
        }
        long at = offset;
        int out = dstOffset;
        for (int b = 0; b < blocks; b++) {
            dequantizeBlock(format, src, at, dst, out);
            at += format.bytesPerBlock();
            out += format.blockSize();
        }
    }

    /**
     * Expands one block.
     *
     * @param format the format
     * @param src the data
     * @param at byte offset of the block
     * @param dst receives {@code format.blockSize()} values
     * @param out index of the first value in {@code dst}
     */
    public static void dequantizeBlock(QuantFormat format, MemorySegment src, long at, float[] dst, int out) {
        switch (format) {
            case F32 -> dst[out] = src.get(LittleEndian.FLOAT, at);
            case F16 -> dst[out] = Float.float16ToFloat(src.get(LittleEndian.SHORT, at));
            case BF16 -> dst[out] = bf16ToFloat(src.get(LittleEndian.SHORT, at));
            case Q8_0 -> q8_0(src, at, dst, out);
            case Q4_0 -> q4_0(src, at, dst, out);
            case Q4_1 -> q4_1(src, at, dst, out);
            case Q5_0 -> q5_0(src, at, dst, out);
            case Q5_1 -> q5_1(src, at, dst, out);
            default -> throw new UnsupportedOperationException("no reference dequantiser for " + format + " yet");
        }
    }

    /**
     * @param bits a bfloat16 value
     * @return it as a float (exact)
     */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    static float half(MemorySegment src, long at) {
        return Float.float16ToFloat(src.get(LittleEndian.SHORT, at));
    }

    /** Q8_0: f16 scale d, then 32 signed bytes q; v = d * q. */
    private static void q8_0(MemorySegment src, long at, float[] dst, int out) {
        float d = half(src, at);
        for (int j = 0; j < 32; j++) {
            dst[out + j] = src.get(ValueLayout.JAVA_BYTE, at + 2 + j) * d;
        }
    }

    /** Q4_0: f16 d, 16 bytes; low nibbles are values 0..15, high nibbles 16..31; v = d * (q - 8). */
    private static void q4_0(MemorySegment src, long at, float[] dst, int out) {
        float d = half(src, at);
        for (int j = 0; j < 16; j++) {
            int b = src.get(ValueLayout.JAVA_BYTE, at + 2 + j) & 0xFF;
            dst[out + j] = ((b & 0x0F) - 8) * d;
            dst[out + j + 16] = ((b >>> 4) - 8) * d;
        }
    }

    /** Q4_1: f16 d, f16 m, 16 bytes of nibbles as Q4_0; v = d * q + m. */
    private static void q4_1(MemorySegment src, long at, float[] dst, int out) {
        float d = half(src, at);
        float m = half(src, at + 2);
        for (int j = 0; j < 16; j++) {
            int b = src.get(ValueLayout.JAVA_BYTE, at + 4 + j) & 0xFF;
            dst[out + j] = (b & 0x0F) * d + m;
            dst[out + j + 16] = (b >>> 4) * d + m;
        }
    }

    /** Q5_0: f16 d, 32-bit qh (fifth bit of value j is bit j), 16 bytes of nibbles; v = d * (q - 16). */
    private static void q5_0(MemorySegment src, long at, float[] dst, int out) {
        float d = half(src, at);
        int qh = src.get(LittleEndian.INT, at + 2);
        for (int j = 0; j < 16; j++) {
            int b = src.get(ValueLayout.JAVA_BYTE, at + 6 + j) & 0xFF;
            int lo = (b & 0x0F) | (((qh >>> j) & 1) << 4);
            int hi = (b >>> 4) | (((qh >>> (j + 16)) & 1) << 4);
            dst[out + j] = (lo - 16) * d;
            dst[out + j + 16] = (hi - 16) * d;
        }
    }

    /** Q5_1: f16 d, f16 m, 32-bit qh, 16 bytes of nibbles; v = d * q + m. */
    private static void q5_1(MemorySegment src, long at, float[] dst, int out) {
        float d = half(src, at);
        float m = half(src, at + 2);
        int qh = src.get(LittleEndian.INT, at + 4);
        for (int j = 0; j < 16; j++) {
            int b = src.get(ValueLayout.JAVA_BYTE, at + 8 + j) & 0xFF;
            int lo = (b & 0x0F) | (((qh >>> j) & 1) << 4);
            int hi = (b >>> 4) | (((qh >>> (j + 16)) & 1) << 4);
            dst[out + j] = lo * d + m;
            dst[out + j + 16] = hi * d + m;
        }
    }
}

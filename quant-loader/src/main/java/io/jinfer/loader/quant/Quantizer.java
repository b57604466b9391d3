package io.jinfer.loader.quant;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.LittleEndian;
import java.lang.foreign.MemorySegment;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * Converts rows of floats to a weight format, producing the same bytes as ggml's reference
 * quantisers ({@code quantize_row_*_ref}, which {@code llama-quantize} uses when no importance
 * matrix is given; for IQ4_NL and IQ4_XS the search {@code llama-quantize} runs without one) and its
 * F16 / BF16 row converters.
 *
 * <p>Stateless and thread-safe; allocates nothing per call.
 */
public final class Quantizer {
    private static final Set<QuantFormat> SUPPORTED = EnumSet.of(QuantFormat.F32, QuantFormat.F16,
            QuantFormat.BF16, QuantFormat.Q8_0, QuantFormat.Q4_0, QuantFormat.Q4_1, QuantFormat.Q5_0,
            QuantFormat.Q5_1, QuantFormat.Q2_K, QuantFormat.Q3_K, QuantFormat.Q4_K, QuantFormat.Q5_K,
            QuantFormat.Q6_K, QuantFormat.IQ4_NL, QuantFormat.IQ4_XS, QuantFormat.MXFP4, QuantFormat.NVFP4);

    private Quantizer() {}

    /**
     * Tells whether rows can be encoded in a format.
     *
     * @param format a format
     * @return whether {@link #quantizeRow} can write it
     */
    public static boolean supports(QuantFormat format) {
        return SUPPORTED.contains(format);
    }

    /**
     * Lists the formats rows can be encoded in.
     *
     * @return the formats {@link #quantizeRow} can write
     */
    public static Set<QuantFormat> supportedFormats() {
        return Set.copyOf(SUPPORTED);
    }

    /**
     * Encodes {@code n} values.
     *
     * @param format the target format: one of {@link #supportedFormats()}
     * @param src the values
     * @param off index of the first value in {@code src}
     * @param n number of values, a multiple of the format's block size
     * @param dst receives {@code format.rowBytes(n)} bytes
     * @param dstOff byte offset in {@code dst}
     * @return the number of bytes written
     * @throws IllegalArgumentException when the format is not supported, {@code n} is not a whole
     *     number of blocks, or the source or destination range is out of bounds
     */
    public static long quantizeRow(QuantFormat format, float[] src, int off, int n, MemorySegment dst,
            long dstOff) {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(src, "src");
        Objects.requireNonNull(dst, "dst");
        if (!supports(format)) {
            throw new IllegalArgumentException("no quantiser for " + format + "; supported: " + SUPPORTED);
        }
        if (n < 0 || off < 0 || off > src.length - n) {
            throw new IllegalArgumentException("source range [" + off + ", " + off + " + " + n
                    + ") is outside an array of " + src.length);
        }
        long bytes = format.rowBytes(n);
        if (dstOff < 0 || dstOff > dst.byteSize() - bytes) {
            throw new IllegalArgumentException(format + " row of " + n + " values needs " + bytes
                    + " bytes at offset " + dstOff + " but the destination holds " + dst.byteSize());
        }
        switch (format) {
            case F32 -> {
                for (int i = 0; i < n; i++) {
                    dst.set(LittleEndian.FLOAT, dstOff + 4L * i, src[off + i]);
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    dst.set(LittleEndian.SHORT, dstOff + 2L * i, HalfFloats.toF16(src[off + i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    dst.set(LittleEndian.SHORT, dstOff + 2L * i, HalfFloats.toBf16(src[off + i]));
                }
            }
            default -> quantizeBlocks(format, src, off, n / format.blockSize(), dst, dstOff);
        }
        return bytes;
    }

    private static void quantizeBlocks(QuantFormat format, float[] src, int off, int blocks, MemorySegment dst,
            long dstOff) {
        int stride = format.bytesPerBlock();
        for (int b = 0; b < blocks; b++) {
            int from = off + b * format.blockSize();
            long at = dstOff + (long) b * stride;
            switch (format) {
                case Q8_0 -> Q8_0Quantizer.quantizeBlock(src, from, dst, at);
                case Q4_0 -> Q4_0Quantizer.quantizeBlock(src, from, dst, at);
                case Q4_1 -> Q4_1Quantizer.quantizeBlock(src, from, dst, at);
                case Q5_0 -> Q5_0Quantizer.quantizeBlock(src, from, dst, at);
                case Q5_1 -> Q5_1Quantizer.quantizeBlock(src, from, dst, at);
                case Q2_K -> Q2_KQuantizer.quantizeBlock(src, from, dst, at);
                case Q3_K -> Q3_KQuantizer.quantizeBlock(src, from, dst, at);
                case Q4_K -> Q4_KQuantizer.quantizeBlock(src, from, dst, at);
                case Q5_K -> Q5_KQuantizer.quantizeBlock(src, from, dst, at);
                case Q6_K -> Q6_KQuantizer.quantizeBlock(src, from, dst, at);
                case IQ4_NL -> Iq4Quantizer.quantizeNlBlock(src, from, dst, at);
                case IQ4_XS -> Iq4Quantizer.quantizeXsBlock(src, from, dst, at);
                case MXFP4 -> Mxfp4Quantizer.quantizeBlock(src, from, dst, at);
                case NVFP4 -> Nvfp4Quantizer.quantizeBlock(src, from, dst, at);
                default -> throw new AssertionError(format);
            }
        }
    }
}

package io.jinfer.api.format;

import io.jinfer.api.QuantFormat;
import java.lang.foreign.MemorySegment;

/**
 * Scalar reference dequantisation of every supported {@link QuantFormat}, bit-exact with ggml's
 * {@code dequantize_row_*} definitions (evaluated as written, each float operation rounded on its
 * own, without fused multiply-adds). Slow on purpose: each format reads like its block layout. The
 * formats live in small classes by family: {@code LegacyQuants} (Q4_0 … Q8_0), {@code KQuants}
 * (Q2_K … Q8_K), {@code NonLinearQuants} (IQ4_NL, IQ4_XS) and {@code Fp4} (MXFP4, NVFP4). For the
 * checkpoint formats (F8_E4M3, F8_E5M2, E2M1, E8M0) it decodes the bare codes, as if every scale
 * were 1; {@link ScaledDequantizer} applies a tensor's scale grid.
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
     * @throws IllegalArgumentException when {@code count} is not a whole number of blocks
     * @throws UnsupportedOperationException for formats without a reference yet
     */
    public static void dequantize(QuantFormat format, MemorySegment src, long offset, int count, float[] dst,
            int dstOffset) {
        int blocks = count / format.blockSize();
        if (count < 0 || blocks * format.blockSize() != count) {
            throw new IllegalArgumentException(count + " is not a whole number of " + format + " blocks of "
                    + format.blockSize() + " values");
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
     * @throws UnsupportedOperationException for formats without a reference yet
     */
    public static void dequantizeBlock(QuantFormat format, MemorySegment src, long at, float[] dst, int out) {
        switch (format) {
            case F32 -> dst[out] = BlockBytes.f32(src, at);
            case F16 -> dst[out] = BlockBytes.f16(src, at);
            case BF16 -> dst[out] = bf16ToFloat(src.get(LittleEndian.SHORT, at));
            case Q8_0 -> LegacyQuants.q8_0(src, at, dst, out);
            case Q4_0 -> LegacyQuants.q4_0(src, at, dst, out);
            case Q4_1 -> LegacyQuants.q4_1(src, at, dst, out);
            case Q5_0 -> LegacyQuants.q5_0(src, at, dst, out);
            case Q5_1 -> LegacyQuants.q5_1(src, at, dst, out);
            case Q2_K -> KQuants.q2K(src, at, dst, out);
            case Q3_K -> KQuants.q3K(src, at, dst, out);
            case Q4_K -> KQuants.q4K(src, at, dst, out);
            case Q5_K -> KQuants.q5K(src, at, dst, out);
            case Q6_K -> KQuants.q6K(src, at, dst, out);
            case Q8_K -> KQuants.q8K(src, at, dst, out);
            case IQ4_NL -> NonLinearQuants.iq4Nl(src, at, dst, out);
            case IQ4_XS -> NonLinearQuants.iq4Xs(src, at, dst, out);
            case MXFP4 -> Fp4.mxfp4(src, at, dst, out);
            case NVFP4 -> Fp4.nvfp4(src, at, dst, out);
            // checkpoint formats: the bare codes; their scales are applied by ScaledDequantizer
            case F8_E4M3 -> dst[out] = Fp8.e4m3ToFloat(BlockBytes.u8(src, at));
            case F8_E5M2 -> dst[out] = Fp8.e5m2ToFloat(BlockBytes.u8(src, at));
            case E2M1 -> {
                dst[out] = E2m1.toFloat(BlockBytes.u8(src, at));
                dst[out + 1] = E2m1.toFloat(BlockBytes.u8(src, at) >>> 4);
            }
            case E8M0 -> dst[out] = E8m0.toFloat(BlockBytes.u8(src, at));
            default -> throw new UnsupportedOperationException("no reference dequantiser for " + format + " yet");
        }
    }

    /**
     * Widens a bfloat16 value to a float by putting its 16 bits in the high half.
     *
     * @param bits a bfloat16 value
     * @return it as a float (exact)
     */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }
}

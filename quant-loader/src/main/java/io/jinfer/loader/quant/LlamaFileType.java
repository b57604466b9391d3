package io.jinfer.loader.quant;

import io.jinfer.api.QuantFormat;

/**
 * llama.cpp's {@code general.file_type} numbers ({@code enum llama_ftype}) for files whose weight
 * matrices all have one format, as {@code llama-quantize} writes them.
 *
 * <p>A K-quant without a size suffix is written as llama-quantize's alias for it: {@code Q3_K} and
 * {@code Q4_K}, {@code Q5_K} mean {@code Q3_K_M}, {@code Q4_K_M} and {@code Q5_K_M}. MXFP4 has only
 * the {@code MXFP4_MOE} file type.
 */
public final class LlamaFileType {
    private LlamaFileType() {}

    /**
     * Maps the weight format to the {@code general.file_type} value llama-quantize writes, so output
     * files carry the same metadata.
     *
     * @param weights the format of every 2-D tensor
     * @return the {@code llama_ftype} number llama-quantize writes for it
     * @throws IllegalArgumentException for a format llama.cpp has no file type for
     */
    public static int of(QuantFormat weights) {
        return switch (weights) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q4_1 -> 3;
            case Q8_0 -> 7;
            case Q5_0 -> 8;
            case Q5_1 -> 9;
            case Q2_K -> 10;
            case Q3_K -> 12;
            case Q4_K -> 15;
            case Q5_K -> 17;
            case Q6_K -> 18;
            case IQ4_NL -> 25;
            case IQ4_XS -> 30;
            case BF16 -> 32;
            case MXFP4 -> 38;
            case NVFP4 -> 39;
            default -> throw new IllegalArgumentException("no llama file type for " + weights);
        };
    }
}

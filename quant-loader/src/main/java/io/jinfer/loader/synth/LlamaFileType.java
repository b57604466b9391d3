package io.jinfer.loader.synth;

import io.jinfer.api.QuantFormat;

/**
 * llama.cpp's {@code general.file_type} numbers ({@code llama_ftype}) for files whose weight
 * matrices all have one format.
 */
final class LlamaFileType {
    private LlamaFileType() {}

    /**
     * @param weights the format of every 2-D tensor
     * @return the {@code llama_ftype} number llama-quantize writes for it
     */
    static int of(QuantFormat weights) {
        return switch (weights) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q4_1 -> 3;
            case Q8_0 -> 7;
            case Q5_0 -> 8;
            case Q5_1 -> 9;
            case BF16 -> 32;
            default -> throw new IllegalArgumentException("no llama file type for " + weights);
        };
    }
}

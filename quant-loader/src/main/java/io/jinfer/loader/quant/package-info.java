/**
 * Reference quantisers: float rows to the block formats of ggml (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1) and
 * to F16 / BF16, bit-exact with ggml's {@code quantize_row_*_ref} so that files written by jinfer
 * hold the same bytes {@code llama-quantize} would write.
 */
package io.jinfer.loader.quant;

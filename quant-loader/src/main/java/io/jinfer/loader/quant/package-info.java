/**
 * Reference quantisers: float rows to ggml's block formats (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1; the
 * K-quants Q2_K … Q6_K; IQ4_NL, IQ4_XS; MXFP4, NVFP4) and to F16 / BF16, bit-exact with what
 * {@code llama-quantize} writes without an importance matrix, so that files written by jinfer hold
 * the same bytes.
 */
package io.jinfer.loader.quant;

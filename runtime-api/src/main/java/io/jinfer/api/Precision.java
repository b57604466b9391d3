package io.jinfer.api;

/**
 * Arithmetic precisions a device computes matrix products in. Throughput figures are given per
 * precision because accelerators double their rate with each halving of the operand width.
 */
public enum Precision {
    /** 32-bit floating point (on GPUs: the CUDA cores, not the tensor cores). */
    FP32(null),
    /** 16-bit floating point, FP16 or BF16, on tensor cores where present. */
    FP16(FP32),
    /** 8-bit integer products (ggml's quantised formats compute their dot products this way). */
    INT8(FP16),
    /** 8-bit floating point (E4M3 or E5M2). */
    FP8(FP16),
    /** 4-bit floating point (E2M1 with block scales: NVFP4, MXFP4). */
    FP4(FP8);

    private final Precision wider;

    Precision(Precision wider) {
        this.wider = wider;
    }

    /**
     * Returns the precision a device falls back to when it has no native support for this one (the
     * operands are widened before the product), or {@code null} for FP32.
     *
     * @return the next wider precision
     */
    public Precision wider() {
        return wider;
    }
}

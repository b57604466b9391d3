/*
 * Host build of jinfer_numerics.cuh: exported wrappers so that Java tests can call, through FFM,
 * exactly the functions the CUDA kernels use, and compare them with the Java reference.
 */
#include "jinfer_numerics.cuh"

#define EXPORT __attribute__((visibility("default")))

EXPORT float jinfer_host_f16_to_float(uint16_t h) { return ji_f16_to_float(h); }
EXPORT float jinfer_host_e4m3_to_float(uint8_t c) { return ji_e4m3_to_float(c); }
EXPORT float jinfer_host_e5m2_to_float(uint8_t c) { return ji_e5m2_to_float(c); }
EXPORT float jinfer_host_e2m1_to_float(uint8_t c) { return ji_e2m1_to_float(c); }
EXPORT float jinfer_host_e8m0_to_float(uint8_t c) { return ji_e8m0_to_float(c); }
EXPORT float jinfer_host_ue4m3(uint8_t c) { return ji_ue4m3(c); }

/* format: 0 Q8_0, 1 Q4_0, 2 MXFP4, 3 NVFP4 (GGUF layouts). Returns 0, or -1 for an unknown format. */
EXPORT int jinfer_host_decode_block(int format, const uint8_t *block, float *out) {
    switch (format) {
        case 0: ji_decode_q8_0(block, out); return 0;
        case 1: ji_decode_q4_0(block, out); return 0;
        case 2: ji_decode_mxfp4(block, out); return 0;
        case 3: ji_decode_nvfp4(block, out); return 0;
        default: return -1;
    }
}

EXPORT float jinfer_host_dot_block(int format, const uint8_t *block, const float *x) {
    switch (format) {
        case 0: return ji_dot_q8_0(block, x);
        case 1: return ji_dot_q4_0(block, x);
        case 2: return ji_dot_mxfp4(block, x);
        default: return ji_dot_nvfp4(block, x);
    }
}

EXPORT float jinfer_host_dot_fp8_run(const uint8_t *codes, const float *x, int n, int format, float factor) {
    return ji_dot_fp8_run(codes, x, n, format, factor);
}

EXPORT float jinfer_host_dot_nvfp4_checkpoint(const uint8_t *packed, uint8_t scale, float global, const float *x) {
    return ji_dot_nvfp4_checkpoint(packed, scale, global, x);
}

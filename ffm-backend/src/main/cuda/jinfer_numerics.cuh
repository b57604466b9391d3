/*
 * The numeric heart of jinfer's CUDA kernels: element decoding of FP8, FP4 and the GGUF block
 * formats, and block dot products. Every function here is compiled twice: for the GPU inside
 * jinfer_kernels.cu, and for the host into libjinfer_cuda_host.so, which the Java tests call through
 * FFM and compare bit for bit with jinfer's Java reference dequantisers. Keep this file valid C and
 * CUDA C++ at once.
 *
 * Bit-exactness rules: decoders build floats exactly (every FP8/FP4 value and scale is exactly
 * representable in binary32); products and sums are rounded once each, never contracted into FMA
 * (JI_MUL/JI_ADD use __fmul_rn/__fadd_rn on the device, and the host library is compiled with
 * -ffp-contract=off), and block dot products add in index order, as the Java reference does.
 */
#ifndef JINFER_NUMERICS_CUH
#define JINFER_NUMERICS_CUH

#include <stdint.h>
#include <string.h>

#ifdef __CUDACC__
#define JI_HD __host__ __device__ static inline
#else
#define JI_HD static inline
#endif

/* Device passes round each product and sum once; host code (nvcc's host pass or gcc) relies on
 * -ffp-contract=off for the same guarantee. */
#ifdef __CUDA_ARCH__
#define JI_MUL(a, b) __fmul_rn((a), (b))
#define JI_ADD(a, b) __fadd_rn((a), (b))
#else
#define JI_MUL(a, b) ((a) * (b))
#define JI_ADD(a, b) ((a) + (b))
#endif

JI_HD float ji_bits_to_float(uint32_t bits) {
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* IEEE binary16 to binary32, exact for every code (subnormals, infinities, NaN payload kept). */
JI_HD float ji_f16_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1Fu;
    uint32_t man = h & 0x3FFu;
    if (exp == 0x1Fu) {
        return ji_bits_to_float(sign | 0x7F800000u | (man << 13));
    }
    if (exp == 0) {
        if (man == 0) {
            return ji_bits_to_float(sign);
        }
        /* subnormal: man * 2^-24, exact in binary32 */
        float v = (float)man * 5.9604644775390625e-08f;
        return sign ? -v : v;
    }
    return ji_bits_to_float(sign | ((exp + 112u) << 23) | (man << 13));
}

/* FP8 E4M3FN (cuda_fp8.h __nv_fp8_e4m3): bias 7, no infinities, S.1111.111 is NaN. */
JI_HD float ji_e4m3_to_float(uint8_t c) {
    uint32_t sign = (uint32_t)(c & 0x80u) << 24;
    uint32_t exp = (c >> 3) & 0xFu;
    uint32_t man = c & 0x7u;
    if (exp == 0xFu && man == 0x7u) {
        return ji_bits_to_float(sign | 0x7FC00000u);
    }
    if (exp == 0) {
        float v = (float)man * 0.001953125f; /* m * 2^-9 */
        return sign ? -v : v;
    }
    return ji_bits_to_float(sign | ((exp + 120u) << 23) | (man << 20));
}

/* FP8 E5M2 (cuda_fp8.h __nv_fp8_e5m2): bias 15, IEEE infinities and NaNs. */
JI_HD float ji_e5m2_to_float(uint8_t c) {
    uint32_t sign = (uint32_t)(c & 0x80u) << 24;
    uint32_t exp = (c >> 2) & 0x1Fu;
    uint32_t man = c & 0x3u;
    if (exp == 0x1Fu) {
        return ji_bits_to_float(sign | (man == 0 ? 0x7F800000u : 0x7FC00000u));
    }
    if (exp == 0) {
        float v = (float)man * 1.52587890625e-05f; /* m * 2^-16 */
        return sign ? -v : v;
    }
    return ji_bits_to_float(sign | ((exp + 112u) << 23) | (man << 21));
}

/* FP4 E2M1 from the low four bits: 0, 0.5, 1, 1.5, 2, 3, 4, 6 and their negatives (-0 reads as -0). */
JI_HD float ji_e2m1_to_float(uint8_t c) {
    uint32_t sign = (uint32_t)(c & 0x8u) << 28;
    uint32_t exp = (c >> 1) & 0x3u;
    uint32_t man = c & 0x1u;
    if (exp == 0) {
        return ji_bits_to_float(sign | (man ? 0x3F000000u : 0u));
    }
    return ji_bits_to_float(sign | ((exp + 126u) << 23) | (man << 22));
}

/* ggml's doubled E2M1 integers (GGUF MXFP4/NVFP4 blocks): 2x the value, -0 reads as 0. */
JI_HD int ji_e2m1_doubled(uint8_t c) {
    int mag;
    switch (c & 0x7u) {
        case 0: mag = 0; break;
        case 1: mag = 1; break;
        case 2: mag = 2; break;
        case 3: mag = 3; break;
        case 4: mag = 4; break;
        case 5: mag = 6; break;
        case 6: mag = 8; break;
        default: mag = 12; break;
    }
    return (c & 0x8u) ? -mag : mag;
}

/* OCP MX E8M0 scale: 2^(c - 127); 0xFF is NaN. */
JI_HD float ji_e8m0_to_float(uint8_t c) {
    if (c == 0xFFu) {
        return ji_bits_to_float(0x7FC00000u);
    }
    if (c == 0) {
        return ji_bits_to_float(0x00400000u); /* 2^-127, subnormal */
    }
    return ji_bits_to_float((uint32_t)c << 23);
}

/* ggml's half E8M0 scale for GGUF MXFP4 (pairs with doubled E2M1): 2^(c - 128). */
JI_HD float ji_e8m0_half(uint8_t c) {
    if (c == 0) {
        return ji_bits_to_float(0x00200000u); /* 2^-128 */
    }
    if (c == 1) {
        return ji_bits_to_float(0x00400000u); /* 2^-127 */
    }
    return ji_bits_to_float((uint32_t)(c - 1u) << 23);
}

/*
 * ggml's unsigned E4M3 scale of GGUF NVFP4: 0x00 and 0x7F read as 0, otherwise bit 7 is ignored
 * (so 0xFF reads as exponent 15, mantissa 7: 480); exponent 0 is subnormal.
 */
JI_HD float ji_ue4m3(uint8_t code) {
    uint32_t c = code;
    if (c == 0 || c == 0x7Fu) {
        return 0.0f;
    }
    uint32_t exp = (c >> 3) & 0xFu;
    uint32_t man = c & 0x7u;
    if (exp == 0) {
        return (float)man * 0.001953125f;
    }
    return ji_bits_to_float(((exp + 120u) << 23) | (man << 20));
}

JI_HD float ji_ue4m3_half(uint8_t code) {
    return JI_MUL(ji_ue4m3(code), 0.5f);
}

/* --- GGUF blocks: decode one block into floats, as jinfer's ReferenceDequantizer does. --- */

/* Q8_0: 34 bytes, F16 d then 32 int8. v = q * d. */
JI_HD void ji_decode_q8_0(const uint8_t *b, float *out) {
    float d = ji_f16_to_float((uint16_t)(b[0] | (b[1] << 8)));
    for (int j = 0; j < 32; j++) {
        out[j] = JI_MUL((float)(int8_t)b[2 + j], d);
    }
}

/* Q4_0: 18 bytes, F16 d then 16 bytes; low nibbles are elements 0..15, high 16..31. v = (q - 8) * d. */
JI_HD void ji_decode_q4_0(const uint8_t *b, float *out) {
    float d = ji_f16_to_float((uint16_t)(b[0] | (b[1] << 8)));
    for (int j = 0; j < 16; j++) {
        out[j] = JI_MUL((float)((b[2 + j] & 0xF) - 8), d);
        out[j + 16] = JI_MUL((float)((b[2 + j] >> 4) - 8), d);
    }
}

/* MXFP4 (ggml type 39): 17 bytes, E8M0 scale then 16 bytes of E2M1 pairs (low nibble j, high j+16). */
JI_HD void ji_decode_mxfp4(const uint8_t *b, float *out) {
    float half = ji_e8m0_half(b[0]);
    for (int j = 0; j < 16; j++) {
        out[j] = JI_MUL((float)ji_e2m1_doubled(b[1 + j] & 0xF), half);
        out[j + 16] = JI_MUL((float)ji_e2m1_doubled(b[1 + j] >> 4), half);
    }
}

/* NVFP4 (ggml type 40): 36 bytes, four UE4M3 scales then four groups of 8 bytes, 16 values each. */
JI_HD void ji_decode_nvfp4(const uint8_t *b, float *out) {
    for (int s = 0; s < 4; s++) {
        float half = ji_ue4m3_half(b[s]);
        const uint8_t *q = b + 4 + 8 * s;
        for (int j = 0; j < 8; j++) {
            out[16 * s + j] = JI_MUL((float)ji_e2m1_doubled(q[j] & 0xF), half);
            out[16 * s + j + 8] = JI_MUL((float)ji_e2m1_doubled(q[j] >> 4), half);
        }
    }
}

/* --- Dot products: decode, multiply, add in index order. --- */

JI_HD float ji_dot_in_order(const float *w, const float *x, int n) {
    float acc = 0.0f;
    for (int i = 0; i < n; i++) {
        acc = JI_ADD(acc, JI_MUL(w[i], x[i]));
    }
    return acc;
}

JI_HD float ji_dot_q8_0(const uint8_t *b, const float *x) {
    float w[32];
    ji_decode_q8_0(b, w);
    return ji_dot_in_order(w, x, 32);
}

JI_HD float ji_dot_q4_0(const uint8_t *b, const float *x) {
    float w[32];
    ji_decode_q4_0(b, w);
    return ji_dot_in_order(w, x, 32);
}

JI_HD float ji_dot_mxfp4(const uint8_t *b, const float *x) {
    float w[32];
    ji_decode_mxfp4(b, w);
    return ji_dot_in_order(w, x, 32);
}

JI_HD float ji_dot_nvfp4(const uint8_t *b, const float *x) {
    float w[64];
    ji_decode_nvfp4(b, w);
    return ji_dot_in_order(w, x, 64);
}

/*
 * A run of FP8 codes that share one scale cell (per tensor, per channel or a 2-D block): each weight
 * is decode(code) * factor, where factor = cellScale * globalScale is formed once by the caller, then
 * multiplied by x and added in index order -- exactly jinfer's ScaledDequantizer followed by an
 * in-order dot product. format 0 is E4M3, 1 is E5M2.
 */
JI_HD float ji_dot_fp8_run(const uint8_t *codes, const float *x, int n, int format, float factor) {
    float acc = 0.0f;
    for (int i = 0; i < n; i++) {
        float w = format == 0 ? ji_e4m3_to_float(codes[i]) : ji_e5m2_to_float(codes[i]);
        acc = JI_ADD(acc, JI_MUL(JI_MUL(w, factor), x[i]));
    }
    return acc;
}

/*
 * One checkpoint NVFP4 block of 16 values (8 bytes of E2M1 pairs, element 2i in the low nibble) with
 * its E4M3 block scale and the tensor's FP32 global scale: each weight is e2m1 * (blockScale *
 * globalScale), multiplied by x and added in index order, as the Java reference does.
 */
JI_HD float ji_dot_nvfp4_checkpoint(const uint8_t *packed, uint8_t blockScale, float globalScale, const float *x) {
    float factor = JI_MUL(ji_e4m3_to_float(blockScale), globalScale);
    float acc = 0.0f;
    for (int i = 0; i < 8; i++) {
        acc = JI_ADD(acc, JI_MUL(JI_MUL(ji_e2m1_to_float(packed[i] & 0xF), factor), x[2 * i]));
        acc = JI_ADD(acc, JI_MUL(JI_MUL(ji_e2m1_to_float(packed[i] >> 4), factor), x[2 * i + 1]));
    }
    return acc;
}

#endif /* JINFER_NUMERICS_CUH */

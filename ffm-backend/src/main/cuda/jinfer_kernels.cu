/*
 * jinfer's CUDA kernels. One warp computes one output row of a matrix-vector product: lanes take
 * blocks in turn, each block's dot product comes from jinfer_numerics.cuh (the same code the host
 * tests check bit for bit against the Java reference), and the warp adds the partial sums with
 * shuffles. blockIdx.y selects the token, so one launch serves a whole batch of activations.
 *
 * Weights are in ggml's row-major order: row r of an [in, out] tensor starts at r * rowBytes.
 */
#include "jinfer_numerics.cuh"

#define JI_WARP 32

__device__ static inline float ji_warp_sum(float v) {
    for (int off = JI_WARP / 2; off > 0; off >>= 1) {
        v = __fadd_rn(v, __shfl_xor_sync(0xFFFFFFFFu, v, off));
    }
    return v;
}

__device__ static inline int ji_row(void) {
    return blockIdx.x * (blockDim.x / JI_WARP) + threadIdx.x / JI_WARP;
}

#define JI_GEMV_BLOCKS(NAME, BLOCK_VALUES, BLOCK_BYTES, DOT)                                         \
    extern "C" __global__ void NAME(const uint8_t *w, const float *x, float *y, int rows, int cols) { \
        int row = ji_row();                                                                          \
        int lane = threadIdx.x % JI_WARP;                                                            \
        if (row >= rows) {                                                                           \
            return;                                                                                  \
        }                                                                                            \
        const float *xt = x + (size_t)blockIdx.y * cols;                                             \
        int blocks = cols / (BLOCK_VALUES);                                                          \
        const uint8_t *wr = w + (size_t)row * blocks * (BLOCK_BYTES);                                \
        float acc = 0.0f;                                                                            \
        for (int b = lane; b < blocks; b += JI_WARP) {                                               \
            acc = __fadd_rn(acc, DOT(wr + (size_t)b * (BLOCK_BYTES), xt + (size_t)b * (BLOCK_VALUES))); \
        }                                                                                            \
        acc = ji_warp_sum(acc);                                                                      \
        if (lane == 0) {                                                                             \
            y[(size_t)blockIdx.y * rows + row] = acc;                                                \
        }                                                                                            \
    }

JI_GEMV_BLOCKS(ji_gemv_q8_0, 32, 34, ji_dot_q8_0)
JI_GEMV_BLOCKS(ji_gemv_q4_0, 32, 18, ji_dot_q4_0)
JI_GEMV_BLOCKS(ji_gemv_mxfp4, 32, 17, ji_dot_mxfp4)
JI_GEMV_BLOCKS(ji_gemv_nvfp4, 64, 36, ji_dot_nvfp4)

extern "C" __global__ void ji_gemv_f32(const float *w, const float *x, float *y, int rows, int cols) {
    int row = ji_row();
    int lane = threadIdx.x % JI_WARP;
    if (row >= rows) {
        return;
    }
    const float *xt = x + (size_t)blockIdx.y * cols;
    const float *wr = w + (size_t)row * cols;
    float acc = 0.0f;
    for (int i = lane; i < cols; i += JI_WARP) {
        acc = __fadd_rn(acc, __fmul_rn(wr[i], xt[i]));
    }
    acc = ji_warp_sum(acc);
    if (lane == 0) {
        y[(size_t)blockIdx.y * rows + row] = acc;
    }
}

extern "C" __global__ void ji_gemv_f16(const uint16_t *w, const float *x, float *y, int rows, int cols) {
    int row = ji_row();
    int lane = threadIdx.x % JI_WARP;
    if (row >= rows) {
        return;
    }
    const float *xt = x + (size_t)blockIdx.y * cols;
    const uint16_t *wr = w + (size_t)row * cols;
    float acc = 0.0f;
    for (int i = lane; i < cols; i += JI_WARP) {
        acc = __fadd_rn(acc, __fmul_rn(ji_f16_to_float(wr[i]), xt[i]));
    }
    acc = ji_warp_sum(acc);
    if (lane == 0) {
        y[(size_t)blockIdx.y * rows + row] = acc;
    }
}

/*
 * FP8 weights with a grid of FP32 scales (per tensor, per channel or 2-D blocks): each lane takes
 * runs of columns that share one scale; format 0 is E4M3, 1 is E5M2.
 */
extern "C" __global__ void ji_gemv_fp8(const uint8_t *w, const float *scales, int rowBlock, int colBlock,
                                       float globalScale, int format, const float *x, float *y, int rows, int cols) {
    int row = ji_row();
    int lane = threadIdx.x % JI_WARP;
    if (row >= rows) {
        return;
    }
    const float *xt = x + (size_t)blockIdx.y * cols;
    const uint8_t *wr = w + (size_t)row * cols;
    int gridCols = (cols + colBlock - 1) / colBlock;
    const float *srow = scales + (size_t)(row / rowBlock) * gridCols;
    /* runs of at most 32 columns so that every lane has work even for per-tensor scales */
    int run = colBlock < 32 ? colBlock : 32;
    float acc = 0.0f;
    for (int start = lane * run; start < cols; start += JI_WARP * run) {
        int n = min(run, cols - start);
        int block = start / colBlock;
        int end = min(n, (block + 1) * colBlock - start);
        acc = __fadd_rn(acc, ji_dot_fp8_run(wr + start, xt + start, end, format,
                                            __fmul_rn(srow[block], globalScale)));
        if (end < n) {
            acc = __fadd_rn(acc, ji_dot_fp8_run(wr + start + end, xt + start + end, n - end, format,
                                                __fmul_rn(srow[block + 1], globalScale)));
        }
    }
    acc = ji_warp_sum(acc);
    if (lane == 0) {
        y[(size_t)blockIdx.y * rows + row] = acc;
    }
}

/* NVFP4 as checkpoints store it: packed E2M1 [rows, cols/2], E4M3 scales [rows, cols/16], FP32 global. */
extern "C" __global__ void ji_gemv_nvfp4_checkpoint(const uint8_t *w, const uint8_t *scales, float globalScale,
                                                    const float *x, float *y, int rows, int cols) {
    int row = ji_row();
    int lane = threadIdx.x % JI_WARP;
    if (row >= rows) {
        return;
    }
    const float *xt = x + (size_t)blockIdx.y * cols;
    int blocks = cols / 16;
    const uint8_t *wr = w + (size_t)row * (cols / 2);
    const uint8_t *sr = scales + (size_t)row * blocks;
    float acc = 0.0f;
    for (int b = lane; b < blocks; b += JI_WARP) {
        acc = __fadd_rn(acc, ji_dot_nvfp4_checkpoint(wr + 8 * b, sr[b], globalScale, xt + 16 * b));
    }
    acc = ji_warp_sum(acc);
    if (lane == 0) {
        y[(size_t)blockIdx.y * rows + row] = acc;
    }
}

/* RMSNorm of one token per CUDA block: out = x / sqrt(mean(x^2) + eps) * weight. */
extern "C" __global__ void ji_rms_norm(const float *x, const float *weight, float *out, int dim, float eps) {
    __shared__ float partial[JI_WARP];
    const float *xt = x + (size_t)blockIdx.x * dim;
    float *ot = out + (size_t)blockIdx.x * dim;
    float sum = 0.0f;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) {
        sum = __fadd_rn(sum, __fmul_rn(xt[i], xt[i]));
    }
    sum = ji_warp_sum(sum);
    if (threadIdx.x % JI_WARP == 0) {
        partial[threadIdx.x / JI_WARP] = sum;
    }
    __syncthreads();
    if (threadIdx.x < JI_WARP) {
        float v = threadIdx.x < blockDim.x / JI_WARP ? partial[threadIdx.x] : 0.0f;
        v = ji_warp_sum(v);
        if (threadIdx.x == 0) {
            partial[0] = rsqrtf(v / dim + eps);
        }
    }
    __syncthreads();
    float inv = partial[0];
    for (int i = threadIdx.x; i < dim; i += blockDim.x) {
        ot[i] = __fmul_rn(__fmul_rn(xt[i], inv), weight[i]);
    }
}

/* RoPE on [tokens, heads, headDim]; neox pairs (i, i + d/2), otherwise (2i, 2i + 1). */
extern "C" __global__ void ji_rope(float *x, int heads, int headDim, int ropeDims, int startPos, float theta,
                                   int neox) {
    int token = blockIdx.y;
    int head = blockIdx.x;
    float *h = x + ((size_t)token * heads + head) * headDim;
    for (int i = threadIdx.x; i < ropeDims / 2; i += blockDim.x) {
        float freq = powf(theta, -2.0f * i / ropeDims);
        float angle = (startPos + token) * freq;
        float c = cosf(angle);
        float s = sinf(angle);
        int a = neox ? i : 2 * i;
        int b = neox ? i + ropeDims / 2 : 2 * i + 1;
        float x0 = h[a];
        float x1 = h[b];
        h[a] = x0 * c - x1 * s;
        h[b] = x0 * s + x1 * c;
    }
}

extern "C" __global__ void ji_swiglu(float *gate, const float *up, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        float g = gate[i];
        gate[i] = g / (1.0f + expf(-g)) * up[i];
    }
}

extern "C" __global__ void ji_add(float *dst, const float *src, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        dst[i] = __fadd_rn(dst[i], src[i]);
    }
}

/*
 * Causal attention for one token and one query head per CUDA block, over an F32 KV cache laid out
 * [position, kvHeads, headDim]. scores is scratch of [heads, positions].
 */
extern "C" __global__ void ji_attention(const float *q, const float *keys, const float *values, float *scores,
                                        float *out, int heads, int kvHeads, int headDim, int positions, float scale) {
    int head = blockIdx.x;
    int kvHead = head / (heads / kvHeads);
    const float *qh = q + (size_t)head * headDim;
    float *sc = scores + (size_t)head * positions;
    __shared__ float shared[2];
    for (int p = threadIdx.x; p < positions; p += blockDim.x) {
        const float *k = keys + ((size_t)p * kvHeads + kvHead) * headDim;
        float dot = 0.0f;
        for (int i = 0; i < headDim; i++) {
            dot = __fadd_rn(dot, __fmul_rn(qh[i], k[i]));
        }
        sc[p] = dot * scale;
    }
    __syncthreads();
    if (threadIdx.x == 0) {
        float max = -INFINITY;
        for (int p = 0; p < positions; p++) {
            max = fmaxf(max, sc[p]);
        }
        float sum = 0.0f;
        for (int p = 0; p < positions; p++) {
            sc[p] = expf(sc[p] - max);
            sum += sc[p];
        }
        shared[0] = 1.0f / sum;
    }
    __syncthreads();
    float inv = shared[0];
    for (int i = threadIdx.x; i < headDim; i += blockDim.x) {
        float acc = 0.0f;
        for (int p = 0; p < positions; p++) {
            acc = __fadd_rn(acc, __fmul_rn(sc[p], values[((size_t)p * kvHeads + kvHead) * headDim + i]));
        }
        out[(size_t)head * headDim + i] = acc * inv;
    }
}

/*
 * On-GPU check of jinfer's CUDA kernels, for machines with a driver (never part of the Maven build):
 *   nvcc -O2 -std=c++17 -arch=sm_90 -Xcompiler -ffp-contract=off -o kernel_check \
 *       ffm-backend/src/test/cuda/kernel_check.cu && ./kernel_check
 * 1. Every FP8/FP4/scale/half code and random GGUF blocks decoded on the device must equal the host
 *    build of the same header bit for bit (the host build is what the Java tests compare with the
 *    Java reference, so this closes the chain device == host == Java).
 * 2. Every GEMV kernel and the small ops against a host computation; the warp reduction adds in a
 *    different order, so those compare with a relative tolerance.
 */
#include "../../main/cuda/jinfer_kernels.cu"

#include <cuda_fp16.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#define CHECK(call)                                                                                  \
    do {                                                                                             \
        cudaError_t e_ = (call);                                                                     \
        if (e_ != cudaSuccess) {                                                                     \
            std::printf("CUDA error %s at %s:%d\n", cudaGetErrorString(e_), __FILE__, __LINE__);     \
            std::exit(2);                                                                            \
        }                                                                                            \
    } while (0)

static int failures = 0;

static void report(const char *what, bool ok, const char *detail) {
    std::printf("%s %s%s%s\n", ok ? "PASS" : "FAIL", what, detail[0] ? ": " : "", detail);
    if (!ok) {
        failures++;
    }
}

__global__ void decode_codes(float *out) {
    int c = threadIdx.x + blockIdx.x * blockDim.x;
    if (c < 256) {
        out[c] = ji_e4m3_to_float((uint8_t)c);
        out[256 + c] = ji_e5m2_to_float((uint8_t)c);
        out[512 + c] = ji_e8m0_to_float((uint8_t)c);
        out[768 + c] = ji_ue4m3((uint8_t)c);
        out[1024 + c] = ji_e2m1_to_float((uint8_t)(c & 0xF));
    }
    if (c < 65536) {
        out[1280 + c] = ji_f16_to_float((uint16_t)c);
    }
}

__global__ void decode_blocks(int format, const uint8_t *blocks, int blockBytes, int values, float *out, int n) {
    int b = blockIdx.x * blockDim.x + threadIdx.x;
    if (b >= n) {
        return;
    }
    const uint8_t *p = blocks + (size_t)b * blockBytes;
    float *o = out + (size_t)b * values;
    switch (format) {
        case 0: ji_decode_q8_0(p, o); break;
        case 1: ji_decode_q4_0(p, o); break;
        case 2: ji_decode_mxfp4(p, o); break;
        default: ji_decode_nvfp4(p, o); break;
    }
}

static bool same_bits(float a, float b) {
    if (std::isnan(a) && std::isnan(b)) {
        return true;
    }
    uint32_t x, y;
    std::memcpy(&x, &a, 4);
    std::memcpy(&y, &b, 4);
    return x == y;
}

template <typename T> static T *to_device(const std::vector<T> &v) {
    T *d;
    CHECK(cudaMalloc(&d, v.size() * sizeof(T) + 1));
    CHECK(cudaMemcpy(d, v.data(), v.size() * sizeof(T), cudaMemcpyHostToDevice));
    return d;
}

static std::vector<float> from_device(const float *d, size_t n) {
    std::vector<float> v(n);
    CHECK(cudaMemcpy(v.data(), d, n * sizeof(float), cudaMemcpyDeviceToHost));
    return v;
}

static void check_codes() {
    float *d;
    size_t n = 1280 + 65536;
    CHECK(cudaMalloc(&d, n * sizeof(float)));
    decode_codes<<<256, 256>>>(d);
    CHECK(cudaDeviceSynchronize());
    std::vector<float> got = from_device(d, n);
    int bad = 0;
    for (int c = 0; c < 256; c++) {
        bad += !same_bits(got[c], ji_e4m3_to_float(c)) + !same_bits(got[256 + c], ji_e5m2_to_float(c))
               + !same_bits(got[512 + c], ji_e8m0_to_float(c)) + !same_bits(got[768 + c], ji_ue4m3(c))
               + !same_bits(got[1024 + c], ji_e2m1_to_float(c & 0xF));
    }
    for (int c = 0; c < 65536; c++) {
        bad += !same_bits(got[1280 + c], ji_f16_to_float(c));
    }
    char msg[64];
    std::snprintf(msg, sizeof msg, "%d mismatches", bad);
    report("every FP8/E8M0/UE4M3/E2M1/half code, device == host", bad == 0, msg);
    CHECK(cudaFree(d));
}

static uint16_t half_bits(float f) {
    __half h = __float2half(f);
    uint16_t b;
    std::memcpy(&b, &h, 2);
    return b;
}

static std::vector<uint8_t> random_blocks(int format, int blocks, int blockBytes, std::mt19937 &rng) {
    std::vector<uint8_t> v((size_t)blocks * blockBytes);
    for (auto &b : v) {
        b = rng() & 0xFF;
    }
    if (format <= 1) {
        std::normal_distribution<float> g(0.0f, 0.01f);
        for (int b = 0; b < blocks; b++) {
            uint16_t h = half_bits(g(rng));
            v[(size_t)b * blockBytes] = h & 0xFF;
            v[(size_t)b * blockBytes + 1] = h >> 8;
        }
    }
    if (format == 2) {
        for (int b = 0; b < blocks; b++) {
            v[(size_t)b * blockBytes] = 110 + rng() % 20; /* keep scales near 1 */
        }
    }
    if (format == 3) {
        for (int b = 0; b < blocks; b++) {
            for (int s = 0; s < 4; s++) {
                v[(size_t)b * blockBytes + s] = 40 + rng() % 30;
            }
        }
    }
    return v;
}

static const int BLOCK_BYTES[] = {34, 18, 17, 36};
static const int BLOCK_VALUES[] = {32, 32, 32, 64};
static const char *NAMES[] = {"Q8_0", "Q4_0", "MXFP4", "NVFP4"};

static void check_blocks(std::mt19937 &rng) {
    for (int f = 0; f < 4; f++) {
        int n = 4096;
        std::vector<uint8_t> blocks = random_blocks(f, n, BLOCK_BYTES[f], rng);
        uint8_t *db = to_device(blocks);
        float *dout;
        CHECK(cudaMalloc(&dout, (size_t)n * BLOCK_VALUES[f] * sizeof(float)));
        decode_blocks<<<(n + 127) / 128, 128>>>(f, db, BLOCK_BYTES[f], BLOCK_VALUES[f], dout, n);
        CHECK(cudaDeviceSynchronize());
        std::vector<float> got = from_device(dout, (size_t)n * BLOCK_VALUES[f]);
        std::vector<float> want(BLOCK_VALUES[f]);
        int bad = 0;
        for (int b = 0; b < n; b++) {
            const uint8_t *p = blocks.data() + (size_t)b * BLOCK_BYTES[f];
            switch (f) {
                case 0: ji_decode_q8_0(p, want.data()); break;
                case 1: ji_decode_q4_0(p, want.data()); break;
                case 2: ji_decode_mxfp4(p, want.data()); break;
                default: ji_decode_nvfp4(p, want.data()); break;
            }
            for (int i = 0; i < BLOCK_VALUES[f]; i++) {
                bad += !same_bits(want[i], got[(size_t)b * BLOCK_VALUES[f] + i]);
            }
        }
        char what[96], msg[64];
        std::snprintf(what, sizeof what, "%s: 4096 random blocks decoded, device == host", NAMES[f]);
        std::snprintf(msg, sizeof msg, "%d mismatches", bad);
        report(what, bad == 0, msg);
        CHECK(cudaFree(db));
        CHECK(cudaFree(dout));
    }
}

static double rel_err(const std::vector<float> &got, const std::vector<double> &want) {
    double num = 0, den = 0;
    for (size_t i = 0; i < want.size(); i++) {
        num += (got[i] - want[i]) * (got[i] - want[i]);
        den += want[i] * want[i];
    }
    return std::sqrt(num / (den + 1e-30));
}

static void check_gemv(std::mt19937 &rng) {
    const int rows = 96, cols = 4096, tokens = 3;
    std::normal_distribution<float> g(0.0f, 1.0f);
    std::vector<float> x((size_t)tokens * cols);
    for (auto &v : x) {
        v = g(rng);
    }
    float *dx = to_device(x);
    float *dy;
    CHECK(cudaMalloc(&dy, (size_t)tokens * rows * sizeof(float)));
    dim3 grid((rows + 3) / 4, tokens);
    for (int f = 0; f < 4; f++) {
        int blocks = cols / BLOCK_VALUES[f];
        std::vector<uint8_t> w = random_blocks(f, rows * blocks, BLOCK_BYTES[f], rng);
        uint8_t *dw = to_device(w);
        switch (f) {
            case 0: ji_gemv_q8_0<<<grid, 128>>>(dw, dx, dy, rows, cols); break;
            case 1: ji_gemv_q4_0<<<grid, 128>>>(dw, dx, dy, rows, cols); break;
            case 2: ji_gemv_mxfp4<<<grid, 128>>>(dw, dx, dy, rows, cols); break;
            default: ji_gemv_nvfp4<<<grid, 128>>>(dw, dx, dy, rows, cols); break;
        }
        CHECK(cudaDeviceSynchronize());
        std::vector<float> got = from_device(dy, (size_t)tokens * rows);
        std::vector<double> want((size_t)tokens * rows);
        std::vector<float> dec(BLOCK_VALUES[f]);
        for (int t = 0; t < tokens; t++) {
            for (int r = 0; r < rows; r++) {
                double acc = 0;
                for (int b = 0; b < blocks; b++) {
                    const uint8_t *p = w.data() + ((size_t)r * blocks + b) * BLOCK_BYTES[f];
                    switch (f) {
                        case 0: ji_decode_q8_0(p, dec.data()); break;
                        case 1: ji_decode_q4_0(p, dec.data()); break;
                        case 2: ji_decode_mxfp4(p, dec.data()); break;
                        default: ji_decode_nvfp4(p, dec.data()); break;
                    }
                    for (int i = 0; i < BLOCK_VALUES[f]; i++) {
                        acc += (double)dec[i] * x[(size_t)t * cols + b * BLOCK_VALUES[f] + i];
                    }
                }
                want[(size_t)t * rows + r] = acc;
            }
        }
        double e = rel_err(got, want);
        char what[64], msg[64];
        std::snprintf(what, sizeof what, "gemv %s 96x4096 x3 tokens", NAMES[f]);
        std::snprintf(msg, sizeof msg, "relative error %.2e", e);
        report(what, e < 1e-5, msg);
        CHECK(cudaFree(dw));
    }
    /* FP8 with 128x128 block scales and with per-channel scales, E4M3 and E5M2 */
    for (int format = 0; format < 2; format++) {
        for (int blockRows : {1, 128}) {
            int colBlock = blockRows == 1 ? cols : 128;
            std::vector<uint8_t> w((size_t)rows * cols);
            for (auto &b : w) {
                b = rng() & 0xFF;
                if ((format == 0 && (b & 0x7F) == 0x7F) || (format == 1 && (b & 0x7C) == 0x7C)) {
                    b &= 0xF0;
                }
            }
            int gridRows = (rows + blockRows - 1) / blockRows, gridCols = (cols + colBlock - 1) / colBlock;
            std::vector<float> scales((size_t)gridRows * gridCols);
            for (auto &s : scales) {
                s = std::fabs(g(rng)) / 448.0f;
            }
            uint8_t *dw = to_device(w);
            float *ds = to_device(scales);
            ji_gemv_fp8<<<grid, 128>>>(dw, ds, blockRows, colBlock, 0.5f, format, dx, dy, rows, cols);
            CHECK(cudaDeviceSynchronize());
            std::vector<float> got = from_device(dy, (size_t)tokens * rows);
            std::vector<double> want((size_t)tokens * rows);
            for (int t = 0; t < tokens; t++) {
                for (int r = 0; r < rows; r++) {
                    double acc = 0;
                    for (int c = 0; c < cols; c++) {
                        uint8_t code = w[(size_t)r * cols + c];
                        float v = format == 0 ? ji_e4m3_to_float(code) : ji_e5m2_to_float(code);
                        acc += (double)v * scales[(size_t)(r / blockRows) * gridCols + c / colBlock]
                               * x[(size_t)t * cols + c];
                    }
                    want[(size_t)t * rows + r] = acc * 0.5;
                }
            }
            double e = rel_err(got, want);
            char what[96], msg[64];
            std::snprintf(what, sizeof what, "gemv FP8 %s, %s scales", format == 0 ? "E4M3" : "E5M2",
                          blockRows == 1 ? "per-channel" : "128x128");
            std::snprintf(msg, sizeof msg, "relative error %.2e", e);
            report(what, e < 1e-5, msg);
            CHECK(cudaFree(dw));
            CHECK(cudaFree(ds));
        }
    }
    /* NVFP4 as checkpoints store it */
    {
        std::vector<uint8_t> w((size_t)rows * cols / 2), s((size_t)rows * cols / 16);
        for (auto &b : w) {
            b = rng() & 0xFF;
        }
        for (auto &b : s) {
            b = 40 + rng() % 40;
        }
        uint8_t *dw = to_device(w);
        uint8_t *ds = to_device(s);
        float global = 1.0f / 2688.0f;
        ji_gemv_nvfp4_checkpoint<<<grid, 128>>>(dw, ds, global, dx, dy, rows, cols);
        CHECK(cudaDeviceSynchronize());
        std::vector<float> got = from_device(dy, (size_t)tokens * rows);
        std::vector<double> want((size_t)tokens * rows);
        for (int t = 0; t < tokens; t++) {
            for (int r = 0; r < rows; r++) {
                double acc = 0;
                for (int c = 0; c < cols; c++) {
                    uint8_t b = w[((size_t)r * cols + c) / 2];
                    float v = ji_e2m1_to_float(c % 2 == 0 ? (b & 0xF) : (b >> 4));
                    acc += (double)v * ji_e4m3_to_float(s[((size_t)r * cols + c) / 16]) * global * x[(size_t)t * cols + c];
                }
                want[(size_t)t * rows + r] = acc;
            }
        }
        double e = rel_err(got, want);
        char msg[64];
        std::snprintf(msg, sizeof msg, "relative error %.2e", e);
        report("gemv NVFP4 checkpoint layout (E2M1 pairs, E4M3 1x16 scales, FP32 global)", e < 1e-5, msg);
        CHECK(cudaFree(dw));
        CHECK(cudaFree(ds));
    }
    CHECK(cudaFree(dx));
    CHECK(cudaFree(dy));
}

static void check_small_ops(std::mt19937 &rng) {
    std::normal_distribution<float> g(0.0f, 1.0f);
    const int dim = 2048, heads = 8, kvHeads = 2, hd = 64, positions = 37;
    std::vector<float> x(dim), w(dim), up(dim);
    for (int i = 0; i < dim; i++) {
        x[i] = g(rng);
        w[i] = g(rng);
        up[i] = g(rng);
    }
    float *dx = to_device(x), *dw = to_device(w), *dup = to_device(up), *dout;
    CHECK(cudaMalloc(&dout, dim * sizeof(float)));
    ji_rms_norm<<<1, 256>>>(dx, dw, dout, dim, 1e-5f);
    CHECK(cudaDeviceSynchronize());
    std::vector<float> got = from_device(dout, dim);
    double ss = 0;
    for (float v : x) {
        ss += (double)v * v;
    }
    double inv = 1.0 / std::sqrt(ss / dim + 1e-5);
    std::vector<double> want(dim);
    for (int i = 0; i < dim; i++) {
        want[i] = x[i] * inv * w[i];
    }
    char msg[64];
    double e = rel_err(got, want);
    std::snprintf(msg, sizeof msg, "relative error %.2e", e);
    report("rms_norm", e < 1e-5, msg);

    ji_swiglu<<<(dim + 255) / 256, 256>>>(dx, dup, dim);
    CHECK(cudaDeviceSynchronize());
    got = from_device(dx, dim);
    for (int i = 0; i < dim; i++) {
        want[i] = x[i] / (1.0 + std::exp(-(double)x[i])) * up[i];
    }
    e = rel_err(got, want);
    std::snprintf(msg, sizeof msg, "relative error %.2e", e);
    report("swiglu", e < 1e-5, msg);

    std::vector<float> q(heads * hd), k((size_t)positions * kvHeads * hd), v((size_t)positions * kvHeads * hd);
    for (auto &a : q) a = g(rng);
    for (auto &a : k) a = g(rng);
    for (auto &a : v) a = g(rng);
    float *dq = to_device(q), *dk = to_device(k), *dv = to_device(v), *dscores, *dao;
    CHECK(cudaMalloc(&dscores, heads * positions * sizeof(float)));
    CHECK(cudaMalloc(&dao, heads * hd * sizeof(float)));
    float scale = 1.0f / std::sqrt((float)hd);
    ji_attention<<<heads, 64>>>(dq, dk, dv, dscores, dao, heads, kvHeads, hd, positions, scale);
    CHECK(cudaDeviceSynchronize());
    got = from_device(dao, heads * hd);
    want.assign(heads * hd, 0.0);
    for (int h = 0; h < heads; h++) {
        int kh = h / (heads / kvHeads);
        std::vector<double> s(positions);
        double mx = -1e300, sum = 0;
        for (int p = 0; p < positions; p++) {
            double d = 0;
            for (int i = 0; i < hd; i++) d += (double)q[h * hd + i] * k[((size_t)p * kvHeads + kh) * hd + i];
            s[p] = d * scale;
            mx = std::fmax(mx, s[p]);
        }
        for (int p = 0; p < positions; p++) { s[p] = std::exp(s[p] - mx); sum += s[p]; }
        for (int i = 0; i < hd; i++) {
            double a = 0;
            for (int p = 0; p < positions; p++) a += s[p] * v[((size_t)p * kvHeads + kh) * hd + i];
            want[h * hd + i] = a / sum;
        }
    }
    e = rel_err(got, want);
    std::snprintf(msg, sizeof msg, "relative error %.2e", e);
    report("attention 8 heads / 2 KV heads, 37 positions", e < 1e-5, msg);
}

int main() {
    int devices = 0;
    CHECK(cudaGetDeviceCount(&devices));
    cudaDeviceProp prop;
    CHECK(cudaGetDeviceProperties(&prop, 0));
    std::printf("device: %s, sm_%d%d, %d SMs, %.1f GiB\n", prop.name, prop.major, prop.minor,
                prop.multiProcessorCount, prop.totalGlobalMem / 1073741824.0);
    std::mt19937 rng(42);
    check_codes();
    check_blocks(rng);
    check_gemv(rng);
    check_small_ops(rng);
    std::printf("%s: %d failure(s)\n", failures == 0 ? "ALL PASS" : "FAILED", failures);
    return failures == 0 ? 0 : 1;
}

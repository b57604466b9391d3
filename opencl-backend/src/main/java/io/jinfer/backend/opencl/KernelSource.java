package io.jinfer.backend.opencl;

import io.jinfer.api.QuantFormat;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * Writes the OpenCL C programs, each specialised for what it serves: the weight programs for one
 * format (its block layout compile-time constants), the
 * attention program for one head layout and KV format, the rope program for one rope variant. The
 * same arguments always give the same text, which is the key of the per-device program cache.
 */
final class KernelSource {
    /** Weight formats the generated kernels decode. */
    static final Set<QuantFormat> FORMATS = EnumSet.of(QuantFormat.F32, QuantFormat.F16, QuantFormat.BF16,
            QuantFormat.Q8_0, QuantFormat.Q4_0, QuantFormat.Q4_1, QuantFormat.Q5_0, QuantFormat.Q5_1,
            QuantFormat.Q4_K, QuantFormat.Q5_K, QuantFormat.Q6_K);

    private KernelSource() {}

    /** Half-precision loads without cl_khr_fp16: vload_half only needs a pointer to 2-byte data. */
    private static final String COMMON = """
            #define U8(p, o) ((uint)(p)[o])
            #define I8(p, o) ((int)((const global char*)(p))[o])
            inline float f16at(const global uchar* p, int o) { return vload_half(0, (const global half*)(p + o)); }
            inline uint u32at(const global uchar* p, int o) {
                return U8(p, o) | (U8(p, o + 1) << 8) | (U8(p, o + 2) << 16) | (U8(p, o + 3) << 24);
            }
            inline int scale_min_k4(const global uchar* s, int j, int minimum) {
                if (j < 4) return (int)(U8(s, j + (minimum ? 4 : 0)) & 63);
                uint packed = U8(s, j + 4);
                uint low = minimum ? (packed >> 4) : (packed & 15);
                uint top = U8(s, minimum ? j : j - 4) >> 6;
                return (int)(low | (top << 4));
            }
            """;

    /**
     * The value {@code i} of one block, as {@code float deq(const global uchar* b, int i)}: the
     * same arithmetic as {@link io.jinfer.api.format.ReferenceDequantizer}.
     */
    private static String decoder(QuantFormat f) {
        String body = switch (f) {
            case F32 -> "return *(const global float*)(b + 4 * i);";
            case F16 -> "return f16at(b, 2 * i);";
            case BF16 -> "return as_float(((uint)U8(b, 2 * i) | ((uint)U8(b, 2 * i + 1) << 8)) << 16);";
            case Q8_0 -> "return f16at(b, 0) * (float)I8(b, 2 + i);";
            case Q4_0 -> """
                    uint q = U8(b, 2 + (i & 15));
                    return f16at(b, 0) * (float)((int)(i < 16 ? (q & 15) : (q >> 4)) - 8);""";
            case Q4_1 -> """
                    uint q = U8(b, 4 + (i & 15));
                    return f16at(b, 0) * (float)(i < 16 ? (q & 15) : (q >> 4)) + f16at(b, 2);""";
            case Q5_0 -> """
                    uint q = U8(b, 6 + (i & 15));
                    uint v = (i < 16 ? (q & 15) : (q >> 4)) | (((u32at(b, 2) >> i) & 1) << 4);
                    return f16at(b, 0) * (float)((int)v - 16);""";
            case Q5_1 -> """
                    uint q = U8(b, 8 + (i & 15));
                    uint v = (i < 16 ? (q & 15) : (q >> 4)) | (((u32at(b, 4) >> i) & 1) << 4);
                    return f16at(b, 0) * (float)v + f16at(b, 2);""";
            case Q4_K -> """
                    int sub = i / 32;
                    uint q = U8(b, 16 + 32 * (i / 64) + (i & 31));
                    uint nib = (i & 63) < 32 ? (q & 15) : (q >> 4);
                    return f16at(b, 0) * (float)scale_min_k4(b + 4, sub, 0) * (float)nib
                         - f16at(b, 2) * (float)scale_min_k4(b + 4, sub, 1);""";
            case Q5_K -> """
                    int sub = i / 32;
                    uint q = U8(b, 48 + 32 * (i / 64) + (i & 31));
                    uint nib = (i & 63) < 32 ? (q & 15) : (q >> 4);
                    uint fifth = (U8(b, 16 + (i & 31)) >> sub) & 1;
                    return f16at(b, 0) * (float)scale_min_k4(b + 4, sub, 0) * (float)(nib + 16 * fifth)
                         - f16at(b, 2) * (float)scale_min_k4(b + 4, sub, 1);""";
            case Q6_K -> """
                    int half_ = i / 128;
                    int g = (i % 128) / 32;
                    int l = i & 31;
                    uint lowByte = U8(b, 64 * half_ + l + 32 * (g & 1));
                    uint low = g < 2 ? (lowByte & 15) : (lowByte >> 4);
                    uint high = (U8(b, 128 + 32 * half_ + l) >> (2 * g)) & 3;
                    return f16at(b, 208) * (float)I8(b, 192 + i / 16) * (float)((int)(low | (high << 4)) - 32);""";
            default -> throw new OpenClException("the OpenCL backend has no kernel for " + f + " weights; it handles "
                    + FORMATS);
        };
        return "inline float deq(const global uchar* b, int i) {\n" + body + "\n}\n";
    }

    /**
     * The dot product of one block with 32 or 256 activations, as
     * {@code float block_dot(const global uchar* b, const global float* x)}: vector loads for the
     * formats models mostly use, the element decoder in a loop for the others.
     */
    private static String blockDot(QuantFormat f) {
        String body = switch (f) {
            case Q8_0 -> """
                    const global char* q = (const global char*)(b + 2);
                    float8 acc = convert_float8(vload8(0, q)) * vload8(0, x);
                    acc += convert_float8(vload8(1, q)) * vload8(1, x);
                    acc += convert_float8(vload8(2, q)) * vload8(2, x);
                    acc += convert_float8(vload8(3, q)) * vload8(3, x);
                    float4 s = acc.lo + acc.hi;
                    return f16at(b, 0) * (s.x + s.y + s.z + s.w);""";
            case Q4_0 -> """
                    uchar16 q = vload16(0, b + 2);
                    float16 lo = convert_float16(q & (uchar)15) - 8.0f;
                    float16 hi = convert_float16(q >> (uchar)4) - 8.0f;
                    float16 acc = lo * vload16(0, x) + hi * vload16(1, x);
                    float8 s8 = acc.lo + acc.hi;
                    float4 s = s8.lo + s8.hi;
                    return f16at(b, 0) * (s.x + s.y + s.z + s.w);""";
            case Q4_K -> """
                    float d = f16at(b, 0);
                    float dmin = f16at(b, 2);
                    float sum = 0.0f;
                    for (int j = 0; j < 4; j++) {
                        const global uchar* q = b + 16 + 32 * j;
                        const global float* xj = x + 64 * j;
                        float16 lo = convert_float16(vload16(0, q) & (uchar)15) * vload16(0, xj)
                                + convert_float16(vload16(1, q) & (uchar)15) * vload16(1, xj);
                        float16 hi = convert_float16(vload16(0, q) >> (uchar)4) * vload16(2, xj)
                                + convert_float16(vload16(1, q) >> (uchar)4) * vload16(3, xj);
                        float16 xs1 = vload16(0, xj) + vload16(1, xj);
                        float16 xs2 = vload16(2, xj) + vload16(3, xj);
                        float8 a = lo.lo + lo.hi, bb = hi.lo + hi.hi, c = xs1.lo + xs1.hi, e = xs2.lo + xs2.hi;
                        float4 a4 = a.lo + a.hi, b4 = bb.lo + bb.hi, c4 = c.lo + c.hi, e4 = e.lo + e.hi;
                        float dl = a4.x + a4.y + a4.z + a4.w, dh = b4.x + b4.y + b4.z + b4.w;
                        float sl = c4.x + c4.y + c4.z + c4.w, sh = e4.x + e4.y + e4.z + e4.w;
                        sum += d * (scale_min_k4(b + 4, 2 * j, 0) * dl + scale_min_k4(b + 4, 2 * j + 1, 0) * dh)
                             - dmin * (scale_min_k4(b + 4, 2 * j, 1) * sl + scale_min_k4(b + 4, 2 * j + 1, 1) * sh);
                    }
                    return sum;""";
            default -> """
                    float part = 0.0f;
                    for (int i = 0; i < BV; i++) {
                        part += deq(b, i) * x[i];
                    }
                    return part;""";
        };
        return "inline float block_dot(const global uchar* b, const global float* x) {\n" + body + "\n}\n";
    }

    /**
     * The program of one weight format, its block layout compiled in: {@code matmul} (one work-item
     * per output row and token) and {@code dequant_row} (one work-item per value). The row length is
     * an argument, so every matrix of a format shares one program (PoCL compiles slowly).
     */
    static String weights(QuantFormat f) {
        String defs = String.format(Locale.ROOT, """
                #define BV %d
                #define BB %d
                """, f.blockSize(), f.bytesPerBlock());
        return "// weights " + f + "\n" + defs + COMMON + decoder(f) + blockDot(f) + """
                kernel void matmul(const global uchar* w, const global float* x, global float* out, int rows,
                        int cols) {
                    int r = get_global_id(0);
                    int t = get_global_id(1);
                    if (r >= rows) return;
                    int blocks = cols / BV;
                    const global uchar* row = w + (ulong)r * blocks * BB;
                    const global float* xv = x + (ulong)t * cols;
                    float sum = 0.0f;
                    for (int k = 0; k < blocks; k++) {
                        sum += block_dot(row + k * BB, xv + k * BV);
                    }
                    out[(ulong)t * rows + r] = sum;
                }
                kernel void dequant_row(const global uchar* w, int row, int cols, global float* out) {
                    int c = get_global_id(0);
                    const global uchar* blk = w + ((ulong)row * (cols / BV) + c / BV) * BB;
                    out[c] = deq(blk, c % BV);
                }
                """;
    }

    /** Element-wise kernels, the RMS norm and the KV stores (F32 and F16), independent of any shape. */
    static String elementwise() {
        return """
                // elementwise
                kernel void rms_norm(const global float* x, global float* out, int dim, const global float* w,
                        float eps) {
                    int t = get_global_id(0);
                    const global float* xr = x + (ulong)t * dim;
                    global float* o = out + (ulong)t * dim;
                    float sum = 0.0f;
                    for (int i = 0; i < dim; i++) sum += xr[i] * xr[i];
                    float scale = 1.0f / sqrt(sum / dim + eps);
                    for (int i = 0; i < dim; i++) o[i] = xr[i] * scale * w[i];
                }
                kernel void add_vector(global float* x, const global float* v, int dim) {
                    int i = get_global_id(0);
                    x[i] += v[i % dim];
                }
                kernel void add(global float* dst, const global float* src) {
                    int i = get_global_id(0);
                    dst[i] += src[i];
                }
                kernel void store_kv_f32(const global float* src, global float* dst, ulong first) {
                    ulong i = get_global_id(0);
                    dst[first + i] = src[i];
                }
                kernel void store_kv_f16(const global float* src, global half* dst, ulong first) {
                    ulong i = get_global_id(0);
                    vstore_half_rte(src[i], first + i, dst);
                }
                kernel void swiglu(global float* gate, const global float* up) {
                    int i = get_global_id(0);
                    float g = gate[i];
                    gate[i] = g / (1.0f + exp(-g)) * up[i];
                }
                """;
    }

    /**
     * Rotary embedding for one head size and rotated width, NORM or NEOX pairing; angles in double
     * where the device has it, as the reference computes them.
     */
    static String rope(int headDim, int dims, boolean neox, boolean factors) {
        return String.format(Locale.ROOT, """
                // rope
                #define HEAD_DIM %d
                #define DIMS %d
                #define PAIRS %d
                #define NEOX %d
                #define FACTORS %d
                #ifdef cl_khr_fp64
                #pragma OPENCL EXTENSION cl_khr_fp64 : enable
                typedef double real;
                #else
                typedef float real;
                #endif
                kernel void rope(global float* x, int heads, int start_pos, float base, const global float* factors) {
                    int i = get_global_id(0);
                    int h = get_global_id(1);
                    int t = get_global_id(2);
                    real freq = pow((real)base, -2.0 * i / DIMS);
                #if FACTORS
                    freq /= factors[i];
                #endif
                    real theta = (real)(start_pos + t) * freq;
                    float c = (float)cos(theta);
                    float s = (float)sin(theta);
                    ulong row = ((ulong)t * heads + h) * HEAD_DIM;
                #if NEOX
                    ulong a = row + i, b = row + i + PAIRS;
                #else
                    ulong a = row + 2 * i, b = row + 2 * i + 1;
                #endif
                    float x0 = x[a];
                    float x1 = x[b];
                    x[a] = x0 * c - x1 * s;
                    x[b] = x0 * s + x1 * c;
                }
                """, headDim, dims, dims / 2, neox ? 1 : 0, factors ? 1 : 0);
    }

    /**
     * Causal grouped-query attention for one head layout and cache format. Each
     * work-item owns one (head, token) pair and walks the cache once with a running maximum, so no
     * score array is needed whatever the context length.
     */
    static String attention(int heads, int kvHeads, int headDim, QuantFormat kv) {
        if (kv != QuantFormat.F32 && kv != QuantFormat.F16) {
            throw new IllegalArgumentException("KV cache format must be F32 or F16, got " + kv);
        }
        boolean f16 = kv == QuantFormat.F16;
        return String.format(Locale.ROOT, """
                // attention
                #define HEADS %d
                #define GROUP %d
                #define HEAD_DIM %d
                #define ROW (%d * HEAD_DIM)
                """, heads, heads / kvHeads, headDim, kvHeads)
                + (f16 ? """
                #define KV_T half
                #define LOAD(p, i) vload_half((i), (p))
                """ : """
                #define KV_T float
                #define LOAD(p, i) ((p)[i])
                """)
                + """
                kernel void attention(const global float* q, const global KV_T* keys, const global KV_T* values,
                        global float* out, int start_pos, float scale) {
                    int h = get_global_id(0);
                    int t = get_global_id(1);
                    int kvh = h / GROUP;
                    ulong qo = ((ulong)t * HEADS + h) * HEAD_DIM;
                    float qv[HEAD_DIM];
                    float acc[HEAD_DIM];
                    for (int i = 0; i < HEAD_DIM; i++) { qv[i] = q[qo + i]; acc[i] = 0.0f; }
                    float m = -INFINITY;
                    float l = 0.0f;
                    int last = start_pos + t;
                    for (int p = 0; p <= last; p++) {
                        ulong ko = (ulong)p * ROW + (ulong)kvh * HEAD_DIM;
                        float dot = 0.0f;
                        for (int i = 0; i < HEAD_DIM; i++) dot += qv[i] * LOAD(keys, ko + i);
                        float s = dot * scale;
                        if (s > m) {
                            float corr = exp(m - s);
                            l *= corr;
                            for (int i = 0; i < HEAD_DIM; i++) acc[i] *= corr;
                            m = s;
                        }
                        float wgt = exp(s - m);
                        l += wgt;
                        for (int i = 0; i < HEAD_DIM; i++) acc[i] += wgt * LOAD(values, ko + i);
                    }
                    for (int i = 0; i < HEAD_DIM; i++) out[qo + i] = acc[i] / l;
                }
                """;
    }
}

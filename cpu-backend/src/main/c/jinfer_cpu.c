/*
 * jinfer native CPU kernels: matrix products of Q4_0 and Q8_0 weights with n tokens of activations
 * already quantised to 8 bits (per block of 32 values: 32 int8 and one float scale), of Q4_K, Q5_K and
 * Q6_K weights with activations quantised to 16 bits, of every other format with float activations;
 * the quantisers that make those activations; RMSNorm, SwiGLU and attention.
 *
 * Layouts: row r of the weights starts at w + r * row_bytes; token t's quantised activations are
 * xq[t * cols ..] and xd[t * blocks ..] (cols = 32 * blocks); its output for row r goes to
 * out[t * out_stride + r].
 *
 * Determinism: each (row, token) result is computed by the same sequence of operations whatever
 * the number of tokens, the tile it falls in, or the rows computed next to it, so a column of a
 * many-token product is bit-identical to the one-token product of that column. A plain Java
 * emulation reproduces the arithmetic bit for bit (NativeMatmulTest.emulate):
 *
 *   Q4_0 / Q8_0: for each block b, lane j in 0..7:
 *        s = sum_{k<4} w[32b+4j+k] * xq[32b+4j+k]                 (exact int32)
 *        acc[b & 1][j] = fma(f16(d_w[b]) * xd[b], (float) s, acc[b & 1][j])
 *      v[j] = acc[0][j] + acc[1][j]
 *      result = ((v0+v1)+(v2+v3)) + ((v4+v5)+(v6+v7))
 *   (even and odd blocks in separate accumulators: the AVX-512 variant handles a pair of blocks
 *   per 512-bit instruction, the AVX2 variant does the same with two 256-bit halves.)
 *
 * Integer sums are exact whichever instructions compute them, so the AVX2 and the AVX-512 variants
 * give identical results. Build with -ffp-contract=off: the only fused operations are the explicit ones.
 *
 * Compiled twice: with -mavx2 -mfma -mf16c, and with AVX-512 F/BW/VL/VNNI added (JINFER_VNNI).
 */
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#define Q4_0_BYTES 18
#define Q8_0_BYTES 34
/* rows computed together so that each activation block is loaded once for all of them */
#ifndef GROUP
#define GROUP 4
#endif
/* software prefetch distance along each weight row, bytes (measured: the hardware prefetcher alone
   leaves the four interleaved row streams short of the memory bandwidth). Far enough ahead to cover
   the memory latency at full bandwidth: rows are stored back to back, so for short rows this reaches
   into the next rows the same thread takes. 1B shape, 2 threads, decode tok/s 512 -> 4096 bytes:
   Q4_0 16.6 -> 18.6, Q4_K_M 10.5 -> 12.2, MXFP4 15.0 -> 17.8, Q8_0 12.7 -> 12.2 (memory-bound
   already); 8192 bytes: no better than 4096. */
#ifndef PREFETCH
#define PREFETCH 4096
#endif

#ifdef JINFER_VNNI
#ifdef JINFER_AMX
#define VARIANT "avx512amx"
#else
#define VARIANT "avx512vnni"
#endif
/* u8 x s8 products summed in fours into int32 lanes */
static inline __m256i dot_u8s8(__m256i u, __m256i s) {
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s);
}
#else
#define VARIANT "avx2"
static inline __m256i dot_u8s8(__m256i u, __m256i s) {
    /* pairs of products fit int16 here: callers keep |u*s| pairs below 32768 */
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
}
#endif

/*
 * Where to prefetch for byte off of a row when R rows are read side by side: PREFETCH bytes ahead
 * in the whole stream are PREFETCH / R along each row, and past the row's end the stream goes on R
 * rows down, where the next tile starts. (A plain PREFETCH along the row lands in rows the tile is
 * already reading once R rows are wider than it: Q8_0 2048-wide rows, 4 rows, one core, 600 MiB
 * matrix: 10.0 -> 13.5 GB/s; 1B decode, 2 threads: Q8_0 14.2 -> 17.3 tok/s, Q4_0 24.3 -> 25.2.)
 */
static inline const char *stream_ahead(const uint8_t *row, int64_t off, int64_t row_bytes, int R) {
    const int64_t d = PREFETCH / R;
    return (const char *) row + off + d + (off + d >= row_bytes ? (R - 1) * row_bytes : 0);
}

static inline float half(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

static inline uint16_t half_bits(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    return h;
}

static inline float hsum(__m256 acc) {
    float a[8];
    _mm256_storeu_ps(a, acc);
    return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}

/* 32 nibbles of a Q4_0 block as bytes 0..15 in element order: low nibbles first, then high */
static inline __m256i nibbles(const uint8_t *q) {
    __m128i raw = _mm_loadu_si128((const __m128i *) q);
    __m256i both = _mm256_set_m128i(_mm_srli_epi16(raw, 4), raw);
    return _mm256_and_si256(both, _mm256_set1_epi8(0x0F));
}

/* int32 lanes of sum(w*x) for 32 signed weight bytes and 32 signed activation bytes */
static inline __m256i dot_s8s8(__m256i wq, __m256i y) {
#ifdef JINFER_VNNI
    /* w + 128 is unsigned: sum((w+128)*x) - 128*sum(x) */
    __m256i corr = dot_u8s8(_mm256_set1_epi8((char) 0x80), y);
    return _mm256_sub_epi32(dot_u8s8(_mm256_xor_si256(wq, _mm256_set1_epi8((char) 0x80)), y), corr);
#else
    /* |w| <= 128 and |x| <= 127: pairs stay below 32768 */
    return dot_u8s8(_mm256_sign_epi8(wq, wq), _mm256_sign_epi8(y, wq));
#endif
}

enum { FMT_Q4_0, FMT_Q8_0 };

/* exact int32 lanes of one block (32 values) of Q4_0 or Q8_0 weights with 32 activation bytes */
static inline __attribute__((always_inline)) __m256i block_dot(int fmt, const uint8_t *blk, const int8_t *y8) {
    __m256i y = _mm256_loadu_si256((const __m256i *) y8);
    if (fmt == FMT_Q4_0) {
        return _mm256_sub_epi32(dot_u8s8(nibbles(blk + 2), y), dot_u8s8(_mm256_set1_epi8(8), y));
    }
    return dot_s8s8(_mm256_loadu_si256((const __m256i *) (blk + 2)), y);
}

#ifdef JINFER_VNNI
/* A pair of blocks (b even, b + 1) in 512-bit vectors: lanes 0..7 block b, lanes 8..15 block b + 1. */
typedef __m512 vf;
typedef __m512i vi;
#define TILE_ROWS 4
#define TILE_TOKENS 4

static inline vf vf_zero(void) { return _mm512_setzero_ps(); }
static inline vi load_y(const int8_t *y) { return _mm512_loadu_si512((const void *) y); }
static inline vf pair_ps(float a, float b) {
    __m512 lo = _mm512_castps256_ps512(_mm256_set1_ps(a));
    return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(lo), _mm256_castps_pd(_mm256_set1_ps(b)), 1));
}
/* F16 scales of blocks b and b + 1, each spread over its block's 8 lanes */
static inline vf half_pair(const uint8_t *blk0, const uint8_t *blk1) {
    __m256i h = _mm256_set_m128i(_mm_set1_epi16((short) half_bits(blk1)), _mm_set1_epi16((short) half_bits(blk0)));
    return _mm512_cvtph_ps(h);
}
/* quants of blocks b and b + 1 in element order, as the unsigned operand of the dot product */
static inline vi pair_quants(int fmt, const uint8_t *blk0) {
    if (fmt == FMT_Q4_0) {
        /* [raw0, raw0, raw1, raw1] from two broadcast loads, the second and fourth quarter shifted to
           their high nibbles: element order in three instructions besides the loads */
        __m256i r0 = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *) (blk0 + 2)));
        __m256i r1 = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *) (blk0 + Q4_0_BYTES + 2)));
        __m512i a = _mm512_inserti64x4(_mm512_castsi256_si512(r0), r1, 1);
        a = _mm512_mask_srli_epi16(a, (__mmask32) 0xFF00FF00u, a, 4);
        return _mm512_and_si512(a, _mm512_set1_epi8(0x0F));
    }
    __m512i a = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *) (blk0 + 2))),
            _mm256_loadu_si256((const __m256i *) (blk0 + Q8_0_BYTES + 2)), 1);
    /* w + 128 as the unsigned operand; the correction below removes 128 * sum(x) */
    return _mm512_xor_si512(a, _mm512_set1_epi8((char) 0x80));
}
/* minus the correction of the unsigned operand (8 for Q4_0 nibbles, 128 for Q8_0) per lane */
static inline vi neg_corr(int fmt, vi y) {
    __m512i c = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8(fmt == FMT_Q4_0 ? 8 : (char) 0x80), y);
    return _mm512_sub_epi32(_mm512_setzero_si512(), c);
}
static inline vi pair_dot(int fmt, vi nc, vi wq, vi y) {
    (void) fmt;
    return _mm512_dpbusd_epi32(nc, wq, y);
}
static inline vf step(vf acc, vf dw, vf dx, vi s) {
    return _mm512_fmadd_ps(_mm512_mul_ps(dw, dx), _mm512_cvtepi32_ps(s), acc);
}
static inline __m256 acc_lo(vf a) { return _mm512_castps512_ps256(a); }
static inline __m256 acc_hi(vf a) { return _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(a), 1)); }
#else
/* The same pair of blocks as two 256-bit halves. */
typedef struct { __m256 lo, hi; } vf;
typedef struct { __m256i lo, hi; } vi;
#define TILE_ROWS 2
#define TILE_TOKENS 2

static inline vf vf_zero(void) { vf v = {_mm256_setzero_ps(), _mm256_setzero_ps()}; return v; }
static inline vi load_y(const int8_t *y) {
    vi v = {_mm256_loadu_si256((const __m256i *) y), _mm256_loadu_si256((const __m256i *) (y + 32))};
    return v;
}
static inline vf pair_ps(float a, float b) { vf v = {_mm256_set1_ps(a), _mm256_set1_ps(b)}; return v; }
static inline vf half_pair(const uint8_t *blk0, const uint8_t *blk1) {
    vf v = {_mm256_set1_ps(half(blk0)), _mm256_set1_ps(half(blk1))};
    return v;
}
static inline vi pair_quants(int fmt, const uint8_t *blk0) {
    vi v;
    if (fmt == FMT_Q4_0) {
        v.lo = nibbles(blk0 + 2);
        v.hi = nibbles(blk0 + Q4_0_BYTES + 2);
    } else {
        v.lo = _mm256_loadu_si256((const __m256i *) (blk0 + 2));
        v.hi = _mm256_loadu_si256((const __m256i *) (blk0 + Q8_0_BYTES + 2));
    }
    return v;
}
static inline vi neg_corr(int fmt, vi y) {
    vi v = {_mm256_setzero_si256(), _mm256_setzero_si256()};
    if (fmt == FMT_Q4_0) {
        __m256i e = _mm256_set1_epi8(8);
        v.lo = _mm256_sub_epi32(v.lo, dot_u8s8(e, y.lo));
        v.hi = _mm256_sub_epi32(v.hi, dot_u8s8(e, y.hi));
    }
    return v;
}
static inline vi pair_dot(int fmt, vi nc, vi wq, vi y) {
    vi s;
    if (fmt == FMT_Q4_0) {
        s.lo = _mm256_add_epi32(nc.lo, dot_u8s8(wq.lo, y.lo));
        s.hi = _mm256_add_epi32(nc.hi, dot_u8s8(wq.hi, y.hi));
    } else {
        s.lo = dot_s8s8(wq.lo, y.lo);
        s.hi = dot_s8s8(wq.hi, y.hi);
    }
    return s;
}
static inline vf step(vf acc, vf dw, vf dx, vi s) {
    vf v = {_mm256_fmadd_ps(_mm256_mul_ps(dw.lo, dx.lo), _mm256_cvtepi32_ps(s.lo), acc.lo),
            _mm256_fmadd_ps(_mm256_mul_ps(dw.hi, dx.hi), _mm256_cvtepi32_ps(s.hi), acc.hi)};
    return v;
}
static inline __m256 acc_lo(vf a) { return a.lo; }
static inline __m256 acc_hi(vf a) { return a.hi; }
#endif

/* one pair of blocks (b, b + 1) of R rows with T tokens */
static inline __attribute__((always_inline)) void pair(int fmt, const uint8_t *w, int64_t row_bytes, int32_t r,
        int R, int32_t blocks, int32_t b, int32_t t0, int T, const int8_t *xq, const float *xd,
        vf acc[][TILE_TOKENS > 4 ? TILE_TOKENS : 4]) {
    const int bytes = fmt == FMT_Q4_0 ? Q4_0_BYTES : Q8_0_BYTES;
    const int64_t cols = 32 * (int64_t) blocks;
    vi wq[GROUP];
    vf dw[GROUP];
    for (int k = 0; k < R; k++) {
        const uint8_t *row = w + (int64_t) (r + k) * row_bytes, *blk = row + (int64_t) b * bytes;
        const char *next = stream_ahead(row, (int64_t) b * bytes, row_bytes, R);
        _mm_prefetch(next, _MM_HINT_T0);
        if (fmt == FMT_Q8_0) {
            /* a pair of Q8_0 blocks is 68 bytes: sometimes a second line */
            _mm_prefetch(next + 64, _MM_HINT_T0);
        }
        wq[k] = pair_quants(fmt, blk);
        dw[k] = half_pair(blk, blk + bytes);
    }
    for (int t = 0; t < T; t++) {
        const int8_t *yp = xq + (t0 + t) * cols + 32 * (int64_t) b;
        const float *dp = xd + (int64_t) (t0 + t) * blocks + b;
        vi y = load_y(yp);
        vi nc = neg_corr(fmt, y);
        vf dx = pair_ps(dp[0], dp[1]);
        for (int k = 0; k < R; k++) {
            acc[k][t] = step(acc[k][t], dw[k], dx, pair_dot(fmt, nc, wq[k], y));
        }
    }
}

/*
 * R rows from r times T tokens from t0 (R, T constants where this is inlined): each weight pair is
 * expanded once for the T tokens, each activation pair loaded once for the R rows.
 */
static inline __attribute__((always_inline)) void tile(int fmt, const uint8_t *w, int64_t row_bytes, int32_t r,
        int R, int32_t blocks, int32_t t0, int T, const int8_t *xq, const float *xd, float *out, int32_t os) {
    const int bytes = fmt == FMT_Q4_0 ? Q4_0_BYTES : Q8_0_BYTES;
    const int64_t cols = 32 * (int64_t) blocks;
    vf acc[GROUP][TILE_TOKENS > 4 ? TILE_TOKENS : 4];
    for (int k = 0; k < R; k++) {
        for (int t = 0; t < T; t++) {
            acc[k][t] = vf_zero();
        }
    }
    for (int32_t b = 0; b + 2 <= blocks; b += 2) {
        pair(fmt, w, row_bytes, r, R, blocks, b, t0, T, xq, xd, acc);
    }
    for (int k = 0; k < R; k++) {
        for (int t = 0; t < T; t++) {
            __m256 lo = acc_lo(acc[k][t]);
            if (blocks & 1) {
                /* the last block has an even index: it joins the even accumulator */
                int32_t b = blocks - 1;
                const uint8_t *blk = w + (int64_t) (r + k) * row_bytes + (int64_t) b * bytes;
                __m256i s = block_dot(fmt, blk, xq + (t0 + t) * cols + 32 * (int64_t) b);
                float d = half(blk) * xd[(int64_t) (t0 + t) * blocks + b];
                lo = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(s), lo);
            }
            out[(int64_t) (t0 + t) * os + r + k] = hsum(_mm256_add_ps(lo, acc_hi(acc[k][t])));
        }
    }
}

static inline __attribute__((always_inline)) void rows_0(int fmt, const uint8_t *w, int64_t row_bytes,
        int32_t row_start, int32_t row_end, int32_t blocks, int32_t n, const int8_t *xq, const float *xd,
        float *out, int32_t os) {
    int32_t r = row_start;
    if (n == 1) {
        /* decode: four rows share each activation load */
        for (; r + GROUP <= row_end; r += GROUP) {
            tile(fmt, w, row_bytes, r, GROUP, blocks, 0, 1, xq, xd, out, os);
        }
        for (; r < row_end; r++) {
            tile(fmt, w, row_bytes, r, 1, blocks, 0, 1, xq, xd, out, os);
        }
        return;
    }
    for (; r + TILE_ROWS <= row_end; r += TILE_ROWS) {
        int32_t t = 0;
        for (; t + TILE_TOKENS <= n; t += TILE_TOKENS) {
            tile(fmt, w, row_bytes, r, TILE_ROWS, blocks, t, TILE_TOKENS, xq, xd, out, os);
        }
        for (; t < n; t++) {
            tile(fmt, w, row_bytes, r, TILE_ROWS, blocks, t, 1, xq, xd, out, os);
        }
    }
    for (; r < row_end; r++) {
        int32_t t = 0;
        for (; t + TILE_TOKENS <= n; t += TILE_TOKENS) {
            tile(fmt, w, row_bytes, r, 1, blocks, t, TILE_TOKENS, xq, xd, out, os);
        }
        for (; t < n; t++) {
            tile(fmt, w, row_bytes, r, 1, blocks, t, 1, xq, xd, out, os);
        }
    }
}

#ifdef JINFER_AMX
/*
 * Q4_0 and Q8_0 in the AMX variant (CPUs with AMX-INT8 tiles). Prefill multiplies 16 tokens by 16
 * rows per block with one tile instruction (TDPBSSD: the tokens' activation bytes by the weights
 * rearranged into the tile unit's layout), which yields whole block sums; so this variant's
 * arithmetic is, per (row, token),
 *     S_b = sum of the 32 products of block b                            (exact int32)
 *     acc = fma(f16(d_w[b]) * xd[b], (float) S_b, acc)                   for b = 0, 1, ... in order
 *     result = acc
 * and decode computes the same S_b with vpdpbusd and a reduction per block, so a token's result does
 * not depend on the batch (NativeMatmulTest.emulateBlockSums). The other variants keep their lanes.
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ARCH_REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILEDATA 18

/* @return 1 when the kernel lets this process use the tile registers (asked once, process-wide) */
int jinfer_amx_ready(void) {
    return syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0;
}

/* the exact sums of blocks b and b + 1 of four rows from their pair vectors (lanes 0..7 b, 8..15 b + 1) */
static inline void block_sums4(vi s0, vi s1, vi s2, vi s3, __m128i *even, __m128i *odd) {
    __m512i ab = _mm512_add_epi32(_mm512_unpacklo_epi32(s0, s1), _mm512_unpackhi_epi32(s0, s1));
    __m512i cd = _mm512_add_epi32(_mm512_unpacklo_epi32(s2, s3), _mm512_unpackhi_epi32(s2, s3));
    /* each 128-bit chunk: the sums of its four lanes for rows 0, 1, 2, 3 */
    __m512i all = _mm512_add_epi32(_mm512_unpacklo_epi64(ab, cd), _mm512_unpackhi_epi64(ab, cd));
    __m256i lo = _mm512_castsi512_si256(all), hi = _mm512_extracti64x4_epi64(all, 1);
    *even = _mm_add_epi32(_mm256_castsi256_si128(lo), _mm256_extracti128_si256(lo, 1));
    *odd = _mm_add_epi32(_mm256_castsi256_si128(hi), _mm256_extracti128_si256(hi, 1));
}

/*
 * Up to four rows from r with T tokens from t0 (T <= 4), block sums by vpdpbusd: decode, prefills too
 * short for the tiles, and rows the tiles leave over. Each weight pair is expanded once for the T tokens.
 */
static inline __attribute__((always_inline)) void sums_tile(int fmt, const uint8_t *w, int64_t row_bytes,
        int32_t r, int R, int32_t blocks, int32_t t0, int T, const int8_t *xq, const float *xd, float *out,
        int32_t os) {
    const int bytes = fmt == FMT_Q4_0 ? Q4_0_BYTES : Q8_0_BYTES;
    const int64_t cols = 32 * (int64_t) blocks;
    __m128 acc[4];
    for (int t = 0; t < T; t++) {
        acc[t] = _mm_setzero_ps();
    }
    int32_t b = 0;
    for (; b + 2 <= blocks; b += 2) {
        vi wq[4];
        uint16_t h0[4] = {0, 0, 0, 0}, h1[4] = {0, 0, 0, 0};
        for (int k = 0; k < R; k++) {
            const uint8_t *row = w + (int64_t) (r + k) * row_bytes, *blk = row + (int64_t) b * bytes;
            const char *next = stream_ahead(row, (int64_t) b * bytes, row_bytes, R);
            _mm_prefetch(next, _MM_HINT_T0);
            if (fmt == FMT_Q8_0) {
                _mm_prefetch(next + 64, _MM_HINT_T0);
            }
            wq[k] = pair_quants(fmt, blk);
            if (R < 4) {
                h0[k] = half_bits(blk);
                h1[k] = half_bits(blk + bytes);
            }
        }
        __m128 dw0, dw1;
        if (R == 4) {
            /* the four rows' scales of blocks b and b + 1 in one gather each, as halves side by side */
            const int32_t *p = (const int32_t *) (w + (int64_t) r * row_bytes + (int64_t) b * bytes);
            const __m128i idx = _mm_setr_epi32(0, (int) row_bytes, 2 * (int) row_bytes, 3 * (int) row_bytes);
            const __m128i mask = _mm_set1_epi32(0xFFFF);
            __m128i g0 = _mm_and_si128(_mm_i32gather_epi32(p, idx, 1), mask);
            __m128i g1 = _mm_and_si128(_mm_i32gather_epi32((const int32_t *) ((const uint8_t *) p + bytes), idx, 1), mask);
            __m256 both = _mm256_cvtph_ps(_mm_packus_epi32(g0, g1));
            dw0 = _mm256_castps256_ps128(both);
            dw1 = _mm256_extractf128_ps(both, 1);
        } else {
            dw0 = _mm_cvtph_ps(_mm_setr_epi16((short) h0[0], (short) h0[1], (short) h0[2], (short) h0[3], 0, 0, 0, 0));
            dw1 = _mm_cvtph_ps(_mm_setr_epi16((short) h1[0], (short) h1[1], (short) h1[2], (short) h1[3], 0, 0, 0, 0));
        }
        for (int t = 0; t < T; t++) {
            const int8_t *yt = xq + (t0 + t) * cols;
            const float *dt = xd + (int64_t) (t0 + t) * blocks;
            vi y = load_y(yt + 32 * (int64_t) b);
            vi nc = neg_corr(fmt, y);
            vi s[4];
            for (int k = 0; k < 4; k++) {
                s[k] = k < R ? pair_dot(fmt, nc, wq[k], y) : _mm512_setzero_si512();
            }
            __m128i even, odd;
            block_sums4(s[0], s[1], s[2], s[3], &even, &odd);
            acc[t] = _mm_fmadd_ps(_mm_mul_ps(dw0, _mm_set1_ps(dt[b])), _mm_cvtepi32_ps(even), acc[t]);
            acc[t] = _mm_fmadd_ps(_mm_mul_ps(dw1, _mm_set1_ps(dt[b + 1])), _mm_cvtepi32_ps(odd), acc[t]);
        }
    }
    for (int t = 0; t < T; t++) {
        const int8_t *yt = xq + (t0 + t) * cols;
        if (blocks & 1) {
            int32_t sums[4] = {0, 0, 0, 0};
            uint16_t h[4] = {0, 0, 0, 0};
            for (int k = 0; k < R; k++) {
                const uint8_t *blk = w + (int64_t) (r + k) * row_bytes + (int64_t) b * bytes;
                __m256i v = block_dot(fmt, blk, yt + 32 * (int64_t) b);
                __m128i q = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
                q = _mm_add_epi32(q, _mm_shuffle_epi32(q, 0x4E));
                q = _mm_add_epi32(q, _mm_shuffle_epi32(q, 0xB1));
                sums[k] = _mm_cvtsi128_si32(q);
                h[k] = half_bits(blk);
            }
            __m128 dw = _mm_cvtph_ps(_mm_setr_epi16((short) h[0], (short) h[1], (short) h[2], (short) h[3], 0, 0, 0, 0));
            float dx = xd[(int64_t) (t0 + t) * blocks + b];
            acc[t] = _mm_fmadd_ps(_mm_mul_ps(dw, _mm_set1_ps(dx)), _mm_cvtepi32_ps(_mm_loadu_si128((const __m128i *) sums)),
                    acc[t]);
        }
        float res[4];
        _mm_storeu_ps(res, acc[t]);
        for (int k = 0; k < R; k++) {
            out[(int64_t) (t0 + t) * os + r + k] = res[k];
        }
    }
}

/* rows [r, row_end) with tokens [t0, n) by sums_tile: four rows by four tokens, then what is left */
static inline __attribute__((always_inline)) void sums_rows(int fmt, const uint8_t *w, int64_t row_bytes, int32_t r,
        int32_t row_end, int32_t blocks, int32_t t0, int32_t n, const int8_t *xq, const float *xd, float *out,
        int32_t os) {
    for (; r + 4 <= row_end; r += 4) {
        int32_t t = t0;
        for (; t + 4 <= n; t += 4) {
            sums_tile(fmt, w, row_bytes, r, 4, blocks, t, 4, xq, xd, out, os);
        }
        for (; t < n; t++) {
            sums_tile(fmt, w, row_bytes, r, 4, blocks, t, 1, xq, xd, out, os);
        }
    }
    for (; r < row_end; r++) {
        for (int32_t t = t0; t < n; t++) {
            sums_tile(fmt, w, row_bytes, r, 1, blocks, t, 1, xq, xd, out, os);
        }
    }
}

/* the tile registers: 0 the sums (16 tokens x 16 rows of int32), 1 activations (16 x 32 bytes), 2 weights */
typedef struct {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} tile_config;

/*
 * Per-thread scratch (a row tile's weights in the tile layout, their scales, padded activations),
 * kept between calls and freed when the thread ends (a pthread key's destructor), so that worker
 * threads of closed runtimes leave nothing behind. The first 64 bytes hold the usable size.
 */
static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_init(void) {
    pthread_key_create(&scratch_key, free);
}

static uint8_t *scratch(size_t bytes) {
    pthread_once(&scratch_once, scratch_init);
    uint8_t *s = pthread_getspecific(scratch_key);
    if (s == NULL || *(size_t *) s < bytes) {
        free(s);
        size_t size = (bytes + 63) / 64 * 64;
        s = aligned_alloc(64, 64 + size);
        if (s != NULL) {
            *(size_t *) s = size;
        }
        pthread_setspecific(scratch_key, s);
    }
    return s == NULL ? NULL : s + 64;
}

/*
 * 16 rows from r: each block's weights as the tile unit's second operand (8 rows of 16 x 4 bytes:
 * dword k4 of every row side by side, gathered), signed (Q4_0 nibbles minus 8), and their scales.
 */
static inline __attribute__((always_inline)) void pack_rows(int fmt, const uint8_t *w, int64_t row_bytes,
        int32_t r, int32_t blocks, uint8_t *wb, float *dw) {
    const int bytes = fmt == FMT_Q4_0 ? Q4_0_BYTES : Q8_0_BYTES;
    const __m512i idx = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
            _mm512_set1_epi32((int) row_bytes));
    const __m512i low = _mm512_set1_epi8(0x0F), eight = _mm512_set1_epi8(8);
    for (int32_t b = 0; b < blocks; b++) {
        const uint8_t *p = w + (int64_t) r * row_bytes + (int64_t) b * bytes;
        /* 16 row streams are more than the hardware prefetcher follows */
        for (int m = 0; m < 16; m++) {
            const uint8_t *row = w + (int64_t) (r + m) * row_bytes;
            _mm_prefetch(stream_ahead(row, (int64_t) b * bytes, row_bytes, 16), _MM_HINT_T0);
        }
        __m512i h = _mm512_i32gather_epi32(idx, (const void *) p, 1);
        _mm512_store_ps(dw + 16 * (int64_t) b, _mm512_cvtph_ps(_mm512_cvtepi32_epi16(h)));
        __m512i *dst = (__m512i *) (wb + 512 * (int64_t) b);
        if (fmt == FMT_Q4_0) {
            for (int j = 0; j < 4; j++) {
                __m512i g = _mm512_i32gather_epi32(idx, (const void *) (p + 2 + 4 * j), 1);
                _mm512_store_si512(dst + j, _mm512_sub_epi8(_mm512_and_si512(g, low), eight));
                _mm512_store_si512(dst + j + 4, _mm512_sub_epi8(_mm512_and_si512(_mm512_srli_epi32(g, 4), low), eight));
            }
        } else {
            for (int j = 0; j < 8; j++) {
                _mm512_store_si512(dst + j, _mm512_i32gather_epi32(idx, (const void *) (p + 2 + 4 * j), 1));
            }
        }
    }
}

/* 16 packed rows from r times 16 tokens (activation rows x with stride xs bytes, scales d with stride blocks) */
static inline __attribute__((always_inline)) void amx_tile(const uint8_t *wb, const float *dw, int32_t blocks,
        const int8_t *x, int64_t xs, const float *d, int32_t tokens, int32_t t0, int32_t r, float *out, int32_t os) {
    __m512 acc[16];
    int32_t sums[16 * 16] __attribute__((aligned(64)));
    for (int m = 0; m < 16; m++) {
        acc[m] = _mm512_setzero_ps();
    }
    for (int32_t b = 0; b < blocks; b++) {
        _tile_zero(0);
        _tile_loadd(1, x + 32 * (int64_t) b, xs);
        _tile_loadd(2, wb + 512 * (int64_t) b, 64);
        _tile_dpbssd(0, 1, 2);
        _tile_stored(0, sums, 64);
        __m512 dwb = _mm512_load_ps(dw + 16 * (int64_t) b);
        for (int m = 0; m < 16; m++) {
            __m512 scale = _mm512_mul_ps(dwb, _mm512_set1_ps(d[(int64_t) m * blocks + b]));
            acc[m] = _mm512_fmadd_ps(scale, _mm512_cvtepi32_ps(_mm512_load_si512(sums + 16 * m)), acc[m]);
        }
    }
    for (int m = 0; m < tokens; m++) {
        _mm512_storeu_ps(out + (int64_t) (t0 + m) * os + r, acc[m]);
    }
}

/* fewer tokens go through sums_tile: a tile of 16 tokens is mostly padding then */
#ifndef AMX_MIN_TOKENS
#define AMX_MIN_TOKENS 4
#endif

static void amx_rows(int fmt, const uint8_t *w, int64_t row_bytes, int32_t row_start, int32_t row_end,
        int32_t blocks, int32_t n, const int8_t *xq, const float *xd, float *out, int32_t os) {
    const int64_t cols = 32 * (int64_t) blocks;
    int32_t r = row_start;
    if (n >= AMX_MIN_TOKENS && row_end - row_start >= 16 && row_bytes < (1 << 26)) {
        /* weights of a row tile, their scales, and the last partial token tile padded with zeros */
        uint8_t *base = scratch(512 * (size_t) blocks + 64 * (size_t) blocks + 16 * (size_t) cols + 64 * (size_t) blocks);
        if (base != NULL) {
            uint8_t *wb = base;
            float *dw = (float *) (wb + 512 * (size_t) blocks);
            int8_t *xpad = (int8_t *) (dw + 16 * (size_t) blocks);
            float *dpad = (float *) (xpad + 16 * cols);
            int32_t full = n / 16 * 16, rest = n - full;
            if (rest > 0) {
                memset(xpad, 0, 16 * cols);
                memset(dpad, 0, 64 * (size_t) blocks);
                memcpy(xpad, xq + full * cols, rest * cols);
                memcpy(dpad, xd + (int64_t) full * blocks, 4 * (size_t) rest * blocks);
            }
            tile_config cfg;
            memset(&cfg, 0, sizeof cfg);
            cfg.palette = 1;
            cfg.rows[0] = 16;
            cfg.colsb[0] = 64;
            cfg.rows[1] = 16;
            cfg.colsb[1] = 32;
            cfg.rows[2] = 8;
            cfg.colsb[2] = 64;
            _tile_loadconfig(&cfg);
            for (; r + 16 <= row_end; r += 16) {
                pack_rows(fmt, w, row_bytes, r, blocks, wb, dw);
                for (int32_t t = 0; t < full; t += 16) {
                    amx_tile(wb, dw, blocks, xq + t * cols, cols, xd + (int64_t) t * blocks, 16, t, r, out, os);
                }
                if (rest > 0) {
                    amx_tile(wb, dw, blocks, xpad, cols, dpad, rest, full, r, out, os);
                }
            }
            _tile_release();
        }
    }
    sums_rows(fmt, w, row_bytes, r, row_end, blocks, 0, n, xq, xd, out, os);
}
#define ROWS_Q4_0_Q8_0 amx_rows
#else
#define ROWS_Q4_0_Q8_0 rows_0
#endif

void jinfer_q4_0(const uint8_t *w, int64_t row_bytes, int32_t row_start, int32_t row_end, int32_t blocks,
        int32_t n, const int8_t *xq, const float *xd, float *out, int32_t out_stride) {
    ROWS_Q4_0_Q8_0(FMT_Q4_0, w, row_bytes, row_start, row_end, blocks, n, xq, xd, out, out_stride);
}

void jinfer_q8_0(const uint8_t *w, int64_t row_bytes, int32_t row_start, int32_t row_end, int32_t blocks,
        int32_t n, const int8_t *xq, const float *xd, float *out, int32_t out_stride) {
    ROWS_Q4_0_Q8_0(FMT_Q8_0, w, row_bytes, row_start, row_end, blocks, n, xq, xd, out, out_stride);
}

/*
 * Quantises blocks of 32 floats to 8 bits, exactly as Q8Activations does in Java:
 * d = max|x| / 127, q = rint(x * (1/d)) kept in [-127, 127] (q = 0 where d = 0).
 * Rounding is the CPU's default, to nearest even.
 */
void jinfer_quantize_q8(const float *x, int64_t blocks, int8_t *xq, float *xd) {
    for (int64_t b = 0; b < blocks; b++) {
        const float *p = x + 32 * b;
        __m256 m = _mm256_setzero_ps();
        const __m256 abs = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
        for (int i = 0; i < 32; i += 8) {
            m = _mm256_max_ps(m, _mm256_and_ps(_mm256_loadu_ps(p + i), abs));
        }
        float a[8];
        _mm256_storeu_ps(a, m);
        float amax = 0;
        for (int i = 0; i < 8; i++) {
            amax = a[i] > amax ? a[i] : amax;
        }
        float d = amax / 127;
        float id = d == 0 ? 0 : 1 / d;
        xd[b] = d;
        __m256 vid = _mm256_set1_ps(id);
        __m256i lim = _mm256_set1_epi32(127);
        __m256i nlim = _mm256_set1_epi32(-127);
        int32_t q[32];
        for (int i = 0; i < 32; i += 8) {
            __m256i v = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(p + i), vid));
            v = _mm256_max_epi32(_mm256_min_epi32(v, lim), nlim);
            _mm256_storeu_si256((__m256i *) (q + i), v);
        }
        for (int i = 0; i < 32; i++) {
            xq[32 * b + i] = (int8_t) q[i];
        }
    }
}

/*
 * Q2_K with float activations: each 32-value sub-block is expanded to floats exactly as the
 * reference dequantiser does ((d*sc)*q - dmin*m) and multiplied with the activations by fma. 8-bit activations for K-quants (llama.cpp's Q8_K) moved jinfer's logits away
 * from llama.cpp's on the golden files (its own activation rounding is noise that cannot be
 * matched); Q3_K, Q4_K, Q5_K and Q6_K take 16-bit ones further down (Q2_K's minimums per 16 values
 * would need sums per 16 activations; it stays here).
 *
 * Per (row, token): acc lanes (16 in the AVX-512 variant, 8 in the AVX2 one) accumulate with fma
 * over the row's values in order, then a fixed-order lane sum; the same for any n and tiling.
 * Here xq points at the float activations (token t at t * cols) and xd is unused.
 */
#define Q2_K_BYTES 84
#define Q3_K_BYTES 110
#define Q4_K_BYTES 144
#define Q5_K_BYTES 176
#define Q6_K_BYTES 210
#define K_TOKENS 8

/*
 * The tile walk shared by the float-activation kernels over rows [row_start, row_end) and n tokens:
 * decode takes DECODE_ROWS rows at a time, prefill on AVX-512 two rows by TOKENS tokens (16
 * accumulators in registers), and what is left one row at a time, TOKENS tokens then single tokens.
 * TILE(r, R, t0, T) is the kernel's tile for R rows from r and T tokens from t0 (R and T constant
 * where it is inlined). Every (row, token) result takes the same operations in any tile.
 */
#ifdef JINFER_VNNI
#define PREFILL_PAIRS(row_end, n, TOKENS, TILE)                                                               \
    if ((n) >= (TOKENS)) {                                                                                    \
        for (; r + 2 <= (row_end); r += 2) {                                                                  \
            int32_t t = 0;                                                                                    \
            for (; t + (TOKENS) <= (n); t += (TOKENS)) {                                                      \
                TILE(r, 2, t, (TOKENS));                                                                      \
            }                                                                                                 \
            for (; t < (n); t++) {                                                                            \
                TILE(r, 2, t, 1);                                                                             \
            }                                                                                                 \
        }                                                                                                     \
    }
#else
#define PREFILL_PAIRS(row_end, n, TOKENS, TILE)
#endif
#define WALK_TILES(row_start, row_end, n, DECODE_ROWS, TOKENS, TILE)                                          \
    do {                                                                                                      \
        int32_t r = (row_start);                                                                              \
        if ((n) == 1) {                                                                                       \
            for (; r + (DECODE_ROWS) <= (row_end); r += (DECODE_ROWS)) {                                      \
                TILE(r, (DECODE_ROWS), 0, 1);                                                                 \
            }                                                                                                 \
        }                                                                                                     \
        PREFILL_PAIRS(row_end, n, TOKENS, TILE)                                                               \
        for (; r < (row_end); r++) {                                                                          \
            int32_t t = 0;                                                                                    \
            for (; t + (TOKENS) <= (n); t += (TOKENS)) {                                                      \
                TILE(r, 1, t, (TOKENS));                                                                      \
            }                                                                                                 \
            for (; t < (n); t++) {                                                                            \
                TILE(r, 1, t, 1);                                                                             \
            }                                                                                                 \
        }                                                                                                     \
    } while (0)

enum { K_Q2, K_Q3, K_Q4, K_Q5, K_Q6 };

static inline int k_bytes(int fmt) {
    switch (fmt) {
        case K_Q2: return Q2_K_BYTES;
        case K_Q3: return Q3_K_BYTES;
        case K_Q4: return Q4_K_BYTES;
        case K_Q5: return Q5_K_BYTES;
        default: return Q6_K_BYTES;
    }
}

/* the 2-bit fields of sub-block sub (Q2_K, Q3_K: 64 bytes, four fields per byte, 32 values per field) */
static inline __m256i k_two_bits(const uint8_t *qs, int sub) {
    __m256i raw = _mm256_loadu_si256((const __m256i *) (qs + 32 * (sub / 4)));
    return _mm256_and_si256(_mm256_srli_epi16(raw, 2 * (sub % 4)), _mm256_set1_epi8(3));
}

/* the 32 quants of sub-block sub (values 32 sub .. 32 sub + 31) of a Q2_K super-block, 0..3 */
static inline __m256i k_quants(const uint8_t *blk, int sub) {
    return k_two_bits(blk + 16, sub);
}

/* Q3_K's 6-bit scale j (0..15), still biased by 32 */
static inline int q3k_scale(const uint8_t *scales, int j) {
    int lo = j < 8 ? scales[j] & 0xF : scales[j - 8] >> 4;
    int hi = (scales[8 + j % 4] >> (2 * (j / 4))) & 3;
    return lo | (hi << 4);
}

/*
 * The factors of a Q2_K super-block: value i of 16-value group h = i / 16 is f[h] * q - off[h], the
 * same products the reference dequantiser computes ((d * sc) * q - dmin * m), with d and dmin
 * converted once per super-block.
 */
static inline __attribute__((always_inline)) void k_super_factors(const uint8_t *blk, float *f, float *off) {
    float d = half(blk + 80), dmin = half(blk + 82);
    for (int j = 0; j < 16; j++) {
        f[j] = d * (float) (blk[j] & 0xF);
        off[j] = dmin * (float) (blk[j] >> 4);
    }
}

#ifdef JINFER_VNNI
typedef __m512 kv; /* 16 floats */
#define K_LANES 16
static inline kv k_expand(__m128i q16, float f, float off) {
    __m512 q = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q16));
    return _mm512_sub_ps(_mm512_mul_ps(_mm512_set1_ps(f), q), _mm512_set1_ps(off));
}
static inline kv k_fma(kv w, const float *x, kv acc) { return _mm512_fmadd_ps(w, _mm512_loadu_ps(x), acc); }
static inline kv k_zero(void) { return _mm512_setzero_ps(); }
static inline float k_sum(kv a) {
    __m256 lo = _mm512_castps512_ps256(a);
    __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(a), 1));
    return hsum(_mm256_add_ps(lo, hi));
}
#else
typedef struct { __m256 a, b; } kv; /* 16 floats as two halves */
#define K_LANES 16
static inline kv k_expand(__m128i q16, float f, float off) {
    __m256 qa = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q16));
    __m256 qb = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(q16, 8)));
    kv v = {_mm256_sub_ps(_mm256_mul_ps(_mm256_set1_ps(f), qa), _mm256_set1_ps(off)),
            _mm256_sub_ps(_mm256_mul_ps(_mm256_set1_ps(f), qb), _mm256_set1_ps(off))};
    return v;
}
static inline kv k_fma(kv w, const float *x, kv acc) {
    kv v = {_mm256_fmadd_ps(w.a, _mm256_loadu_ps(x), acc.a), _mm256_fmadd_ps(w.b, _mm256_loadu_ps(x + 8), acc.b)};
    return v;
}
static inline kv k_zero(void) { kv v = {_mm256_setzero_ps(), _mm256_setzero_ps()}; return v; }
static inline float k_sum(kv a) { return hsum(_mm256_add_ps(a.a, a.b)); }
#endif

/*
 * R rows from r times T tokens from t0 (R, T constants where inlined): each sub-block expanded once
 * for the T tokens. Decode could take K_ROWS rows at a time, but unlike the 4-bit table formats these
 * kernels are bound by the expansion's instructions, not by the fma chain's latency (measured while
 * Q4_K and Q6_K still took this path): one core, 2048 x
 * 2048 from L2, Q4_K 9.9 / 8.9 / 9.3 GMAC/s and Q6_K 7.8 / 7.7 / 7.5 with 1 / 2 / 4 rows, so one.
 * Prefill on AVX-512 takes two rows by K_TOKENS tokens (16 accumulators: each activation load feeds
 * two fmas): one core, 2048 x 2048, n = 16, GMAC/s one row -> two: Q4_K 34.6 -> 39.4, Q6_K 27.5 ->
 * 34.3, MXFP4 35.9 -> 48.7, NVFP4 34.3 -> 42.5 (the same change in the table, F16/BF16 and FP8
 * kernels). AVX2 has too few registers for it and keeps one row.
 */
static inline __attribute__((always_inline)) void k_tile(int fmt, const uint8_t *w, int64_t row_bytes, int32_t r,
        int R, int32_t blocks, int32_t t0, int T, const float *x, float *out, int32_t os) {
    const int bytes = k_bytes(fmt);
    const int64_t cols = 32 * (int64_t) blocks;
    kv acc[GROUP][K_TOKENS];
    float f[GROUP][16], off[GROUP][16];
    for (int k = 0; k < R; k++) {
        for (int t = 0; t < T; t++) {
            acc[k][t] = k_zero();
        }
    }
    for (int32_t sb = 0; sb < blocks / 8; sb++) {
        for (int k = 0; k < R; k++) {
            const uint8_t *blk = w + (int64_t) (r + k) * row_bytes + (int64_t) sb * bytes;
            const char *next = stream_ahead(w + (int64_t) (r + k) * row_bytes, (int64_t) sb * bytes, row_bytes, R);
            _mm_prefetch(next, _MM_HINT_T0);
            _mm_prefetch(next + 64, _MM_HINT_T0);
            _mm_prefetch(next + 128, _MM_HINT_T0);
            k_super_factors(blk, f[k], off[k]);
        }
        for (int sub = 0; sub < 8; sub++) {
            int64_t at = 256 * (int64_t) sb + 32 * sub;
            for (int k = 0; k < R; k++) {
                const uint8_t *blk = w + (int64_t) (r + k) * row_bytes + (int64_t) sb * bytes;
                __m256i q = k_quants(blk, sub);
                kv w0 = k_expand(_mm256_castsi256_si128(q), f[k][2 * sub], off[k][2 * sub]);
                kv w1 = k_expand(_mm256_extracti128_si256(q, 1), f[k][2 * sub + 1], off[k][2 * sub + 1]);
                for (int t = 0; t < T; t++) {
                    const float *xt = x + (t0 + t) * cols + at;
                    acc[k][t] = k_fma(w0, xt, acc[k][t]);
                    acc[k][t] = k_fma(w1, xt + 16, acc[k][t]);
                }
            }
        }
    }
    for (int k = 0; k < R; k++) {
        for (int t = 0; t < T; t++) {
            out[(int64_t) (t0 + t) * os + r + k] = k_sum(acc[k][t]);
        }
    }
}

#ifndef K_ROWS
#define K_ROWS 1
#endif

static inline __attribute__((always_inline)) void k_rows(int fmt, const uint8_t *w, int64_t row_bytes,
        int32_t row_start, int32_t row_end, int32_t blocks, int32_t n, const float *x, float *out, int32_t os) {
#define K_TILE(r, R, t0, T) k_tile(fmt, w, row_bytes, r, R, blocks, t0, T, x, out, os)
    WALK_TILES(row_start, row_end, n, K_ROWS, K_TOKENS, K_TILE);
#undef K_TILE
}

#define K_KERNEL(name, fmt)                                                                                    \
    void name(const uint8_t *w, int64_t row_bytes, int32_t row_start, int32_t row_end, int32_t blocks,       \
            int32_t n, const int8_t *xq, const float *xd, float *out, int32_t os) {                           \
        (void) xd;                                                                                             \
        k_rows(fmt, w, row_bytes, row_start, row_end, blocks, n, (const float *) xq, out, os);                \
    }
K_KERNEL(jinfer_q2_k, K_Q2)

/*
 * Q3_K, Q4_K, Q5_K and Q6_K with 16-bit activations. The activations of each super-block of 256 values are
 * quantised to int16 with one float scale (da = max|x| / 32767, a = rint(x / da) in [-32767, 32767]:
 * 256 times finer than llama.cpp's Q8_K, so the golden comparisons stay where float activations put
 * them) and the sum of each 32-value sub-block (bsum). Each weight times its sub-block scale, sc * q,
 * fits int16 (Q3_K |.| <= 128, Q4_K <= 945, Q5_K <= 1953, Q6_K |.| <= 4096), so a super-block's products are exact
 * int32 sums of word pairs (vpdpwssd, or vpmaddwd on AVX2): 32 products per instruction instead of
 * 16 fmas on floats, and the sub-block scales are applied in integers.
 *
 * Per (row, token), 16 int32 lanes L, lane l summing words 2l and 2l + 1 of every 32-value vector of
 * the super-block (the largest lane sum, 16 products of 4096 * 32767, still fits int32), then
 *     F[l] = fma((float) L[l], d * da, F[l])                      over the super-blocks in order
 *     M[j] = fma((float) (m_j * bsum_j), dmin * da, M[j])           (Q4_K, Q5_K: the minimums, j < 8)
 *     result = lanesum(F) - hsum(M)                                  (the k_sum and hsum lane orders)
 * the same for any n and tiling, emulated in Java by NativeMatmulTest.emulate16.
 *
 * Layouts: token t's int16 values at xq + 2 * t * cols bytes; its scales at xd[t * sbs] (sbs = cols /
 * 256) and, after all n tokens' scales, its sub-block sums as int32 at ((int32_t *) (xd + n * sbs))[t * 8 * sbs].
 */
#define Q16_MAX 32767

void jinfer_quantize_q16(const float *x, int64_t superblocks, int16_t *xq, float *xd, int32_t *bsums) {
    const __m256 abs = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
    for (int64_t b = 0; b < superblocks; b++) {
        const float *p = x + 256 * b;
        __m256 m = _mm256_setzero_ps();
        for (int i = 0; i < 256; i += 8) {
            m = _mm256_max_ps(m, _mm256_and_ps(_mm256_loadu_ps(p + i), abs));
        }
        float a[8];
        _mm256_storeu_ps(a, m);
        float amax = 0;
        for (int i = 0; i < 8; i++) {
            amax = a[i] > amax ? a[i] : amax;
        }
        float d = amax / Q16_MAX;
        float id = d == 0 ? 0 : 1 / d;
        xd[b] = d;
        __m256 vid = _mm256_set1_ps(id);
        __m256i lim = _mm256_set1_epi32(Q16_MAX);
        __m256i nlim = _mm256_set1_epi32(-Q16_MAX);
        for (int sub = 0; sub < 8; sub++) {
            __m256i sum = _mm256_setzero_si256();
            for (int i = 32 * sub; i < 32 * sub + 32; i += 16) {
                __m256i v0 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(p + i), vid));
                __m256i v1 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(p + i + 8), vid));
                v0 = _mm256_max_epi32(_mm256_min_epi32(v0, lim), nlim);
                v1 = _mm256_max_epi32(_mm256_min_epi32(v1, lim), nlim);
                sum = _mm256_add_epi32(sum, _mm256_add_epi32(v0, v1));
                /* packs interleaves 128-bit halves; the permute puts the 16 words back in order */
                __m256i w = _mm256_permute4x64_epi64(_mm256_packs_epi32(v0, v1), 0xD8);
                _mm256_storeu_si256((__m256i *) (xq + 256 * b + i), w);
            }
            __m128i s = _mm_add_epi32(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
            s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
            s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
            bsums[8 * b + sub] = _mm_cvtsi128_si32(s);
        }
    }
}

#ifdef JINFER_VNNI
typedef __m512i wv; /* 32 int16 in value order */
typedef __m512i lv; /* 16 int32 lanes, lane l from words 2l and 2l + 1 */
static inline wv w_bytes(const uint8_t *p) { return _mm512_cvtepu8_epi16(_mm256_loadu_si256((const __m256i *) p)); }
static inline wv w_and(wv a, int m) { return _mm512_and_si512(a, _mm512_set1_epi16((short) m)); }
static inline wv w_or(wv a, wv b) { return _mm512_or_si512(a, b); }
static inline wv w_srl(wv a, int n) { return _mm512_srli_epi16(a, n); }
static inline wv w_sll(wv a, int n) { return _mm512_slli_epi16(a, n); }
static inline wv w_sub(wv a, int v) { return _mm512_sub_epi16(a, _mm512_set1_epi16((short) v)); }
static inline wv w_scale1(wv a, int s) { return _mm512_mullo_epi16(a, _mm512_set1_epi16((short) s)); }
/* words 0..15 times s0, 16..31 times s1 */
static inline wv w_scale2(wv a, int s0, int s1) {
    return _mm512_mullo_epi16(a, _mm512_mask_set1_epi16(_mm512_set1_epi16((short) s0), 0xFFFF0000u, (short) s1));
}
static inline lv l_zero(void) { return _mm512_setzero_si512(); }
static inline lv l_dot(lv acc, wv w, const int16_t *x) {
    return _mm512_dpwssd_epi32(acc, w, _mm512_loadu_si512((const void *) x));
}
static inline kv l_fma(lv l, float f, kv acc) { return _mm512_fmadd_ps(_mm512_cvtepi32_ps(l), _mm512_set1_ps(f), acc); }
#else
typedef struct { __m256i a, b; } wv;
typedef struct { __m256i a, b; } lv;
static inline wv w_bytes(const uint8_t *p) {
    wv v = {_mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *) p)),
            _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *) (p + 16)))};
    return v;
}
static inline wv w_and(wv a, int m) {
    __m256i k = _mm256_set1_epi16((short) m);
    wv v = {_mm256_and_si256(a.a, k), _mm256_and_si256(a.b, k)};
    return v;
}
static inline wv w_or(wv a, wv b) { wv v = {_mm256_or_si256(a.a, b.a), _mm256_or_si256(a.b, b.b)}; return v; }
static inline wv w_srl(wv a, int n) { wv v = {_mm256_srli_epi16(a.a, n), _mm256_srli_epi16(a.b, n)}; return v; }
static inline wv w_sll(wv a, int n) { wv v = {_mm256_slli_epi16(a.a, n), _mm256_slli_epi16(a.b, n)}; return v; }
static inline wv w_sub(wv a, int s) {
    __m256i k = _mm256_set1_epi16((short) s);
    wv v = {_mm256_sub_epi16(a.a, k), _mm256_sub_epi16(a.b, k)};
    return v;
}
static inline wv w_scale1(wv a, int s) {
    __m256i k = _mm256_set1_epi16((short) s);
    wv v = {_mm256_mullo_epi16(a.a, k), _mm256_mullo_epi16(a.b, k)};
    return v;
}
static inline wv w_scale2(wv a, int s0, int s1) {
    wv v = {_mm256_mullo_epi16(a.a, _mm256_set1_epi16((short) s0)), _mm256_mullo_epi16(a.b, _mm256_set1_epi16((short) s1))};
    return v;
}
static inline lv l_zero(void) { lv v = {_mm256_setzero_si256(), _mm256_setzero_si256()}; return v; }
static inline lv l_dot(lv acc, wv w, const int16_t *x) {
    lv v = {_mm256_add_epi32(acc.a, _mm256_madd_epi16(w.a, _mm256_loadu_si256((const __m256i *) x))),
            _mm256_add_epi32(acc.b, _mm256_madd_epi16(w.b, _mm256_loadu_si256((const __m256i *) (x + 16))))};
    return v;
}
static inline kv l_fma(lv l, float f, kv acc) {
    __m256 k = _mm256_set1_ps(f);
    kv v = {_mm256_fmadd_ps(_mm256_cvtepi32_ps(l.a), k, acc.a), _mm256_fmadd_ps(_mm256_cvtepi32_ps(l.b), k, acc.b)};
    return v;
}
#endif

/* Q4_K / Q5_K packed 6-bit scales and minimums of the 8 sub-blocks, as bytes */
static inline void k4_scales(const uint8_t *q, uint8_t sc[8], uint8_t m[8]) {
    uint32_t u0, u1, u2;
    memcpy(&u0, q, 4);
    memcpy(&u1, q + 4, 4);
    memcpy(&u2, q + 8, 4);
    uint32_t s[2] = {u0 & 0x3F3F3F3Fu, (u2 & 0x0F0F0F0Fu) | (((u0 >> 6) & 0x03030303u) << 4)};
    uint32_t n[2] = {u1 & 0x3F3F3F3Fu, ((u2 >> 4) & 0x0F0F0F0Fu) | (((u1 >> 6) & 0x03030303u) << 4)};
    memcpy(sc, s, 8);
    memcpy(m, n, 8);
}

#ifndef K16_TOKENS
#define K16_TOKENS 8
#endif
#ifndef K16_ROWS
#define K16_ROWS 1
#endif

/*
 * R rows from r times T tokens from t0: each 32-value vector of weights (times its scales) is
 * expanded once for the T tokens.
 */
static inline __attribute__((always_inline)) void k16_tile(int fmt, const uint8_t *w, int64_t row_bytes, int32_t r,
        int R, int32_t blocks, int32_t t0, int T, const int16_t *x, const float *xd, const int32_t *bsums,
        float *out, int32_t os) {
    const int bytes = k_bytes(fmt);
    const int64_t cols = 32 * (int64_t) blocks;
    const int32_t sbs = blocks / 8;
    kv facc[GROUP][K16_TOKENS];
    __m256 macc[GROUP][K16_TOKENS];
    for (int k = 0; k < R; k++) {
        for (int t = 0; t < T; t++) {
            facc[k][t] = k_zero();
            macc[k][t] = _mm256_setzero_ps();
        }
    }
    for (int32_t sb = 0; sb < sbs; sb++) {
        lv acc[GROUP][K16_TOKENS];
        for (int k = 0; k < R; k++) {
            const uint8_t *blk = w + (int64_t) (r + k) * row_bytes + (int64_t) sb * bytes;
            const char *next = stream_ahead(w + (int64_t) (r + k) * row_bytes, (int64_t) sb * bytes, row_bytes, R);
            _mm_prefetch(next, _MM_HINT_T0);
            _mm_prefetch(next + 64, _MM_HINT_T0);
            _mm_prefetch(next + 128, _MM_HINT_T0);
            for (int t = 0; t < T; t++) {
                acc[k][t] = l_zero();
            }
            const int16_t *xs = x + (int64_t) t0 * cols + 256 * (int64_t) sb;
            if (fmt == K_Q3) {
                /* q = two low bits | the hmask bit << 2, minus 4; 6-bit scales biased by 32, one per 16 values */
                wv hm = w_bytes(blk);
                for (int sub = 0; sub < 8; sub++) {
                    wv low = w_and(w_srl(w_bytes(blk + 32 + 32 * (sub / 4)), 2 * (sub % 4)), 3);
                    wv q = w_sub(w_or(low, w_sll(w_and(w_srl(hm, sub), 1), 2)), 4);
                    q = w_scale2(q, q3k_scale(blk + 96, 2 * sub) - 32, q3k_scale(blk + 96, 2 * sub + 1) - 32);
                    for (int t = 0; t < T; t++) {
                        acc[k][t] = l_dot(acc[k][t], q, xs + t * cols + 32 * sub);
                    }
                }
            } else if (fmt == K_Q6) {
                const int8_t *sc = (const int8_t *) (blk + 192);
                for (int h = 0; h < 2; h++) {
                    const uint8_t *ql = blk + 64 * h, *qh = blk + 128 + 32 * h;
                    wv l0 = w_bytes(ql), l1 = w_bytes(ql + 32), hb = w_bytes(qh);
                    wv v[4] = {w_or(w_and(l0, 0xF), w_and(w_sll(hb, 4), 0x30)),
                               w_or(w_and(l1, 0xF), w_and(w_sll(hb, 2), 0x30)),
                               w_or(w_srl(l0, 4), w_and(hb, 0x30)),
                               w_or(w_srl(l1, 4), w_and(w_srl(hb, 2), 0x30))};
                    for (int j = 0; j < 4; j++) {
                        int s = 8 * h + 2 * j;
                        wv q = w_scale2(w_sub(v[j], 32), sc[s], sc[s + 1]);
                        for (int t = 0; t < T; t++) {
                            acc[k][t] = l_dot(acc[k][t], q, xs + t * cols + 128 * h + 32 * j);
                        }
                    }
                }
            } else {
                uint8_t sc[8], mn[8];
                k4_scales(blk + 4, sc, mn);
                const uint8_t *qs = blk + (fmt == K_Q4 ? 16 : 48);
                wv hb;
                if (fmt == K_Q5) {
                    hb = w_bytes(blk + 16);
                }
                for (int pair = 0; pair < 4; pair++) {
                    wv raw = w_bytes(qs + 32 * pair);
                    wv lo = w_and(raw, 0xF), hi = w_srl(raw, 4);
                    if (fmt == K_Q5) {
                        /* bit 2 pair of hb is the fifth bit of sub-block 2 pair, bit 2 pair + 1 of the next */
                        int b = 2 * pair;
                        lo = w_or(lo, w_and(b <= 4 ? w_sll(hb, 4 - b) : w_srl(hb, b - 4), 0x10));
                        hi = w_or(hi, w_and(b + 1 <= 4 ? w_sll(hb, 3 - b) : w_srl(hb, b - 3), 0x10));
                    }
                    lo = w_scale1(lo, sc[2 * pair]);
                    hi = w_scale1(hi, sc[2 * pair + 1]);
                    for (int t = 0; t < T; t++) {
                        acc[k][t] = l_dot(acc[k][t], lo, xs + t * cols + 64 * pair);
                        acc[k][t] = l_dot(acc[k][t], hi, xs + t * cols + 64 * pair + 32);
                    }
                }
                /* m_j * bsum_j in 8 lanes, exact (63 * 32 * 32767 < 2^31); summed once at the end */
                float dmin = half(blk + 2);
                __m256i m32 = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *) mn));
                for (int t = 0; t < T; t++) {
                    int64_t at = (int64_t) (t0 + t) * sbs + sb;
                    __m256i p = _mm256_mullo_epi32(m32, _mm256_loadu_si256((const __m256i *) (bsums + 8 * at)));
                    macc[k][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_set1_ps(dmin * xd[at]), macc[k][t]);
                }
            }
            float d = half(blk + (fmt == K_Q6 ? 208 : fmt == K_Q3 ? 108 : 0));
            for (int t = 0; t < T; t++) {
                facc[k][t] = l_fma(acc[k][t], d * xd[(int64_t) (t0 + t) * sbs + sb], facc[k][t]);
            }
        }
    }
    for (int k = 0; k < R; k++) {
        for (int t = 0; t < T; t++) {
            out[(int64_t) (t0 + t) * os + r + k] = k_sum(facc[k][t]) - hsum(macc[k][t]);
        }
    }
}

static inline __attribute__((always_inline)) void k16_rows(int fmt, const uint8_t *w, int64_t row_bytes,
        int32_t row_start, int32_t row_end, int32_t blocks, int32_t n, const int16_t *x, const float *xd,
        float *out, int32_t os) {
    const int32_t *bsums = (const int32_t *) (xd + (int64_t) n * (blocks / 8));
#define K16_TILE(r, R, t0, T) k16_tile(fmt, w, row_bytes, r, R, blocks, t0, T, x, xd, bsums, out, os)
    WALK_TILES(row_start, row_end, n, K16_ROWS, K16_TOKENS, K16_TILE);
#undef K16_TILE
}

#define K16_KERNEL(name, fmt)                                                                                  \
    void name(const uint8_t *w, int64_t row_bytes, int32_t row_start, int32_t row_end, int32_t blocks,       \
            int32_t n, const int8_t *xq, const float *xd, float *out, int32_t os) {                           \
        k16_rows(fmt, w, row_bytes, row_start, row_end, blocks, n, (const int16_t *) xq, xd, out, os);        \
    }
K16_KERNEL(jinfer_q3_k, K_Q3)
K16_KERNEL(jinfer_q4_k, K_Q4)
K16_KERNEL(jinfer_q5_k, K_Q5)
K16_KERNEL(jinfer_q6_k, K_Q6)

/*
 * Formats whose 4-bit codes index a table of 16 levels (IQ4_NL, IQ4_XS, MXFP4, NVFP4), with float
 * activations: each code is expanded to level * scale (the one product the reference dequantiser
 * computes) and multiplied with the activations by fma, accumulated per (row, token) exactly as the
 * K-quant kernels above (16 lanes in column order, then the same fixed lane sum). The AVX-512 variant
 * looks the expanded values up in a table of the 16 products (vpermps); the AVX2 one looks the
 * levels up with pshufb and multiplies: the same products, so both variants give identical results.
 */
#define IQ4_NL_BYTES 18
#define IQ4_XS_BYTES 136
#define MXFP4_BYTES 17
#define NVFP4_BYTES 36

enum { NL_IQ4_NL, NL_IQ4_XS, NL_MXFP4, NL_NVFP4 };

static const int8_t IQ4_LEVELS[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
/* E2M1 values doubled (0, 0.5, 1, 1.5, 2, 3, 4, 6 and their negatives), as ggml multiplies them */
static const int8_t E2M1_DOUBLED[16] = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};

/* E8M0 scale halved, 2^(e - 128), and UE4M3 scale halved (0 and 0x7F read as 0), by code */
static float E8M0_HALF[256];
static float UE4M3_HALF[256];

__attribute__((constructor)) static void init_scale_tables(void) {
    for (int e = 0; e < 256; e++) {
        /* 2^(e - 128) built from its bits: normal for e >= 2, subnormal 2^-127 and 2^-128 below */
        uint32_t bits = e >= 2 ? (uint32_t) (e - 1) << 23 : (e == 1 ? 0x00400000u : 0x00200000u);
        memcpy(&E8M0_HALF[e], &bits, 4);
        /* bit 7 is not part of the encoding; only 0x7F is NaN (read as 0), 0xFF is 480 as in ggml */
        int c = e, exp = (c >> 3) & 0xF, man = c & 7;
        float v;
        if (c == 0 || c == 0x7F) {
            v = 0;
        } else if (exp == 0) {
            v = (float) man / 512.0f;
        } else {
            v = (1.0f + (float) man / 8.0f) * (exp >= 7 ? (float) (1 << (exp - 7)) : 1.0f / (float) (1 << (7 - exp)));
        }
        UE4M3_HALF[e] = v * 0.5f;
    }
}

#ifdef JINFER_VNNI
typedef struct { __m512 f; } nl_base;
typedef __m512 nl_table;
static inline nl_base nl_levels(const int8_t *levels) {
    nl_base b = {_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *) levels)))};
    return b;
}
static inline nl_table nl_scaled(nl_base b, float scale) { return _mm512_mul_ps(b.f, _mm512_set1_ps(scale)); }
/* 16 codes (one per byte, 0..15) to their values */
static inline kv nl_lookup(nl_table t, __m128i codes) {
    return _mm512_permutexvar_ps(_mm512_cvtepu8_epi32(codes), t);
}
#else
typedef struct { __m128i q; } nl_base;
typedef struct { __m128i q; __m256 s; } nl_table;
static inline nl_base nl_levels(const int8_t *levels) {
    nl_base b = {_mm_loadu_si128((const __m128i *) levels)};
    return b;
}
static inline nl_table nl_scaled(nl_base b, float scale) {
    nl_table t = {b.q, _mm256_set1_ps(scale)};
    return t;
}
static inline kv nl_lookup(nl_table t, __m128i codes) {
    __m128i l = _mm_shuffle_epi8(t.q, codes);
    kv v = {_mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(l)), t.s),
            _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(l, 8))), t.s)};
    return v;
}
#endif

/* values 32 g .. 32 g + 31 of a row, as two vectors of 16 */
static inline __attribute__((always_inline)) void nl_group(int fmt, nl_base base, const uint8_t *row, int32_t g,
        kv *w0, kv *w1) {
    const __m128i low = _mm_set1_epi8(0x0F);
    const uint8_t *qs;
    float s0, s1;
    if (fmt == NL_IQ4_NL) {
        const uint8_t *blk = row + (int64_t) g * IQ4_NL_BYTES;
        qs = blk + 2;
        s0 = s1 = half(blk);
    } else if (fmt == NL_MXFP4) {
        const uint8_t *blk = row + (int64_t) g * MXFP4_BYTES;
        qs = blk + 1;
        s0 = s1 = E8M0_HALF[blk[0]];
    } else if (fmt == NL_IQ4_XS) {
        const uint8_t *blk = row + (int64_t) (g >> 3) * IQ4_XS_BYTES;
        int ib = g & 7;
        uint16_t sh;
        memcpy(&sh, blk + 2, 2);
        int ls = ((blk[4 + (ib >> 1)] >> (4 * (ib & 1))) & 0xF) | (((sh >> (2 * ib)) & 3) << 4);
        qs = blk + 8 + 16 * ib;
        s0 = s1 = half(blk) * (float) (ls - 32);
    } else {
        /* NVFP4: two 16-value sub-blocks, each 8 bytes: low nibbles first 8 values, high nibbles next 8 */
        const uint8_t *blk = row + (int64_t) (g >> 1) * NVFP4_BYTES;
        int s = 2 * (g & 1);
        __m128i raw = _mm_loadu_si128((const __m128i *) (blk + 4 + 8 * s));
        __m128i lo = _mm_and_si128(raw, low);
        __m128i hi = _mm_and_si128(_mm_srli_epi16(raw, 4), low);
        *w0 = nl_lookup(nl_scaled(base, UE4M3_HALF[blk[s]]), _mm_unpacklo_epi64(lo, hi));
        *w1 = nl_lookup(nl_scaled(base, UE4M3_HALF[blk[s + 1]]), _mm_unpackhi_epi64(lo, hi));
        return;
    }
    (void) s1;
    __m128i raw = _mm_loadu_si128((const __m128i *) qs);
    nl_table t = nl_scaled(base, s0);
    *w0 = nl_lookup(t, _mm_and_si128(raw, low));
    *w1 = nl_lookup(t, _mm_and_si128(_mm_srli_epi16(raw, 4), low));
}

/*
 * R rows from r times T tokens from t0 (R, T constants where inlined): each group expanded once for
 * the T tokens. Decode takes four rows at a time: four independent fma chains instead of one, whose
 * latency would otherwise bound a single row, and one activation load for the four.
 */
static inline __attribute__((always_inline)) void nl_tile(int fmt, nl_base base, const uint8_t *w,
        int64_t row_bytes, int32_t r, int R, int32_t groups, int32_t t0, int T, const float *x, float *out,
        int32_t os) {
    const int64_t cols = 32 * (int64_t) groups;
    /* bytes per 32 values: one line prefetched every second group stays ahead of each row */
    const int64_t bpg = fmt == NL_MXFP4 || fmt == NL_IQ4_XS ? 17 : 18;
    kv acc[GROUP][K_TOKENS];
    for (int k = 0; k < R; k++) {
        for (int t = 0; t < T; t++) {
            acc[k][t] = k_zero();
        }
    }
    for (int32_t g = 0; g < groups; g++) {
        for (int k = 0; k < R; k++) {
            const uint8_t *row = w + (int64_t) (r + k) * row_bytes;
            if ((g & 1) == 0) {
                _mm_prefetch(stream_ahead(row, g * bpg, row_bytes, R), _MM_HINT_T0);
            }
            kv w0, w1;
            nl_group(fmt, base, row, g, &w0, &w1);
            for (int t = 0; t < T; t++) {
                const float *xt = x + (t0 + t) * cols + 32 * (int64_t) g;
                acc[k][t] = k_fma(w0, xt, acc[k][t]);
                acc[k][t] = k_fma(w1, xt + 16, acc[k][t]);
            }
        }
    }
    for (int k = 0; k < R; k++) {
        for (int t = 0; t < T; t++) {
            out[(int64_t) (t0 + t) * os + r + k] = k_sum(acc[k][t]);
        }
    }
}

static inline __attribute__((always_inline)) void nl_rows(int fmt, const uint8_t *w, int64_t row_bytes,
        int32_t row_start, int32_t row_end, int32_t groups, int32_t n, const float *x, float *out, int32_t os) {
    nl_base base = nl_levels(fmt == NL_IQ4_NL || fmt == NL_IQ4_XS ? IQ4_LEVELS : E2M1_DOUBLED);
#define NL_TILE(r, R, t0, T) nl_tile(fmt, base, w, row_bytes, r, R, groups, t0, T, x, out, os)
    WALK_TILES(row_start, row_end, n, GROUP, K_TOKENS, NL_TILE);
#undef NL_TILE
}

#define NL_KERNEL(name, fmt)                                                                                   \
    void name(const uint8_t *w, int64_t row_bytes, int32_t row_start, int32_t row_end, int32_t blocks,       \
            int32_t n, const int8_t *xq, const float *xd, float *out, int32_t os) {                           \
        (void) xd;                                                                                             \
        nl_rows(fmt, w, row_bytes, row_start, row_end, blocks, n, (const float *) xq, out, os);               \
    }
NL_KERNEL(jinfer_iq4_nl, NL_IQ4_NL)
NL_KERNEL(jinfer_iq4_xs, NL_IQ4_XS)
NL_KERNEL(jinfer_mxfp4, NL_MXFP4)
NL_KERNEL(jinfer_nvfp4, NL_NVFP4)

/*
 * FP8 E4M3 codes (one byte per value) scaled by a grid of factors, with float activations: the
 * factor of element (r, c) is factors[(r / row_block) * grid_columns + c / column_block] (the
 * checkpoint's scale times its global scale, computed by the caller). Each code is expanded to
 * value * factor, rounded once as the reference dequantiser rounds it, and accumulated per
 * (row, token) like the kernels above. Callers guarantee cols % 16 == 0 and that no 16 columns
 * straddle two cells (column_block % 16 == 0, or one cell per row).
 *
 * The expansion moves each code's fields into an F16 (exact: E4M3's bias 7 under F16's 15 scales
 * every value, subnormals included, by 2^-8), converts, and multiplies by 256 (exact) and then the
 * factor. The NaN code (0x7F, 0xFF), which F16 would read as a number, is patched to NaN.
 */
#define E4M3_TOKENS 8

static inline __attribute__((always_inline)) kv e4m3_expand(const uint8_t *p, float factor) {
    __m128i b = _mm_loadu_si128((const __m128i *) p);
    __m128i mag = _mm_and_si128(b, _mm_set1_epi8(0x7F));
    int nan = _mm_movemask_epi8(_mm_cmpeq_epi8(mag, _mm_set1_epi8(0x7F)));
    __m256i w16 = _mm256_cvtepu8_epi16(b);
    __m256i h = _mm256_or_si256(_mm256_slli_epi16(_mm256_and_si256(w16, _mm256_set1_epi16(0x7F)), 7),
            _mm256_slli_epi16(_mm256_and_si256(w16, _mm256_set1_epi16(0x80)), 8));
#ifdef JINFER_VNNI
    kv v = _mm512_mul_ps(_mm512_mul_ps(_mm512_cvtph_ps(h), _mm512_set1_ps(256.0f)), _mm512_set1_ps(factor));
    if (__builtin_expect(nan != 0, 0)) {
        v = _mm512_mask_blend_ps((__mmask16) nan, v, _mm512_set1_ps(__builtin_nanf("")));
    }
#else
    const __m256 k = _mm256_set1_ps(256.0f), f = _mm256_set1_ps(factor);
    kv v = {_mm256_mul_ps(_mm256_mul_ps(_mm256_cvtph_ps(_mm256_castsi256_si128(h)), k), f),
            _mm256_mul_ps(_mm256_mul_ps(_mm256_cvtph_ps(_mm256_extracti128_si256(h, 1)), k), f)};
    if (__builtin_expect(nan != 0, 0)) {
        float t[16];
        _mm256_storeu_ps(t, v.a);
        _mm256_storeu_ps(t + 8, v.b);
        for (int i = 0; i < 16; i++) {
            if (nan & (1 << i)) {
                t[i] = __builtin_nanf("");
            }
        }
        v.a = _mm256_loadu_ps(t);
        v.b = _mm256_loadu_ps(t + 8);
    }
#endif
    return v;
}

static inline __attribute__((always_inline)) void e4m3_tile(const uint8_t *w, int64_t row_bytes, int32_t r, int R,
        int32_t cols, int32_t t0, int T, const float *x, const float *factors, int32_t row_block,
        int32_t column_block, int32_t grid_columns, float *out, int32_t os) {
    kv acc[GROUP][E4M3_TOKENS];
    const float *cell[GROUP];
    for (int k = 0; k < R; k++) {
        cell[k] = factors + (int64_t) ((r + k) / row_block) * grid_columns;
        for (int t = 0; t < T; t++) {
            acc[k][t] = k_zero();
        }
    }
    for (int32_t c = 0; c < cols; c += 16) {
        int32_t at = c / column_block;
        for (int k = 0; k < R; k++) {
            const uint8_t *row = w + (int64_t) (r + k) * row_bytes;
            if ((c & 63) == 0) {
                _mm_prefetch(stream_ahead(row, c, row_bytes, R), _MM_HINT_T0);
            }
            kv v = e4m3_expand(row + c, cell[k][at]);
            for (int t = 0; t < T; t++) {
                acc[k][t] = k_fma(v, x + (int64_t) (t0 + t) * cols + c, acc[k][t]);
            }
        }
    }
    for (int k = 0; k < R; k++) {
        for (int t = 0; t < T; t++) {
            out[(int64_t) (t0 + t) * os + r + k] = k_sum(acc[k][t]);
        }
    }
}

void jinfer_e4m3(const uint8_t *w, int64_t row_bytes, int32_t row_start, int32_t row_end, int32_t cols,
        int32_t n, const float *x, const float *factors, int32_t row_block, int32_t column_block,
        int32_t grid_columns, float *out, int32_t os) {
#define E4M3_TILE(r, R, t0, T) \
    e4m3_tile(w, row_bytes, r, R, cols, t0, T, x, factors, row_block, column_block, grid_columns, out, os)
    WALK_TILES(row_start, row_end, n, GROUP, E4M3_TOKENS, E4M3_TILE);
#undef E4M3_TILE
}

/*
 * F16 and BF16 weights with float activations (unquantised checkpoints, tied F16 embeddings): each
 * value converted exactly and accumulated per (row, token) like the kernels above.
 */
enum { W_F16, W_BF16 };

static inline __attribute__((always_inline)) kv wide_expand(int fmt, const uint8_t *p) {
    __m256i h = _mm256_loadu_si256((const __m256i *) p);
#ifdef JINFER_VNNI
    if (fmt == W_F16) {
        return _mm512_cvtph_ps(h);
    }
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
#else
    kv v;
    if (fmt == W_F16) {
        v.a = _mm256_cvtph_ps(_mm256_castsi256_si128(h));
        v.b = _mm256_cvtph_ps(_mm256_extracti128_si256(h, 1));
    } else {
        v.a = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm256_castsi256_si128(h)), 16));
        v.b = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm256_extracti128_si256(h, 1)), 16));
    }
    return v;
#endif
}

static inline __attribute__((always_inline)) void wide_tile(int fmt, const uint8_t *w, int64_t row_bytes,
        int32_t r, int R, int32_t cols, int32_t t0, int T, const float *x, float *out, int32_t os) {
    kv acc[GROUP][K_TOKENS];
    for (int k = 0; k < R; k++) {
        for (int t = 0; t < T; t++) {
            acc[k][t] = k_zero();
        }
    }
    for (int32_t c = 0; c < cols; c += 16) {
        for (int k = 0; k < R; k++) {
            const uint8_t *row = w + (int64_t) (r + k) * row_bytes;
            _mm_prefetch(stream_ahead(row, 2 * (int64_t) c, row_bytes, R), _MM_HINT_T0);
            kv v = wide_expand(fmt, row + 2 * (int64_t) c);
            for (int t = 0; t < T; t++) {
                acc[k][t] = k_fma(v, x + (int64_t) (t0 + t) * cols + c, acc[k][t]);
            }
        }
    }
    for (int k = 0; k < R; k++) {
        for (int t = 0; t < T; t++) {
            out[(int64_t) (t0 + t) * os + r + k] = k_sum(acc[k][t]);
        }
    }
}

static inline __attribute__((always_inline)) void wide_rows(int fmt, const uint8_t *w, int64_t row_bytes,
        int32_t row_start, int32_t row_end, int32_t blocks, int32_t n, const float *x, float *out, int32_t os) {
    const int32_t cols = 32 * blocks;
#define WIDE_TILE(r, R, t0, T) wide_tile(fmt, w, row_bytes, r, R, cols, t0, T, x, out, os)
    WALK_TILES(row_start, row_end, n, GROUP, K_TOKENS, WIDE_TILE);
#undef WIDE_TILE
}

void jinfer_f16(const uint8_t *w, int64_t row_bytes, int32_t row_start, int32_t row_end, int32_t blocks,
        int32_t n, const int8_t *xq, const float *xd, float *out, int32_t os) {
    (void) xd;
    wide_rows(W_F16, w, row_bytes, row_start, row_end, blocks, n, (const float *) xq, out, os);
}

void jinfer_bf16(const uint8_t *w, int64_t row_bytes, int32_t row_start, int32_t row_end, int32_t blocks,
        int32_t n, const int8_t *xq, const float *xd, float *out, int32_t os) {
    (void) xd;
    wide_rows(W_BF16, w, row_bytes, row_start, row_end, blocks, n, (const float *) xq, out, os);
}

/*
 * SwiGLU, gate[i] = g / (exp(-g) + 1) * up[i], bit-identical to the Java kernels: exp is StableExp's
 * algorithm (Cody-Waite reduction, the same degree-6 polynomial, 2^n in two steps), built only from
 * operations IEEE 754 defines exactly, so C and Java round alike. In C it is fast from the first call,
 * where the Java vector code runs interpreted until the JIT compiles it (the first token's SwiGLUs
 * took 320 ms that way).
 */
#define EXP_LOG2E 1.44269504088896341f
#define EXP_LN2_HI 0.693359375f
#define EXP_LN2_LO -2.12194440e-4f
#define EXP_ROUNDER 12582912.0f
#define EXP_ROUNDER_BITS 0x4B400000
#define EXP_LOW -87.33654f
#define EXP_HIGH 88.72283f
#define EXP_P0 1.9875691500e-4f
#define EXP_P1 1.3981999507e-3f
#define EXP_P2 8.3334519073e-3f
#define EXP_P3 4.1665795894e-2f
#define EXP_P4 1.6666665459e-1f
#define EXP_P5 5.0000001201e-1f

static inline float stable_exp(float x) {
    if (x < EXP_LOW) {
        return 0.0f;
    }
    if (x > EXP_HIGH) {
        return __builtin_inff();
    }
    if (x != x) {
        return x;
    }
    float t = __builtin_fmaf(x, EXP_LOG2E, EXP_ROUNDER);
    int32_t tb;
    memcpy(&tb, &t, 4);
    int32_t n = tb - EXP_ROUNDER_BITS;
    float nf = t - EXP_ROUNDER;
    float r = __builtin_fmaf(nf, -EXP_LN2_HI, x);
    r = __builtin_fmaf(nf, -EXP_LN2_LO, r);
    float p = __builtin_fmaf(EXP_P0, r, EXP_P1);
    p = __builtin_fmaf(p, r, EXP_P2);
    p = __builtin_fmaf(p, r, EXP_P3);
    p = __builtin_fmaf(p, r, EXP_P4);
    p = __builtin_fmaf(p, r, EXP_P5);
    float e = __builtin_fmaf(p, r * r, r) + 1.0f;
    int32_t half = n >> 1;
    int32_t b1 = (half + 127) << 23, b2 = (n - half + 127) << 23;
    float s1, s2;
    memcpy(&s1, &b1, 4);
    memcpy(&s2, &b2, 4);
    return e * s1 * s2;
}

#ifdef JINFER_VNNI
static inline __m512 stable_exp16(__m512 x) {
    __m512 t = _mm512_fmadd_ps(x, _mm512_set1_ps(EXP_LOG2E), _mm512_set1_ps(EXP_ROUNDER));
    __m512i n = _mm512_sub_epi32(_mm512_castps_si512(t), _mm512_set1_epi32(EXP_ROUNDER_BITS));
    __m512 nf = _mm512_sub_ps(t, _mm512_set1_ps(EXP_ROUNDER));
    __m512 r = _mm512_fmadd_ps(nf, _mm512_set1_ps(-EXP_LN2_HI), x);
    r = _mm512_fmadd_ps(nf, _mm512_set1_ps(-EXP_LN2_LO), r);
    __m512 p = _mm512_fmadd_ps(_mm512_set1_ps(EXP_P0), r, _mm512_set1_ps(EXP_P1));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EXP_P2));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EXP_P3));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EXP_P4));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EXP_P5));
    __m512 e = _mm512_add_ps(_mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r), _mm512_set1_ps(1.0f));
    __m512i half = _mm512_srai_epi32(n, 1);
    __m512 s1 = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(half, _mm512_set1_epi32(127)), 23));
    __m512 s2 = _mm512_castsi512_ps(
            _mm512_slli_epi32(_mm512_add_epi32(_mm512_sub_epi32(n, half), _mm512_set1_epi32(127)), 23));
    __m512 res = _mm512_mul_ps(_mm512_mul_ps(e, s1), s2);
    res = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, _mm512_set1_ps(EXP_LOW), _CMP_LT_OQ), res, _mm512_setzero_ps());
    res = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, _mm512_set1_ps(EXP_HIGH), _CMP_GT_OQ), res,
            _mm512_set1_ps(__builtin_inff()));
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), res, x);
}
#define SWIGLU_STEP 16
static inline void swiglu_step(float *gate, const float *up) {
    __m512 g = _mm512_loadu_ps(gate);
    __m512 neg = _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(g), _mm512_set1_epi32((int) 0x80000000)));
    __m512 d = _mm512_add_ps(stable_exp16(neg), _mm512_set1_ps(1.0f));
    _mm512_storeu_ps(gate, _mm512_mul_ps(_mm512_div_ps(g, d), _mm512_loadu_ps(up)));
}
#else
static inline __m256 stable_exp8(__m256 x) {
    __m256 t = _mm256_fmadd_ps(x, _mm256_set1_ps(EXP_LOG2E), _mm256_set1_ps(EXP_ROUNDER));
    __m256i n = _mm256_sub_epi32(_mm256_castps_si256(t), _mm256_set1_epi32(EXP_ROUNDER_BITS));
    __m256 nf = _mm256_sub_ps(t, _mm256_set1_ps(EXP_ROUNDER));
    __m256 r = _mm256_fmadd_ps(nf, _mm256_set1_ps(-EXP_LN2_HI), x);
    r = _mm256_fmadd_ps(nf, _mm256_set1_ps(-EXP_LN2_LO), r);
    __m256 p = _mm256_fmadd_ps(_mm256_set1_ps(EXP_P0), r, _mm256_set1_ps(EXP_P1));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EXP_P2));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EXP_P3));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EXP_P4));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EXP_P5));
    __m256 e = _mm256_add_ps(_mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r), _mm256_set1_ps(1.0f));
    __m256i half = _mm256_srai_epi32(n, 1);
    __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(half, _mm256_set1_epi32(127)), 23));
    __m256 s2 = _mm256_castsi256_ps(
            _mm256_slli_epi32(_mm256_add_epi32(_mm256_sub_epi32(n, half), _mm256_set1_epi32(127)), 23));
    __m256 res = _mm256_mul_ps(_mm256_mul_ps(e, s1), s2);
    res = _mm256_blendv_ps(res, _mm256_setzero_ps(), _mm256_cmp_ps(x, _mm256_set1_ps(EXP_LOW), _CMP_LT_OQ));
    res = _mm256_blendv_ps(res, _mm256_set1_ps(__builtin_inff()),
            _mm256_cmp_ps(x, _mm256_set1_ps(EXP_HIGH), _CMP_GT_OQ));
    return _mm256_blendv_ps(res, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
}
#define SWIGLU_STEP 8
static inline void swiglu_step(float *gate, const float *up) {
    __m256 g = _mm256_loadu_ps(gate);
    __m256 d = _mm256_add_ps(stable_exp8(_mm256_xor_ps(g, _mm256_set1_ps(-0.0f))), _mm256_set1_ps(1.0f));
    _mm256_storeu_ps(gate, _mm256_mul_ps(_mm256_div_ps(g, d), _mm256_loadu_ps(up)));
}
#endif

void jinfer_swiglu(float *gate, const float *up, int64_t length) {
    int64_t i = 0;
    for (; i + SWIGLU_STEP <= length; i += SWIGLU_STEP) {
        swiglu_step(gate + i, up + i);
    }
    for (; i < length; i++) {
        float g = gate[i];
        gate[i] = g / (stable_exp(-g) + 1.0f) * up[i];
    }
}

/*
 * Causal grouped-query attention over a paged F32 or F16 KV cache for n query rows (row t at
 * position start_pos + t), for items [item_start, item_end) where item = tile * (heads / group) + g:
 * query rows tile * ATT_ROWS .. + ATT_ROWS - 1, KV head g and the group query heads
 * h = g * group + j that share it (each cache row is read once for all of them). Per query row and
 * head, in this order: scores s[p] = (q . k_p) * scale for p = 0 .. last (16-lane dot products, fixed lane sum),
 * the maximum, e_p = StableExp(s[p] - max) summed in position order, out = sum_p e_p v_p
 * accumulated with fma in position order, then out / sum. Each item is computed whole in a fixed
 * order, so a query's result does not depend on how many are computed together. Page i's key rows
 * start at key_pages[i]; row r of a page at element r * row_elements; the KV head's slice at
 * g * head_dim. scores holds at least ATT_ROWS * group * (start_pos + n) floats.
 */
static inline __attribute__((always_inline)) kv kv_load(int half_cache, const uint8_t *row, int i) {
#ifdef JINFER_VNNI
    if (half_cache) {
        return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) (row + 2 * (int64_t) i)));
    }
    return _mm512_loadu_ps((const float *) row + i);
#else
    kv v;
    if (half_cache) {
        __m256i h = _mm256_loadu_si256((const __m256i *) (row + 2 * (int64_t) i));
        v.a = _mm256_cvtph_ps(_mm256_castsi256_si128(h));
        v.b = _mm256_cvtph_ps(_mm256_extracti128_si256(h, 1));
    } else {
        v.a = _mm256_loadu_ps((const float *) row + i);
        v.b = _mm256_loadu_ps((const float *) row + i + 8);
    }
    return v;
#endif
}

static inline float kv_element(int half_cache, const uint8_t *row, int i) {
    return half_cache ? half(row + 2 * (int64_t) i) : ((const float *) row)[i];
}

#ifdef JINFER_VNNI
static inline kv kv_fma_store(kv v, float e, float *o) {
    kv r = _mm512_fmadd_ps(v, _mm512_set1_ps(e), _mm512_loadu_ps(o));
    _mm512_storeu_ps(o, r);
    return r;
}
#else
static inline kv kv_fma_store(kv v, float e, float *o) {
    kv r = {_mm256_fmadd_ps(v.a, _mm256_set1_ps(e), _mm256_loadu_ps(o)),
            _mm256_fmadd_ps(v.b, _mm256_set1_ps(e), _mm256_loadu_ps(o + 8))};
    _mm256_storeu_ps(o, r.a);
    _mm256_storeu_ps(o + 8, r.b);
    return r;
}
#endif

#define ATT_ROWS 4

#ifdef JINFER_VNNI
/*
 * The 16 lane sums of v[0..15], each in k_sum's order (lane j plus lane j + 8, then pairs, then
 * quads, then the two halves), as one vector: bit-identical with 16 k_sum calls, in 46 instructions
 * instead of 16 stores and 112 scalar additions.
 */
static inline __m512 k_sum16(const __m512 *v) {
    __m512 h[8], p[4], q[2];
    for (int i = 0; i < 8; i++) {
        /* [v[2i] lanes j + j + 8 | v[2i + 1] lanes j + j + 8] */
        h[i] = _mm512_add_ps(_mm512_shuffle_f32x4(v[2 * i], v[2 * i + 1], 0x44),
                _mm512_shuffle_f32x4(v[2 * i], v[2 * i + 1], 0xEE));
    }
    for (int i = 0; i < 4; i++) {
        p[i] = _mm512_add_ps(_mm512_shuffle_ps(h[2 * i], h[2 * i + 1], 0x88), _mm512_shuffle_ps(h[2 * i], h[2 * i + 1], 0xDD));
    }
    for (int i = 0; i < 2; i++) {
        q[i] = _mm512_add_ps(_mm512_shuffle_ps(p[2 * i], p[2 * i + 1], 0x88), _mm512_shuffle_ps(p[2 * i], p[2 * i + 1], 0xDD));
    }
    __m512 r = _mm512_add_ps(_mm512_shuffle_f32x4(q[0], q[1], 0x88), _mm512_shuffle_f32x4(q[0], q[1], 0xDD));
    /* r holds v 0 2 4 6 1 3 5 7 8 10 12 14 9 11 13 15 */
    return _mm512_permutexvar_ps(_mm512_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7, 8, 12, 9, 13, 10, 14, 11, 15), r);
}

/*
 * One attention item on AVX-512 with head_dim a multiple of 16 (at most 256), computing exactly what
 * the general loop below computes (the same operations per score and per output element, positions
 * in the same order) with the cache rows taken 16 positions at a time: each block of rows is read
 * once from memory for the item's queries and then from L1; per query row and head its 16 dot
 * products' lane sums come out of one k_sum16, and the output is loaded and stored once per block
 * instead of once per position.
 */
static inline void attention_item16(const uint8_t *const *key_pages, const uint8_t *const *value_pages,
        int32_t page_size, int64_t row_elements, int32_t half_cache, const float *q, float *out, int32_t t0,
        int32_t rows, int32_t start_pos, int32_t heads, int32_t group, int32_t g, int32_t head_dim, float scale,
        int32_t count, float *scores) {
    const int64_t elem = half_cache ? 2 : 4;
    const int64_t kv_off = (int64_t) g * head_dim;
    const int chunks = head_dim / 16;
    const uint8_t *blk[16];
    for (int32_t p0 = 0; p0 < count; p0 += 16) {
        int32_t m = count - p0 < 16 ? count - p0 : 16;
        for (int k = 0; k < m; k++) {
            int32_t p = p0 + k, pf = p + 16;
            blk[k] = key_pages[p / page_size] + ((p % page_size) * row_elements + kv_off) * elem;
            if (pf < count) {
                _mm_prefetch((const char *) key_pages[pf / page_size] + ((pf % page_size) * row_elements + kv_off) * elem,
                        _MM_HINT_T0);
            }
        }
        for (int32_t r = 0; r < rows; r++) {
            int32_t seen = start_pos + t0 + r + 1;
            if (p0 >= seen) {
                continue; /* later rows see further */
            }
            int32_t mr = seen - p0 < m ? seen - p0 : m;
            for (int32_t j = 0; j < group; j++) {
                const float *qq = q + ((int64_t) (t0 + r) * heads + (int64_t) g * group + j) * head_dim;
                __m512 acc[16];
                for (int k = 0; k < 16; k++) {
                    acc[k] = _mm512_setzero_ps();
                    if (k < mr) {
                        for (int c = 0; c < chunks; c++) {
                            acc[k] = _mm512_fmadd_ps(kv_load(half_cache, blk[k], 16 * c), _mm512_loadu_ps(qq + 16 * c), acc[k]);
                        }
                    }
                }
                __m512 sv = _mm512_mul_ps(k_sum16(acc), _mm512_set1_ps(scale));
                _mm512_mask_storeu_ps(scores + ((int64_t) r * group + j) * count + p0, (__mmask16) ((1u << mr) - 1), sv);
            }
        }
    }
    for (int32_t r = 0; r < rows; r++) {
        int32_t seen = start_pos + t0 + r + 1;
        for (int32_t j = 0; j < group; j++) {
            float *s = scores + ((int64_t) r * group + j) * count;
            float max = -__builtin_inff();
            for (int32_t p = 0; p < seen; p++) {
                max = s[p] > max ? s[p] : max;
            }
            int32_t p = 0;
            for (; p + 16 <= seen; p += 16) {
                _mm512_storeu_ps(s + p, stable_exp16(_mm512_sub_ps(_mm512_loadu_ps(s + p), _mm512_set1_ps(max))));
            }
            for (; p < seen; p++) {
                s[p] = stable_exp(s[p] - max);
            }
            memset(out + ((int64_t) (t0 + r) * heads + (int64_t) g * group + j) * head_dim, 0, sizeof(float) * head_dim);
        }
    }
    for (int32_t p0 = 0; p0 < count; p0 += 16) {
        int32_t m = count - p0 < 16 ? count - p0 : 16;
        for (int k = 0; k < m; k++) {
            int32_t p = p0 + k, pf = p + 16;
            blk[k] = value_pages[p / page_size] + ((p % page_size) * row_elements + kv_off) * elem;
            if (pf < count) {
                _mm_prefetch((const char *) value_pages[pf / page_size] + ((pf % page_size) * row_elements + kv_off) * elem,
                        _MM_HINT_T0);
            }
        }
        for (int32_t r = 0; r < rows; r++) {
            int32_t seen = start_pos + t0 + r + 1;
            if (p0 >= seen) {
                continue; /* later rows see further */
            }
            int32_t mr = seen - p0 < m ? seen - p0 : m;
            for (int32_t j = 0; j < group; j++) {
                const float *s = scores + ((int64_t) r * group + j) * count + p0;
                float *op = out + ((int64_t) (t0 + r) * heads + (int64_t) g * group + j) * head_dim;
                for (int c = 0; c < chunks; c++) {
                    __m512 o = _mm512_loadu_ps(op + 16 * c);
                    for (int k = 0; k < mr; k++) {
                        o = _mm512_fmadd_ps(kv_load(half_cache, blk[k], 16 * c), _mm512_set1_ps(s[k]), o);
                    }
                    _mm512_storeu_ps(op + 16 * c, o);
                }
            }
        }
    }
    for (int32_t r = 0; r < rows; r++) {
        int32_t seen = start_pos + t0 + r + 1;
        for (int32_t j = 0; j < group; j++) {
            const float *s = scores + ((int64_t) r * group + j) * count;
            float sum = 0;
            for (int32_t p = 0; p < seen; p++) {
                sum += s[p];
            }
            float *op = out + ((int64_t) (t0 + r) * heads + (int64_t) g * group + j) * head_dim;
            for (int c = 0; c < chunks; c++) {
                _mm512_storeu_ps(op + 16 * c, _mm512_div_ps(_mm512_loadu_ps(op + 16 * c), _mm512_set1_ps(sum)));
            }
        }
    }
}
#endif

void jinfer_attention(const uint8_t *const *key_pages, const uint8_t *const *value_pages, int32_t page_size,
        int64_t row_elements, int32_t half_cache, const float *q, float *out, int32_t n, int32_t start_pos,
        int32_t heads, int32_t group, int32_t head_dim, float scale, int32_t item_start, int32_t item_end,
        float *scores) {
    const int64_t elem = half_cache ? 2 : 4;
    const int vec = head_dim & ~15;
    const int32_t kv_heads = heads / group;
    for (int32_t item = item_start; item < item_end; item++) {
        /* up to ATT_ROWS query rows with one KV head and the `group` query heads that share it: each
           cache row is read once for all of them */
        int32_t tile = item / kv_heads, g = item - tile * kv_heads;
        int32_t t0 = tile * ATT_ROWS;
        int32_t rows = n - t0 < ATT_ROWS ? n - t0 : ATT_ROWS;
        int32_t count = start_pos + t0 + rows; /* positions the last row sees */
        int64_t kv_off = (int64_t) g * head_dim;
#ifdef JINFER_VNNI
        if (head_dim % 16 == 0 && head_dim <= 256) {
            attention_item16(key_pages, value_pages, page_size, row_elements, half_cache, q, out, t0, rows, start_pos,
                    heads, group, g, head_dim, scale, count, scores);
            continue;
        }
#endif
        for (int32_t p = 0; p < count; p++) {
            const uint8_t *row = key_pages[p / page_size] + ((p % page_size) * row_elements + kv_off) * elem;
            if ((p & 7) == 0 && p + 8 < count) {
                _mm_prefetch((const char *) key_pages[(p + 8) / page_size] + (((p + 8) % page_size) * row_elements
                        + kv_off) * elem, _MM_HINT_T0);
            }
            for (int32_t r = p <= start_pos + t0 ? 0 : p - start_pos - t0; r < rows; r++) {
                const float *q0 = q + ((int64_t) (t0 + r) * heads + (int64_t) g * group) * head_dim;
                float *s0 = scores + (int64_t) r * group * count;
                for (int32_t j = 0; j < group; j++) {
                    const float *qq = q0 + (int64_t) j * head_dim;
                    kv acc = k_zero();
                    int i = 0;
                    for (; i < vec; i += 16) {
                        acc = k_fma(kv_load(half_cache, row, i), qq + i, acc);
                    }
                    float dot = k_sum(acc);
                    for (; i < head_dim; i++) {
                        dot += qq[i] * kv_element(half_cache, row, i);
                    }
                    s0[(int64_t) j * count + p] = dot * scale;
                }
            }
        }
        for (int32_t r = 0; r < rows; r++) {
            int32_t seen = start_pos + t0 + r + 1;
            for (int32_t j = 0; j < group; j++) {
                float *s = scores + ((int64_t) r * group + j) * count;
                float max = -__builtin_inff();
                for (int32_t p = 0; p < seen; p++) {
                    max = s[p] > max ? s[p] : max;
                }
                /* the exponentials a vector at a time (each lane bit-identical with stable_exp) */
                int32_t p = 0;
#ifdef JINFER_VNNI
                for (; p + 16 <= seen; p += 16) {
                    _mm512_storeu_ps(s + p, stable_exp16(_mm512_sub_ps(_mm512_loadu_ps(s + p), _mm512_set1_ps(max))));
                }
#else
                for (; p + 8 <= seen; p += 8) {
                    _mm256_storeu_ps(s + p, stable_exp8(_mm256_sub_ps(_mm256_loadu_ps(s + p), _mm256_set1_ps(max))));
                }
#endif
                for (; p < seen; p++) {
                    s[p] = stable_exp(s[p] - max);
                }
                memset(out + ((int64_t) (t0 + r) * heads + (int64_t) g * group + j) * head_dim, 0,
                        sizeof(float) * head_dim);
            }
        }
        for (int32_t p = 0; p < count; p++) {
            const uint8_t *row = value_pages[p / page_size] + ((p % page_size) * row_elements + kv_off) * elem;
            for (int32_t r = p <= start_pos + t0 ? 0 : p - start_pos - t0; r < rows; r++) {
                float *o0 = out + ((int64_t) (t0 + r) * heads + (int64_t) g * group) * head_dim;
                const float *s0 = scores + (int64_t) r * group * count;
                for (int32_t j = 0; j < group; j++) {
                    float e = s0[(int64_t) j * count + p];
                    float *o = o0 + (int64_t) j * head_dim;
                    int i = 0;
                    for (; i < vec; i += 16) {
                        kv_fma_store(kv_load(half_cache, row, i), e, o + i);
                    }
                    for (; i < head_dim; i++) {
                        o[i] += e * kv_element(half_cache, row, i);
                    }
                }
            }
        }
        for (int32_t r = 0; r < rows; r++) {
            int32_t seen = start_pos + t0 + r + 1;
            for (int32_t j = 0; j < group; j++) {
                const float *s = scores + ((int64_t) r * group + j) * count;
                float sum = 0;
                for (int32_t p = 0; p < seen; p++) {
                    sum += s[p];
                }
                float *o = out + ((int64_t) (t0 + r) * heads + (int64_t) g * group + j) * head_dim;
                for (int i = 0; i < head_dim; i++) {
                    o[i] /= sum;
                }
            }
        }
    }
}

/* dst[i] += src[i]: the residual adds, here (like SwiGLU) so that the first token does not wait for the JIT */
void jinfer_add(float *dst, const float *src, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        _mm256_storeu_ps(dst + i, _mm256_add_ps(_mm256_loadu_ps(dst + i), _mm256_loadu_ps(src + i)));
    }
    for (; i < n; i++) {
        dst[i] += src[i];
    }
}

/*
 * RMSNorm of n rows of dim values: the sum of squares in 16 lanes (fma, fixed lane sum) widened to
 * double, the tail added in double, scale = 1 / sqrt(sumsq / dim + eps) in double rounded to float,
 * out = (x * scale) * w. Like SwiGLU it is here so that the first token does not wait for the JIT.
 */
void jinfer_rmsnorm(const float *x, float *out, int32_t n, int32_t dim, const float *w, float eps) {
    const int vec = dim & ~15;
    for (int32_t t = 0; t < n; t++) {
        const float *xt = x + (int64_t) t * dim;
        float *ot = out + (int64_t) t * dim;
        kv acc = k_zero();
        int i = 0;
        for (; i < vec; i += 16) {
#ifdef JINFER_VNNI
            __m512 v = _mm512_loadu_ps(xt + i);
            acc = _mm512_fmadd_ps(v, v, acc);
#else
            __m256 a = _mm256_loadu_ps(xt + i), b = _mm256_loadu_ps(xt + i + 8);
            acc.a = _mm256_fmadd_ps(a, a, acc.a);
            acc.b = _mm256_fmadd_ps(b, b, acc.b);
#endif
        }
        double sumsq = k_sum(acc);
        for (; i < dim; i++) {
            sumsq += (double) xt[i] * xt[i];
        }
        float scale = (float) (1.0 / __builtin_sqrt(sumsq / dim + (double) eps));
        i = 0;
#ifdef JINFER_VNNI
        for (; i < vec; i += 16) {
            _mm512_storeu_ps(ot + i, _mm512_mul_ps(_mm512_mul_ps(_mm512_loadu_ps(xt + i), _mm512_set1_ps(scale)),
                    _mm512_loadu_ps(w + i)));
        }
#else
        for (; i + 8 <= dim; i += 8) {
            _mm256_storeu_ps(ot + i, _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(xt + i), _mm256_set1_ps(scale)),
                    _mm256_loadu_ps(w + i)));
        }
#endif
        for (; i < dim; i++) {
            ot[i] = xt[i] * scale * w[i];
        }
    }
}

/* The variant's name, for diagnostics. */
const char *jinfer_variant(void) {
    return VARIANT;
}

/*
 * Part of jinfer_cpu.c (compiled as one translation unit, in the include order there): Q4_0 and Q8_0 with 8-bit activations: the lane kernels, the AMX variant's tiles and block sums, the 8-bit quantiser.
 */
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

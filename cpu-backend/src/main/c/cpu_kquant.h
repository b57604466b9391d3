/*
 * Part of jinfer_cpu.c (compiled as one translation unit, in the include order there): K-quants: the float lanes and tile walk the later families share, Q2_K with float activations, Q3_K..Q6_K with 16-bit activations and their quantiser.
 */
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

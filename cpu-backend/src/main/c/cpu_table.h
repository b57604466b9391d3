/*
 * Part of jinfer_cpu.c (compiled as one translation unit, in the include order there): the 4-bit table formats: IQ4_NL, IQ4_XS, MXFP4, NVFP4.
 */
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

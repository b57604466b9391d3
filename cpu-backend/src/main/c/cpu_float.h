/*
 * Part of jinfer_cpu.c (compiled as one translation unit, in the include order there): FP8 E4M3 with a scale grid, F16 and BF16.
 */
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

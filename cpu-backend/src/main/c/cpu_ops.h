/*
 * Part of jinfer_cpu.c (compiled as one translation unit, in the include order there): SwiGLU, attention, residual adds and RMSNorm.
 */
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

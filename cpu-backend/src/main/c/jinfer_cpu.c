/*
 * jinfer native CPU kernels: one-token (decode) matrix products of Q4_0 / Q8_0 (and, further down,
 * Q4_K / Q6_K) weights with an activation vector already quantised to 8 bits (32 int8 values and
 * one float scale per block).
 *
 * The arithmetic is fixed so that a plain Java emulation reproduces it bit for bit
 * (NativeMatmulTest.emulate in the tests):
 *   for each block b, lane j in 0..7:  s = sum_{k<4} w[4j+k] * xq[32b+4j+k]   (exact int32)
 *                                      acc[j] = fma(f16(w.d) * xd[b], (float) s, acc[j])
 *   result = ((acc0+acc1)+(acc2+acc3)) + ((acc4+acc5)+(acc6+acc7))
 * Integer sums are exact whichever instructions compute them, so the AVX2 and the VNNI variants
 * give identical results. Build with -ffp-contract=off: the only fused operations are the explicit ones.
 *
 * Compiled twice: with -mavx2 -mfma -mf16c, and additionally with AVX-512 VNNI (JINFER_VNNI).
 */
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#define Q4_0_BYTES 18
#define Q8_0_BYTES 34
/* rows computed together so that each activation block is loaded once for all of them */
#define GROUP 4

#ifdef JINFER_VNNI
#define VARIANT "avx512vnni"
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

static inline float half(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    return _cvtsh_ss(h);
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

/*
 * Q4_0: weight value = nibble - 8. The nibble (0..15) is the unsigned operand, so
 * sum(w*x) = sum(nibble*x) - 8*sum(x); the correction is per lane and shared by the row group.
 * Pairs of nibble*x stay below 2*15*127, safe for the int16 step of AVX2.
 */
void jinfer_q4_0_rows(const uint8_t *w, int64_t row_bytes, int32_t row_start, int32_t row_end, int32_t blocks,
        const int8_t *xq, const float *xd, float *out) {
    const __m256i eights = _mm256_set1_epi8(8);
    int32_t r = row_start;
    for (; r + GROUP <= row_end; r += GROUP) {
        const uint8_t *p[GROUP];
        __m256 acc[GROUP];
        for (int k = 0; k < GROUP; k++) {
            p[k] = w + (int64_t) (r + k) * row_bytes;
            acc[k] = _mm256_setzero_ps();
        }
        for (int32_t b = 0; b < blocks; b++) {
            __m256i y = _mm256_loadu_si256((const __m256i *) (xq + 32 * b));
            __m256i corr = dot_u8s8(eights, y);
            float dx = xd[b];
            for (int k = 0; k < GROUP; k++) {
                const uint8_t *blk = p[k] + (int64_t) b * Q4_0_BYTES;
                __m256i s = _mm256_sub_epi32(dot_u8s8(nibbles(blk + 2), y), corr);
                float d = half(blk) * dx;
                acc[k] = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(s), acc[k]);
            }
        }
        for (int k = 0; k < GROUP; k++) {
            out[r + k] = hsum(acc[k]);
        }
    }
    for (; r < row_end; r++) {
        const uint8_t *p = w + (int64_t) r * row_bytes;
        __m256 acc = _mm256_setzero_ps();
        for (int32_t b = 0; b < blocks; b++) {
            __m256i y = _mm256_loadu_si256((const __m256i *) (xq + 32 * b));
            const uint8_t *blk = p + (int64_t) b * Q4_0_BYTES;
            __m256i s = _mm256_sub_epi32(dot_u8s8(nibbles(blk + 2), y), dot_u8s8(eights, y));
            float d = half(blk) * xd[b];
            acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(s), acc);
        }
        out[r] = hsum(acc);
    }
}

/* int32 lanes of sum(w*x) for 32 signed weight bytes and 32 signed activation bytes */
static inline __m256i dot_s8s8(__m256i wq, __m256i y, __m256i ycorr) {
#ifdef JINFER_VNNI
    /* w + 128 is unsigned: sum((w+128)*x) - 128*sum(x), the correction shared by the group */
    return _mm256_sub_epi32(dot_u8s8(_mm256_xor_si256(wq, _mm256_set1_epi8((char) 0x80)), y), ycorr);
#else
    /* |w| <= 128 and |x| <= 127: pairs stay below 32768 */
    (void) ycorr;
    return dot_u8s8(_mm256_sign_epi8(wq, wq), _mm256_sign_epi8(y, wq));
#endif
}

static inline __m256i q8_correction(__m256i y) {
#ifdef JINFER_VNNI
    return dot_u8s8(_mm256_set1_epi8((char) 0x80), y);
#else
    (void) y;
    return _mm256_setzero_si256();
#endif
}

/* Q8_0: weight value = signed byte. */
void jinfer_q8_0_rows(const uint8_t *w, int64_t row_bytes, int32_t row_start, int32_t row_end, int32_t blocks,
        const int8_t *xq, const float *xd, float *out) {
    int32_t r = row_start;
    for (; r + GROUP <= row_end; r += GROUP) {
        const uint8_t *p[GROUP];
        __m256 acc[GROUP];
        for (int k = 0; k < GROUP; k++) {
            p[k] = w + (int64_t) (r + k) * row_bytes;
            acc[k] = _mm256_setzero_ps();
        }
        for (int32_t b = 0; b < blocks; b++) {
            __m256i y = _mm256_loadu_si256((const __m256i *) (xq + 32 * b));
            __m256i corr = q8_correction(y);
            float dx = xd[b];
            for (int k = 0; k < GROUP; k++) {
                const uint8_t *blk = p[k] + (int64_t) b * Q8_0_BYTES;
                __m256i s = dot_s8s8(_mm256_loadu_si256((const __m256i *) (blk + 2)), y, corr);
                float d = half(blk) * dx;
                acc[k] = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(s), acc[k]);
            }
        }
        for (int k = 0; k < GROUP; k++) {
            out[r + k] = hsum(acc[k]);
        }
    }
    for (; r < row_end; r++) {
        const uint8_t *p = w + (int64_t) r * row_bytes;
        __m256 acc = _mm256_setzero_ps();
        for (int32_t b = 0; b < blocks; b++) {
            __m256i y = _mm256_loadu_si256((const __m256i *) (xq + 32 * b));
            const uint8_t *blk = p + (int64_t) b * Q8_0_BYTES;
            __m256i s = dot_s8s8(_mm256_loadu_si256((const __m256i *) (blk + 2)), y, q8_correction(y));
            float d = half(blk) * xd[b];
            acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(s), acc);
        }
        out[r] = hsum(acc);
    }
}

/*
 * K-quants, with the same 32-value activation blocks. Per 32-value block b the exact int32 lanes
 * are scaled by the block's integer sub-block scales first (exact: the products stay below 2^24),
 * then accumulated with one float factor per block:
 *   Q4_K: acc = fma(d*xd[b], sc*s, acc); acc = fma(-(dmin*xd[b]), m*t, acc)
 *   Q6_K: acc = fma(d*xd[b], sc_lane*(s - 32*t), acc)    (sc_lane: 16-value sub-block of the lane)
 * where s = lanes of sum(q*x) with the unsigned quants q, and t = lanes of sum(x).
 */
#define Q4_K_BYTES 144
#define Q6_K_BYTES 210

static inline void scale_min_k4(int j, const uint8_t *q, int *sc, int *m) {
    if (j < 4) {
        *sc = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
        *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

/* g rows from row r (g is a constant where this is inlined): activation loads shared by the rows */
static inline __attribute__((always_inline)) void q4_k_group(const uint8_t *w, int64_t row_bytes, int32_t r,
        int g, int32_t blocks, const int8_t *xq, const float *xd, float *out) {
    const __m256i ones = _mm256_set1_epi8(1);
    const __m256i low = _mm256_set1_epi8(0x0F);
    __m256 acc[GROUP];
    for (int k = 0; k < g; k++) {
        acc[k] = _mm256_setzero_ps();
    }
    for (int32_t sb = 0; sb < blocks / 8; sb++) {
        for (int c = 0; c < 4; c++) {
            for (int h = 0; h < 2; h++) {
                int sub = 2 * c + h;
                int32_t b = 8 * sb + sub;
                __m256i y = _mm256_loadu_si256((const __m256i *) (xq + 32 * b));
                __m256i ysum = _mm256_maddubs_epi16(ones, y);
                for (int k = 0; k < g; k++) {
                    const uint8_t *blk = w + (int64_t) (r + k) * row_bytes + (int64_t) sb * Q4_K_BYTES;
                    __m256i raw = _mm256_loadu_si256((const __m256i *) (blk + 16 + 32 * c));
                    __m256i q = h == 0 ? _mm256_and_si256(raw, low)
                            : _mm256_and_si256(_mm256_srli_epi16(raw, 4), low);
                    int sc, m;
                    scale_min_k4(sub, blk + 4, &sc, &m);
                    /* the int16 pair sums (at most 2*15*127) times the scale, summed in pairs:
                       the scaling rides on the pairwise add */
                    __m256i s = _mm256_madd_epi16(_mm256_maddubs_epi16(q, y), _mm256_set1_epi16((short) sc));
                    __m256i t = _mm256_madd_epi16(ysum, _mm256_set1_epi16((short) m));
                    acc[k] = _mm256_fmadd_ps(_mm256_set1_ps(half(blk) * xd[b]), _mm256_cvtepi32_ps(s), acc[k]);
                    acc[k] = _mm256_fmadd_ps(_mm256_set1_ps(-(half(blk + 2) * xd[b])), _mm256_cvtepi32_ps(t),
                            acc[k]);
                }
            }
        }
    }
    for (int k = 0; k < g; k++) {
        out[r + k] = hsum(acc[k]);
    }
}

void jinfer_q4_k_rows(const uint8_t *w, int64_t row_bytes, int32_t row_start, int32_t row_end, int32_t blocks,
        const int8_t *xq, const float *xd, float *out) {
    int32_t r = row_start;
    for (; r + GROUP <= row_end; r += GROUP) {
        q4_k_group(w, row_bytes, r, GROUP, blocks, xq, xd, out);
    }
    for (; r < row_end; r++) {
        q4_k_group(w, row_bytes, r, 1, blocks, xq, xd, out);
    }
}

static inline __attribute__((always_inline)) void q6_k_group(const uint8_t *w, int64_t row_bytes, int32_t r,
        int g, int32_t blocks, const int8_t *xq, const float *xd, float *out) {
    const __m256i low = _mm256_set1_epi8(0x0F);
    const __m256i two = _mm256_set1_epi8(3);
    const __m256i thirty2 = _mm256_set1_epi8(32);
    __m256 acc[GROUP];
    for (int k = 0; k < g; k++) {
        acc[k] = _mm256_setzero_ps();
    }
    for (int32_t sb = 0; sb < blocks / 8; sb++) {
        for (int n = 0; n < 2; n++) {
            for (int k = 0; k < 4; k++) {
                int32_t b = 8 * sb + 4 * n + k;
                __m256i y = _mm256_loadu_si256((const __m256i *) (xq + 32 * b));
                __m256i y32 = _mm256_maddubs_epi16(thirty2, y);
                for (int i = 0; i < g; i++) {
                    const uint8_t *blk = w + (int64_t) (r + i) * row_bytes + (int64_t) sb * Q6_K_BYTES;
                    const int8_t *scales = (const int8_t *) (blk + 192);
                    __m256i lo4 = _mm256_loadu_si256((const __m256i *) (blk + 64 * n + 32 * (k & 1)));
                    __m256i hb = _mm256_loadu_si256((const __m256i *) (blk + 128 + 32 * n));
                    __m256i nib = k < 2 ? _mm256_and_si256(lo4, low)
                            : _mm256_and_si256(_mm256_srli_epi16(lo4, 4), low);
                    __m256i hi2 = _mm256_and_si256(_mm256_srli_epi16(hb, 2 * k), two);
                    __m256i q = _mm256_or_si256(nib, _mm256_slli_epi16(hi2, 4));
                    /* int16 pairs of (q - 32) * x: at most 2*63*127 + 32*254 in magnitude */
                    __m256i p16 = _mm256_sub_epi16(_mm256_maddubs_epi16(q, y), y32);
                    __m256i sc = _mm256_set_m128i(_mm_set1_epi16(scales[8 * n + 2 * k + 1]),
                            _mm_set1_epi16(scales[8 * n + 2 * k]));
                    __m256i v = _mm256_madd_epi16(p16, sc);
                    acc[i] = _mm256_fmadd_ps(_mm256_set1_ps(half(blk + 208) * xd[b]), _mm256_cvtepi32_ps(v),
                            acc[i]);
                }
            }
        }
    }
    for (int i = 0; i < g; i++) {
        out[r + i] = hsum(acc[i]);
    }
}

void jinfer_q6_k_rows(const uint8_t *w, int64_t row_bytes, int32_t row_start, int32_t row_end, int32_t blocks,
        const int8_t *xq, const float *xd, float *out) {
    /* one row at a time: measured faster than groups of four for Q6_K (more work per row, and
       the group's registers spill) */
    for (int32_t r = row_start; r < row_end; r++) {
        q6_k_group(w, row_bytes, r, 1, blocks, xq, xd, out);
    }
}

/* The variant's name, for diagnostics. */
const char *jinfer_variant(void) {
    return VARIANT;
}

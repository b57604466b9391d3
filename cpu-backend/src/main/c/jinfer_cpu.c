/*
 * jinfer native CPU kernels: one-token (decode) matrix products of Q4_0 / Q8_0 weights with an
 * activation vector already quantised to 8 bits (32 int8 values and one float scale per block).
 *
 * The arithmetic is fixed so that a plain Java emulation reproduces it bit for bit
 * (NativeEmulation in the tests):
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

/* The variant's name, for diagnostics. */
const char *jinfer_variant(void) {
    return VARIANT;
}

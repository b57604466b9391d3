/*
 * Part of jinfer_cpu.c (compiled as one translation unit, in the include order there): the includes, the variant macros and the helpers every family uses (F16 scalars, lane sums, prefetch addresses).
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

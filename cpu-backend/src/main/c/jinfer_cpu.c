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
 * Integer sums are exact whichever instructions compute them, so the AVX2 and the AVX-512 VNNI
 * variants give identical results; the AMX variant's Q4_0/Q8_0 use whole-block sums instead (see
 * cpu_q8.h). Build with -ffp-contract=off: the only fused operations are the explicit ones.
 *
 * Compiled three times (build.sh): with -mavx2 -mfma -mf16c; with AVX-512 F/BW/VL/VNNI added
 * (JINFER_VNNI); and with AMX-TILE/INT8 on top (JINFER_AMX). One translation unit, in parts by
 * weight family; later parts use what earlier ones define.
 */
#include "cpu_common.h"
#include "cpu_q8.h"
#include "cpu_kquant.h"
#include "cpu_table.h"
#include "cpu_float.h"
#include "cpu_ops.h"

const char *jinfer_variant(void) {
    return VARIANT;
}

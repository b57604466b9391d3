package io.jinfer.loader.quant;

import io.jinfer.api.format.LittleEndian;
import java.lang.foreign.MemorySegment;

/**
 * Q5_0, as ggml's reference quantiser: like Q4_0 with 32 levels, {@code d = max / -16} and
 * {@code q = min(31, trunc(x/d + 16.5))}. The low four bits of values j and j + 16 share byte j; the
 * fifth bit of value i is bit i of a little-endian 32-bit word that precedes the nibbles.
 */
final class Q5_0Quantizer {
    private Q5_0Quantizer() {}

    static void quantizeBlock(float[] x, int off, MemorySegment dst, long at) {
        float d = BlockMath.signedAbsMax(x, off) / -16f;
        float id = BlockMath.inverse(d);
        BlockMath.putHalf(dst, at, d);
        int qh = 0;
        for (int j = 0; j < BlockMath.HALF; j++) {
            int lo = Math.min(31, (int) (x[off + j] * id + 16.5f));
            int hi = Math.min(31, (int) (x[off + BlockMath.HALF + j] * id + 16.5f));
            BlockMath.putByte(dst, at + 6 + j, (lo & 0x0F) | ((hi & 0x0F) << 4));
            qh |= ((lo >>> 4) & 1) << j;
            qh |= ((hi >>> 4) & 1) << (j + BlockMath.HALF);
        }
        dst.set(LittleEndian.INT, at + 2, qh);
    }
}

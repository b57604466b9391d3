package io.jinfer.loader.quant;

import io.jinfer.api.format.LittleEndian;
import java.lang.foreign.MemorySegment;

/**
 * Q5_1, as ggml's reference quantiser: {@code d = (max - min) / 31}, {@code m = min} (both F16);
 * {@code q = trunc((x - min)/d + 0.5)} kept to its low five bits, without the clamp the other
 * formats have (ggml has none here; the float arithmetic cannot exceed 31.5). Bits are packed as in
 * Q5_0.
 */
final class Q5_1Quantizer {
    private Q5_1Quantizer() {}

    static void quantizeBlock(float[] x, int off, MemorySegment dst, long at) {
        float min = BlockMath.min(x, off);
        float max = BlockMath.max(x, off);
        float d = (max - min) / 31f;
        float id = BlockMath.inverse(d);
        BlockMath.putHalf(dst, at, d);
        BlockMath.putHalf(dst, at + 2, min);
        int qh = 0;
        for (int j = 0; j < BlockMath.HALF; j++) {
            int lo = (int) ((x[off + j] - min) * id + 0.5f) & 0xFF;
            int hi = (int) ((x[off + BlockMath.HALF + j] - min) * id + 0.5f) & 0xFF;
            BlockMath.putByte(dst, at + 8 + j, (lo & 0x0F) | ((hi & 0x0F) << 4));
            qh |= ((lo >>> 4) & 1) << j;
            qh |= ((hi >>> 4) & 1) << (j + BlockMath.HALF);
        }
        dst.set(LittleEndian.INT, at + 4, qh);
    }
}

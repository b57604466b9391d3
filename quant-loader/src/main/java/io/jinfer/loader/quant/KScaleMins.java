package io.jinfer.loader.quant;

import static io.jinfer.loader.quant.KQuantMath.nearestInt;
import static io.jinfer.loader.quant.BlockMath.putByte;

import java.lang.foreign.MemorySegment;

/**
 * The 6-bit scales and minimums of Q4_K and Q5_K: how ggml quantises the eight float pairs
 * against their largest values, and how it packs them into 12 bytes.
 */
final class KScaleMins {
    private KScaleMins() {}

    /**
     * Rounds each group's scale and minimum to 6 bits relative to the largest of each: level
     * {@code nearest(63 / max * v)}, truncated to a byte as ggml's {@code uint8_t} does, then capped
     * at 63.
     */
    static void quantize(float[] scales, float[] mins, float maxScale, float maxMin, int[] ls, int[] lm) {
        float invScale = maxScale > 0 ? 63f / maxScale : 0f;
        float invMin = maxMin > 0 ? 63f / maxMin : 0f;
        for (int j = 0; j < 8; j++) {
            ls[j] = Math.min(63, nearestInt(invScale * scales[j]) & 0xFF);
            lm[j] = Math.min(63, nearestInt(invMin * mins[j]) & 0xFF);
        }
    }

    /**
     * Packs eight 6-bit scales and minimums: groups 0..3 take the low 6 bits of bytes j (scale) and
     * j + 4 (minimum); groups 4..7 put their low nibbles in byte j + 4 and their top two bits in the
     * spare top bits of bytes j - 4 (scale) and j (minimum).
     */
    static void pack(int[] ls, int[] lm, MemorySegment dst, long at) {
        for (int j = 0; j < 4; j++) {
            putByte(dst, at + j, ls[j] | (ls[j + 4] >> 4) << 6);
            putByte(dst, at + 4 + j, lm[j] | (lm[j + 4] >> 4) << 6);
            putByte(dst, at + 8 + j, (ls[j + 4] & 0xF) | (lm[j + 4] & 0xF) << 4);
        }
    }
}

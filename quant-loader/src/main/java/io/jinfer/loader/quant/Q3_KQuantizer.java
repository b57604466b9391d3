package io.jinfer.loader.quant;

import static io.jinfer.loader.quant.KQuantMath.clamp;
import static io.jinfer.loader.quant.KQuantMath.nearestInt;
import static io.jinfer.loader.quant.BlockMath.putByte;
import static io.jinfer.loader.quant.BlockMath.putHalf;
import static io.jinfer.loader.quant.KQuantMath.viaF16;

import java.lang.foreign.MemorySegment;

/**
 * Q3_K, as ggml's reference quantiser: each group of 16 values gets a signed scale from
 * {@link SymmetricScaleSearch#q3} (levels -4..3); the 16 scales become 6-bit values biased by 32
 * against the F16 super-scale {@code -max / 32} (max: the scale of largest magnitude, sign kept),
 * and every value is re-rounded against its stored group scale. The third bit of each level goes
 * to {@code hmask} (set means the level is 0..3 after adding 4).
 */
final class Q3_KQuantizer {
    private Q3_KQuantizer() {}

    static void quantizeBlock(float[] x, int off, MemorySegment dst, long at) {
        KScratch s = KScratch.get();
        int[] levels = s.levels;
        float[] scales = s.scales;
        for (int g = 0; g < 16; g++) {
            scales[g] = SymmetricScaleSearch.q3(16, 4, x, off + 16 * g, levels, 16 * g);
        }
        float maxScale = BlockMath.signedAbsMax(scales, 0, 16);
        int[] stored = s.scaleLevels;
        float d;
        if (maxScale != 0) {
            float iscale = -32f / maxScale;
            for (int g = 0; g < 16; g++) {
                // ggml keeps the rounded value in an int8_t before clamping
                stored[g] = clamp((byte) nearestInt(iscale * scales[g]), -32, 31) + 32;
            }
            putHalf(dst, at + 108, 1 / iscale);
            d = viaF16(1 / iscale);
        } else {
            java.util.Arrays.fill(stored, 0);
            putHalf(dst, at + 108, 0f);
            d = 0f;
        }
        packScales(stored, dst, at + 96);
        for (int g = 0; g < 16; g++) {
            float scale = d * (stored[g] - 32);
            if (scale == 0) {
                continue;
            }
            for (int i = 0; i < 16; i++) {
                levels[16 * g + i] = clamp(nearestInt(x[off + 16 * g + i] / scale), -4, 3) + 4;
            }
        }
        for (int j = 0; j < 32; j++) {
            int mask = 0;
            for (int bit = 0; bit < 8; bit++) {
                int i = 32 * bit + j;
                if (levels[i] > 3) {
                    mask |= 1 << bit;
                    levels[i] -= 4;
                }
            }
            putByte(dst, at + j, mask);
        }
        KQuantMath.putTwoBitLevels(levels, dst, at + 32);
    }

    /**
     * Packs sixteen 6-bit scales into 12 bytes: the low nibble of scale j goes to byte j (j &lt; 8)
     * or the high nibble of byte j - 8, its top two bits to bits {@code 2 * (j / 4)} of byte
     * {@code 8 + j % 4}. With a zero super-scale every byte is 0.
     */
    private static void packScales(int[] stored, MemorySegment dst, long at) {
        for (int j = 0; j < 8; j++) {
            putByte(dst, at + j, (stored[j] & 0xF) | (stored[j + 8] & 0xF) << 4);
        }
        for (int k = 0; k < 4; k++) {
            int b = 0;
            for (int q = 0; q < 4; q++) {
                b |= (stored[4 * q + k] >> 4) << (2 * q);
            }
            putByte(dst, at + 8 + k, b);
        }
    }
}

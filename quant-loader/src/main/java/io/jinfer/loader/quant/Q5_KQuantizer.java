package io.jinfer.loader.quant;

import static io.jinfer.loader.quant.BlockMath.putByte;

import java.lang.foreign.MemorySegment;

/**
 * Q5_K, as ggml's reference quantiser: Q4_K's procedure ({@link Q4_KQuantizer#fitLevels}) with
 * levels 0..31 and a narrower search ({@code rmin = -0.5}, 16 steps of 0.1). The fifth bits go to
 * 32 bytes {@code qh}: bit {@code i / 32} of byte {@code i % 32} for value i.
 */
final class Q5_KQuantizer {
    private Q5_KQuantizer() {}

    static void quantizeBlock(float[] x, int off, MemorySegment dst, long at) {
        int[] levels = Q4_KQuantizer.fitLevels(x, off, dst, at, 31, -0.5f, 0.1f, 15);
        for (int j = 0; j < 32; j++) {
            int high = 0;
            for (int group = 0; group < 8; group++) {
                high |= (levels[32 * group + j] >> 4) << group;
            }
            putByte(dst, at + 16 + j, high);
        }
        for (int chunk = 0; chunk < 4; chunk++) {
            for (int l = 0; l < 32; l++) {
                int lo = levels[64 * chunk + l] & 0xF;
                int hi = levels[64 * chunk + 32 + l] & 0xF;
                putByte(dst, at + 48 + 32L * chunk + l, lo | hi << 4);
            }
        }
    }
}

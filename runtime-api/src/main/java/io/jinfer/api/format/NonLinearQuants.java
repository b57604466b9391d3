package io.jinfer.api.format;

import static io.jinfer.api.format.BlockBytes.f16;
import static io.jinfer.api.format.BlockBytes.u16;
import static io.jinfer.api.format.BlockBytes.u8;

import java.lang.foreign.MemorySegment;

/**
 * ggml's non-linear 4-bit formats: each nibble indexes a fixed table of 16 levels, denser near
 * zero, which a scale multiplies.
 */
final class NonLinearQuants {
    /** The 16 levels of IQ4_NL and IQ4_XS, indexed by the nibble. */
    private static final int[] LEVELS = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    private NonLinearQuants() {}

    /**
     * @param nibble a 4-bit index
     * @return the IQ4 level it selects
     */
    static int level(int nibble) {
        return LEVELS[nibble & 0xF];
    }

    /**
     * IQ4_NL, 18 bytes: F16 d, 16 bytes of nibbles laid out as Q4_0 (byte j: value j low, value
     * j + 16 high). {@code v = d * level(q)}.
     */
    static void iq4Nl(MemorySegment src, long at, float[] dst, int out) {
        float d = f16(src, at);
        for (int j = 0; j < 16; j++) {
            int b = u8(src, at + 2 + j);
            dst[out + j] = d * level(b & 0xF);
            dst[out + j + 16] = d * level(b >>> 4);
        }
    }

    /**
     * IQ4_XS, 136 bytes: F16 d, 16-bit scales_h, 4 bytes scales_l, 128 bytes of nibbles. Each of
     * the 8 sub-blocks of 32 values has a 6-bit scale biased by 32: low 4 bits in nibble
     * {@code ib % 2} of scales_l byte {@code ib / 2}, top 2 bits at bit {@code 2 * ib} of scales_h.
     * Sub-block ib owns 16 nibble bytes laid out as IQ4_NL. {@code v = (d * (ls - 32)) * level(q)}.
     */
    static void iq4Xs(MemorySegment src, long at, float[] dst, int out) {
        float d = f16(src, at);
        int scalesHigh = u16(src, at + 2);
        for (int ib = 0; ib < 8; ib++) {
            int low = (u8(src, at + 4 + ib / 2) >>> (4 * (ib % 2))) & 0xF;
            int high = (scalesHigh >>> (2 * ib)) & 3;
            float dl = d * ((low | (high << 4)) - 32);
            long qs = at + 8 + 16L * ib;
            int o = out + 32 * ib;
            for (int j = 0; j < 16; j++) {
                int b = u8(src, qs + j);
                dst[o + j] = dl * level(b & 0xF);
                dst[o + j + 16] = dl * level(b >>> 4);
            }
        }
    }
}

package io.jinfer.api.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jinfer.api.QuantFormat;
import org.junit.jupiter.api.Test;

class NonLinearQuantsTest {
    /** ggml's kvalues_iq4nl, the 16 levels in nibble order. */
    private static final int[] LEVELS = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    @Test
    void iq4NlEveryNibbleInBothHalves() {
        Block b = new Block(QuantFormat.IQ4_NL).f16(0, 0.5f);
        for (int j = 0; j < 16; j++) {
            b.u8(2 + j, j | ((15 - j) << 4)); // value j gets level j, value j + 16 level 15 - j
        }
        float[] v = b.decode(QuantFormat.IQ4_NL);
        for (int j = 0; j < 16; j++) {
            assertEquals(0.5f * LEVELS[j], v[j], "value " + j);
            assertEquals(0.5f * LEVELS[15 - j], v[j + 16], "value " + (j + 16));
        }
        assertEquals(-63.5f, v[0]);
        assertEquals(56.5f, v[15]);
    }

    @Test
    void iq4XsScalesAndNibbles() {
        Block b = new Block(QuantFormat.IQ4_XS).f16(0, 0.25f);
        // Sub-block scales ls (biased by 32): low 4 bits in scales_l (byte 4 + ib/2, low nibble for
        // even ib), top 2 bits at bits 2ib of the 16-bit scales_h at byte 2.
        int[] ls = {0, 63, 32, 33, 31, 47, 16, 50};
        int scalesHigh = 0;
        for (int ib = 0; ib < 8; ib++) {
            b.or(4 + ib / 2, (ls[ib] & 0xF) << (4 * (ib % 2)));
            scalesHigh |= (ls[ib] >> 4) << (2 * ib);
        }
        b.u16(2, scalesHigh);
        for (int ib = 0; ib < 8; ib++) {
            for (int j = 0; j < 16; j++) {
                b.u8(8 + 16 * ib + j, ((j + ib) & 0xF) | ((j ^ ib) & 0xF) << 4);
            }
        }
        float[] v = b.decode(QuantFormat.IQ4_XS);
        for (int ib = 0; ib < 8; ib++) {
            float dl = 0.25f * (ls[ib] - 32);
            for (int j = 0; j < 16; j++) {
                assertEquals(dl * LEVELS[(j + ib) & 0xF], v[32 * ib + j], "value " + (32 * ib + j));
                assertEquals(dl * LEVELS[(j ^ ib) & 0xF], v[32 * ib + j + 16], "value " + (32 * ib + j + 16));
            }
        }
        // By hand: sub-block 1 has ls 63 -> 0.25 * 31 = 7.75; value 32 has nibble 1 -> level -104.
        assertEquals(-806f, v[32]);
        // Sub-block 0 has ls 0 -> 0.25 * -32 = -8; value 0 has nibble 0 -> level -127.
        assertEquals(1016f, v[0]);
    }
}

package io.jinfer.api.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jinfer.api.QuantFormat;
import org.junit.jupiter.api.Test;

class Fp4Test {
    /** E2M1 per the OCP MX spec, codes 0..15. */
    private static final float[] E2M1 = {0, 0.5f, 1, 1.5f, 2, 3, 4, 6, 0, -0.5f, -1, -1.5f, -2, -3, -4, -6};

    @Test
    void mxfp4EveryCodeInBothHalves() {
        Block b = new Block(QuantFormat.MXFP4).u8(0, 127 + 3); // E8M0 130: scale 2^3 = 8
        for (int j = 0; j < 16; j++) {
            b.u8(1 + j, j | ((15 - j) << 4));
        }
        float[] v = b.decode(QuantFormat.MXFP4);
        for (int j = 0; j < 16; j++) {
            assertEquals(E2M1[j] * 8, v[j], "value " + j);
            assertEquals(E2M1[15 - j] * 8, v[j + 16], "value " + (j + 16));
        }
        assertEquals(48f, v[7]);
        assertEquals(-48f, v[16]);
    }

    @Test
    void mxfp4ScaleExtremesFollowGgml() {
        // E8M0 0: scale 2^-127; E2M1 0.5 times it is 2^-128, a subnormal float.
        float[] tiny = new Block(QuantFormat.MXFP4).u8(0, 0).u8(1, 0x71).decode(QuantFormat.MXFP4);
        assertEquals(0x1p-128f, tiny[0]);
        assertEquals(6 * 0x1p-127f, tiny[16]);
        // E8M0 255: ggml multiplies doubled values by 2^127, so 0 stays 0, 0.5 gives 2^127 and
        // 1 already overflows to infinity (no NaN anywhere).
        float[] huge = new Block(QuantFormat.MXFP4).u8(0, 255).u8(1, 0x10).u8(2, 0xA2).decode(QuantFormat.MXFP4);
        assertEquals(0f, huge[0]);
        assertEquals(0x1p127f, huge[16]);
        assertEquals(Float.POSITIVE_INFINITY, huge[1]);
        assertEquals(Float.NEGATIVE_INFINITY, huge[17]);
    }

    @Test
    void nvfp4SubBlocksWithTheirOwnScales() {
        // UE4M3 scales: 0x38 = 1.0, 0x3C = 1.5, 0x01 = 2^-9 (subnormal), 0x7F = NaN code, read as 0
        int[] scaleCodes = {0x38, 0x3C, 0x01, 0x7F};
        float[] scales = {1f, 1.5f, 0x1p-9f, 0f};
        Block b = new Block(QuantFormat.NVFP4);
        for (int s = 0; s < 4; s++) {
            b.u8(s, scaleCodes[s]);
            for (int j = 0; j < 8; j++) {
                // sub-block s, byte j: value 16s + j gets code j + 8s % 16, value 16s + j + 8 gets 15 - j
                b.u8(4 + 8 * s + j, ((j + 8 * s) & 0xF) | ((15 - j) << 4));
            }
        }
        float[] v = b.decode(QuantFormat.NVFP4);
        for (int s = 0; s < 4; s++) {
            for (int j = 0; j < 8; j++) {
                assertEquals(E2M1[(j + 8 * s) & 0xF] * scales[s], v[16 * s + j], "value " + (16 * s + j));
                assertEquals(E2M1[15 - j] * scales[s], v[16 * s + j + 8], "value " + (16 * s + j + 8));
            }
        }
        assertEquals(6f, v[7]);          // sub-block 0, code 7, scale 1
        assertEquals(-9f, v[16 + 8]);    // sub-block 1, code 15 (-6), scale 1.5
        assertEquals(0x1p-10f, v[32 + 1]); // sub-block 2, code 1 (0.5), scale 2^-9
        // Sub-block 3: the NaN scale code reads as 0; value 55 has code 15 (-6), and -12 * 0f is -0f.
        assertEquals(-0f, v[48 + 7]);
        assertEquals(0f, v[48]);         // code 8 (-0) is ggml's integer 0 and decodes to +0
    }
}

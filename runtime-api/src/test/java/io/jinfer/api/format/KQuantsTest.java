package io.jinfer.api.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jinfer.api.QuantFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * K-quants. Each format gets one block whose bytes are written literally with a few values worked
 * out by hand, and one block packed in the test from chosen codes, scales and minimums following
 * the layout in ggml-common.h and the packing loops of ggml's quantize_row_*_ref; the super-block
 * scales are powers of two, so every expected value is exact.
 */
class KQuantsTest {
    private final Random random = new Random(20261126);

    @Test
    void q2KByHand() {
        Block b = new Block(QuantFormat.Q2_K).f16(80, 0.5f).f16(82, 0.25f);
        b.u8(0, 0x3A);  // sub-block 0 (values 0..15): scale 10, minimum 3
        b.u8(15, 0xF1); // sub-block 15 (values 240..255): scale 1, minimum 15
        b.u8(16, 0b11_10_01_00); // byte 0 of the first half: values 0, 32, 64, 96 have q 0, 1, 2, 3
        b.u8(16 + 32 + 31, 0b11_00_00_00); // byte 31 of the second half: value 128 + 96 + 31 = 255 has q 3
        float[] v = b.decode(QuantFormat.Q2_K);
        assertEquals(0.5f * 10 * 0 - 0.25f * 3, v[0]); // -0.75
        assertEquals(-0.75f, v[0]);
        assertEquals(0.5f * 3 - 3.75f, v[255]); // scale 0.5*1, minimum 0.25*15
        assertEquals(-2.25f, v[255]);
        assertEquals(0f, v[32], "sub-block 2 has scale 0 and minimum 0");
    }

    @Test
    void q2KPacked() {
        int[] q = codes(256, 0, 3);
        int[] sc = codes(16, 0, 15);
        int[] m = codes(16, 0, 15);
        Block b = new Block(QuantFormat.Q2_K).f16(80, 0.125f).f16(82, 0.5f);
        for (int j = 0; j < 16; j++) {
            b.u8(j, sc[j] | (m[j] << 4));
        }
        packTwoBitFields(b, 16, q);
        float[] v = b.decode(QuantFormat.Q2_K);
        for (int i = 0; i < 256; i++) {
            assertEquals((float) (0.125 * sc[i / 16] * q[i] - 0.5 * m[i / 16]), v[i], "value " + i);
        }
    }

    @Test
    void q3KByHand() {
        Block b = new Block(QuantFormat.Q3_K).f16(108, 2f);
        // Scale 0 (values 0..15): low nibble 0x5 in byte 96, top bits 0b10 in bits 0..1 of byte 104
        // -> 0b10_0101 = 37, minus 32 = 5. Scale 13 (values 208..223): high nibble of byte 96 + 5,
        // top bits at bits 6..7 of byte 104 + 1 -> 0x3 | 0b01 << 4 = 19, minus 32 = -13.
        b.u8(96, 0x05).u8(104, 0b10).u8(101, 0x30).u8(105, 0b01_000000);
        b.u8(32, 0b10); // value 0: low bits 2; its hmask bit (byte 0, bit 0) is clear -> q = 2 - 4 = -2
        b.u8(1, 0b1);   // value 1: hmask bit set -> q = low bits 0
        // value 211 = 128 + 2*32 + 19: low bits at bits 4..5 of byte 32 + 32 + 19, hmask byte 19 bit 6
        b.u8(32 + 32 + 19, 0b11 << 4).u8(19, 1 << 6);
        float[] v = b.decode(QuantFormat.Q3_K);
        assertEquals(2f * 5 * -2, v[0]);   // -20
        assertEquals(0f, v[1]);
        assertEquals(2f * -13 * 3, v[211]); // -78
        assertEquals(2f * -13 * -4, v[210]); // low bits 0, hmask clear -> -4
    }

    @Test
    void q3KPacked() {
        int[] q = codes(256, -4, 3);
        int[] scales = codes(16, 0, 63);
        Block b = new Block(QuantFormat.Q3_K).f16(108, 0.25f);
        int[] low = new int[256];
        for (int i = 0; i < 256; i++) {
            int biased = q[i] + 4;
            if (biased > 3) {
                b.or(i % 32, 1 << (i / 32));
            }
            low[i] = biased & 3;
        }
        packTwoBitFields(b, 32, low);
        for (int j = 0; j < 16; j++) {
            b.or(96 + (j < 8 ? j : j - 8), (scales[j] & 0xF) << (j < 8 ? 0 : 4));
            b.or(96 + 8 + j % 4, (scales[j] >> 4) << (2 * (j / 4)));
        }
        float[] v = b.decode(QuantFormat.Q3_K);
        for (int i = 0; i < 256; i++) {
            assertEquals((float) (0.25 * (scales[i / 16] - 32) * q[i]), v[i], "value " + i);
        }
    }

    @Test
    void q4KByHand() {
        Block b = new Block(QuantFormat.Q4_K).f16(0, 1f).f16(2, 0.5f);
        // 12 scale bytes at 4: sub-block 0 scale = byte0 & 63 = 1, minimum = byte4 & 63 = 5;
        // sub-block 4 scale = (byte8 & 0xF) | (byte0 >> 6) << 4 = 0xA | 3 << 4 = 58,
        // minimum = (byte8 >> 4) | (byte4 >> 6) << 4 = 0x9 | 1 << 4 = 25.
        b.u8(4, 0xC1).u8(4 + 4, 0x45).u8(4 + 8, 0x9A);
        b.u8(16, 0x7C);           // value 0: low nibble 12; value 32: high nibble 7 (sub-block 1: 0, 0)
        b.u8(16 + 64 + 3, 0x09);  // value 128 + 3 (sub-block 4): low nibble 9
        float[] v = b.decode(QuantFormat.Q4_K);
        assertEquals(1f * 12 - 0.5f * 5, v[0]);   // 9.5
        assertEquals(0f, v[32]);
        assertEquals(58f * 9 - 0.5f * 25, v[131]); // 509.5
        assertEquals(-12.5f, v[130]);
    }

    @Test
    void q4KPacked() {
        int[] q = codes(256, 0, 15);
        int[] sc = codes(8, 0, 63);
        int[] m = codes(8, 0, 63);
        Block b = new Block(QuantFormat.Q4_K).f16(0, 0.5f).f16(2, 0.25f);
        packScaleMinK4(b, 4, sc, m);
        packNibblesK(b, 16, q);
        float[] v = b.decode(QuantFormat.Q4_K);
        for (int i = 0; i < 256; i++) {
            assertEquals((float) (0.5 * sc[i / 32] * q[i] - 0.25 * m[i / 32]), v[i], "value " + i);
        }
    }

    @Test
    void q5KByHand() {
        Block b = new Block(QuantFormat.Q5_K).f16(0, 0.5f).f16(2, 1f);
        // sub-block 7: scale = (byte 15 & 0xF) | (byte 7 >> 6) << 4, minimum = (byte 15 >> 4) | (byte 11 >> 6) << 4
        b.u8(4 + 11, 0x24).u8(4 + 3, 0x40).u8(4 + 7, 0x80); // scale 4 | 1 << 4 = 20, minimum 2 | 2 << 4 = 34
        // value 255 = 3*64 + 32 + 31: high nibble of qs byte 3*32 + 31, fifth bit = qh byte 31 bit 7
        b.u8(48 + 96 + 31, 0xE0).u8(16 + 31, 0x80);
        float[] v = b.decode(QuantFormat.Q5_K);
        assertEquals(0.5f * 20 * (14 + 16) - 34f, v[255]); // 266
        assertEquals(-34f, v[254]);
    }

    @Test
    void q5KPacked() {
        int[] q = codes(256, 0, 31);
        int[] sc = codes(8, 0, 63);
        int[] m = codes(8, 0, 63);
        Block b = new Block(QuantFormat.Q5_K).f16(0, 0.25f).f16(2, 0.125f);
        packScaleMinK4(b, 4, sc, m);
        int[] low = new int[256];
        for (int i = 0; i < 256; i++) {
            low[i] = q[i] & 0xF;
            if (q[i] > 15) {
                b.or(16 + i % 32, 1 << (i / 32));
            }
        }
        packNibblesK(b, 48, low);
        float[] v = b.decode(QuantFormat.Q5_K);
        for (int i = 0; i < 256; i++) {
            assertEquals((float) (0.25 * sc[i / 32] * q[i] - 0.125 * m[i / 32]), v[i], "value " + i);
        }
    }

    @Test
    void q6KByHand() {
        Block b = new Block(QuantFormat.Q6_K).f16(208, 0.5f);
        b.u8(192, -3).u8(192 + 15, 100); // scale of values 0..15 is -3, of 240..255 is 100
        b.u8(0, 0x05); // value 0: low nibble 5, high bits 0 -> 5 - 32 = -27
        // value 255 = 128 + 96 + 31: ql byte 64 + 32 + 31 high nibble, qh byte 32 + 31 bits 6..7
        b.u8(64 + 63, 0xF0).u8(128 + 63, 0b11 << 6); // q = 0xF | 3 << 4 = 63 -> 31
        float[] v = b.decode(QuantFormat.Q6_K);
        assertEquals(0.5f * -3 * -27, v[0]); // 40.5
        assertEquals(0.5f * 100 * 31, v[255]); // 1550
        assertEquals(0.5f * 100 * -32, v[254]);
    }

    @Test
    void q6KPacked() {
        int[] q = codes(256, -32, 31);
        int[] scales = codes(16, -128, 127);
        Block b = new Block(QuantFormat.Q6_K).f16(208, 0.0625f);
        for (int j = 0; j < 16; j++) {
            b.u8(192 + j, scales[j]);
        }
        for (int half = 0; half < 2; half++) {
            for (int l = 0; l < 32; l++) {
                int[] biased = new int[4];
                for (int g = 0; g < 4; g++) {
                    biased[g] = q[128 * half + 32 * g + l] + 32;
                    b.or(128 + 32 * half + l, (biased[g] >> 4) << (2 * g));
                }
                b.u8(64 * half + l, (biased[0] & 0xF) | (biased[2] & 0xF) << 4);
                b.u8(64 * half + l + 32, (biased[1] & 0xF) | (biased[3] & 0xF) << 4);
            }
        }
        float[] v = b.decode(QuantFormat.Q6_K);
        for (int i = 0; i < 256; i++) {
            assertEquals((float) (0.0625 * scales[i / 16] * q[i]), v[i], "value " + i);
        }
    }

    @Test
    void q8K() {
        int[] q = codes(256, -128, 127);
        Block b = new Block(QuantFormat.Q8_K).f32(0, 0.375f);
        for (int i = 0; i < 256; i++) {
            b.u8(4 + i, q[i]);
        }
        for (int j = 0; j < 16; j++) {
            b.u16(260 + 2 * j, 0x7FFF); // block sums are for dot products and do not enter the values
        }
        float[] v = b.decode(QuantFormat.Q8_K);
        for (int i = 0; i < 256; i++) {
            assertEquals((float) (0.375 * q[i]), v[i], "value " + i);
        }
    }

    private int[] codes(int n, int lo, int hi) {
        int[] c = new int[n];
        for (int i = 0; i < n; i++) {
            c[i] = lo + random.nextInt(hi - lo + 1);
        }
        c[0] = lo; // both ends of the range appear
        c[n - 1] = hi;
        return c;
    }

    /** Q2_K/Q3_K low bits: value 128h + 32g + l at bit 2g of byte 32h + l. */
    private static void packTwoBitFields(Block b, int at, int[] q) {
        for (int i = 0; i < 256; i++) {
            int half = i / 128;
            int g = (i % 128) / 32;
            b.or(at + 32 * half + i % 32, q[i] << (2 * g));
        }
    }

    /** Q4_K/Q5_K nibbles: each 64 values share 32 bytes, the first 32 in low nibbles. */
    private static void packNibblesK(Block b, int at, int[] q) {
        for (int i = 0; i < 256; i++) {
            b.or(at + 32 * (i / 64) + i % 32, q[i] << ((i % 64) < 32 ? 0 : 4));
        }
    }

    /** Q4_K/Q5_K 6-bit scales and minimums, packed as quantize_row_q4_K_ref does. */
    private static void packScaleMinK4(Block b, int at, int[] sc, int[] m) {
        for (int j = 0; j < 8; j++) {
            if (j < 4) {
                b.u8(at + j, sc[j]).u8(at + j + 4, m[j]);
            }
        }
        for (int j = 4; j < 8; j++) {
            b.u8(at + j + 4, (sc[j] & 0xF) | ((m[j] & 0xF) << 4));
            b.or(at + j - 4, (sc[j] >> 4) << 6);
            b.or(at + j, (m[j] >> 4) << 6);
        }
    }
}

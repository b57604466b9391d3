package io.jinfer.api.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jinfer.api.QuantFormat;
import org.junit.jupiter.api.Test;

/** The first formats, each from a block written byte by byte with values worked out by hand. */
class LegacyQuantsTest {

    @Test
    void scalars() {
        assertEquals(-1.75f, new Block(4).f32(0, -1.75f).decode(QuantFormat.F32)[0]);
        // binary16 0x3C00 = 1.0, 0xC500 = -5.0, 0x0001 = 2^-24 (smallest subnormal)
        assertEquals(1f, new Block(2).u16(0, 0x3C00).decode(QuantFormat.F16)[0]);
        assertEquals(-5f, new Block(2).u16(0, 0xC500).decode(QuantFormat.F16)[0]);
        assertEquals(0x1p-24f, new Block(2).u16(0, 0x0001).decode(QuantFormat.F16)[0]);
        // bfloat16 0x4049 = upper half of 3.140625's binary32 (0x40490000)
        assertEquals(3.140625f, new Block(2).u16(0, 0x4049).decode(QuantFormat.BF16)[0]);
        assertEquals(-2f, new Block(2).u16(0, 0xC000).decode(QuantFormat.BF16)[0]);
    }

    @Test
    void q8_0() {
        Block b = new Block(QuantFormat.Q8_0).f16(0, 0.25f);
        for (int j = 0; j < 32; j++) {
            b.u8(2 + j, j * 8 - 128); // -128, -120, ..., 120
        }
        float[] v = b.decode(QuantFormat.Q8_0);
        assertEquals(-32f, v[0]);
        assertEquals(-30f, v[1]);
        assertEquals(0f, v[16]);
        assertEquals(30f, v[31]);
    }

    @Test
    void q4_0() {
        Block b = new Block(QuantFormat.Q4_0).f16(0, 0.5f);
        b.u8(2, 0xF0);  // value 0: nibble 0 -> (0-8)*0.5 = -4; value 16: nibble 15 -> 3.5
        b.u8(3, 0x8A);  // value 1: 10 -> 1; value 17: 8 -> 0
        b.u8(17, 0x19); // value 15: 9 -> 0.5; value 31: 1 -> -3.5
        float[] v = b.decode(QuantFormat.Q4_0);
        assertEquals(-4f, v[0]);
        assertEquals(3.5f, v[16]);
        assertEquals(1f, v[1]);
        assertEquals(0f, v[17]);
        assertEquals(0.5f, v[15]);
        assertEquals(-3.5f, v[31]);
        assertEquals(-4f, v[2], "untouched bytes are nibble 0: -8 * 0.5");
    }

    @Test
    void q4_1() {
        Block b = new Block(QuantFormat.Q4_1).f16(0, 0.25f).f16(2, -1f);
        b.u8(4, 0xF0); // value 0: 0*0.25 - 1 = -1; value 16: 15*0.25 - 1 = 2.75
        b.u8(19, 0x37); // value 15: 7 -> 0.75; value 31: 3 -> -0.25
        float[] v = b.decode(QuantFormat.Q4_1);
        assertEquals(-1f, v[0]);
        assertEquals(2.75f, v[16]);
        assertEquals(0.75f, v[15]);
        assertEquals(-0.25f, v[31]);
    }

    @Test
    void q5_0() {
        // qh bit i is the fifth bit of value i: set bits 0, 17 and 31.
        Block b = new Block(QuantFormat.Q5_0).f16(0, 2f).u32(2, (1 << 0) | (1 << 17) | (1 << 31));
        b.u8(6, 0x3F);  // value 0: 0xF | 16 = 31 -> (31-16)*2 = 30; value 16: 3, no fifth bit -> -26
        b.u8(7, 0x00);  // value 1: 0 -> -32; value 17: 0 | 16 -> 0
        b.u8(21, 0xA5); // value 15: 5 -> -22; value 31: 10 | 16 = 26 -> 20
        float[] v = b.decode(QuantFormat.Q5_0);
        assertArrayEquals(new float[] {30, -32}, new float[] {v[0], v[1]});
        assertEquals(-26f, v[16]);
        assertEquals(0f, v[17]);
        assertEquals(-22f, v[15]);
        assertEquals(20f, v[31]);
    }

    @Test
    void q5_1() {
        Block b = new Block(QuantFormat.Q5_1).f16(0, 0.5f).f16(2, 1f).u32(4, (1 << 3) | (1 << 20));
        b.u8(8 + 3, 0x21); // value 3: 1 | 16 = 17 -> 17*0.5 + 1 = 9.5; value 19: 2 -> 2
        b.u8(8 + 4, 0xE0); // value 4: 0 -> 1; value 20: 14 | 16 = 30 -> 16
        float[] v = b.decode(QuantFormat.Q5_1);
        assertEquals(9.5f, v[3]);
        assertEquals(2f, v[19]);
        assertEquals(1f, v[4]);
        assertEquals(16f, v[20]);
    }
}

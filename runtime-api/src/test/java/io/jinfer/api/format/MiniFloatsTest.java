package io.jinfer.api.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class MiniFloatsTest {

    @Test
    void everyE2m1Code() {
        // OCP MX spec, E2M1: sign bit, 2 exponent bits (bias 1), 1 mantissa bit; exponent 0 is
        // subnormal (0 or 0.5). Codes in order 0b0000 .. 0b1111. Code 8 is -0, which ggml's integer
        // table stores as plain 0, so it decodes to +0.
        float[] spec = {0f, 0.5f, 1f, 1.5f, 2f, 3f, 4f, 6f, 0f, -0.5f, -1f, -1.5f, -2f, -3f, -4f, -6f};
        for (int code = 0; code < 16; code++) {
            assertEquals(spec[code], MiniFloats.e2m1(code), "E2M1 code " + code);
            assertEquals((int) (2 * spec[code]), MiniFloats.e2m1Doubled(code), "doubled E2M1 code " + code);
        }
    }

    @Test
    void everyE8m0CodeHalved() {
        // E8M0 is a bare exponent with bias 127; ggml decodes half of it for every code, 255 included.
        for (int code = 0; code < 256; code++) {
            float expected = (float) (Math.pow(2.0, code - 127) / 2);
            assertEquals(expected, MiniFloats.e8m0Half(code), "E8M0 code " + code);
        }
        assertEquals(0.5f, MiniFloats.e8m0Half(127));
        assertEquals(Float.intBitsToFloat(0x00200000), MiniFloats.e8m0Half(0), "2^-128 is a subnormal float");
        assertEquals(0x1p127f, MiniFloats.e8m0Half(255));
    }

    @Test
    void everyUe4m3Code() {
        // Spec table built by walking the codes in order: exponent 0 holds the subnormals k * 2^-9;
        // each exponent e >= 1 holds 8 evenly spaced values starting at 2^(e-7).
        double[] table = new double[128];
        for (int m = 0; m < 8; m++) {
            table[m] = m / 512.0;
        }
        for (int e = 1; e < 16; e++) {
            double start = Math.pow(2, e - 7);
            for (int m = 0; m < 8; m++) {
                table[8 * e + m] = start + m * start / 8;
            }
        }
        table[0x7F] = 0; // the NaN code, which ggml reads as 0
        for (int code = 0; code < 256; code++) {
            double expected = code == 0xFF ? 480 : table[code & 0x7F];
            assertEquals((float) expected, MiniFloats.ue4m3(code), "UE4M3 code 0x" + Integer.toHexString(code));
            assertEquals((float) expected / 2, MiniFloats.ue4m3Half(code), "half of UE4M3 code " + code);
        }
        // Anchors from the E4M3 definition.
        assertEquals(0x1p-9f, MiniFloats.ue4m3(0x01), "smallest subnormal");
        assertEquals(0x1p-6f, MiniFloats.ue4m3(0x08), "smallest normal");
        assertEquals(1f, MiniFloats.ue4m3(0x38));
        assertEquals(1.875f, MiniFloats.ue4m3(0x3F));
        assertEquals(448f, MiniFloats.ue4m3(0x7E), "largest finite");
        assertEquals(0f, MiniFloats.ue4m3(0x7F));
    }
}

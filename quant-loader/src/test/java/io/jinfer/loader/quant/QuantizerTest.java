package io.jinfer.loader.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.ReferenceDequantizer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class QuantizerTest {

    private static byte[] quantize(QuantFormat format, float[] values) {
        MemorySegment dst = MemorySegment.ofArray(new byte[(int) format.rowBytes(values.length)]);
        long written = Quantizer.quantizeRow(format, values, 0, values.length, dst, 0);
        assertEquals(dst.byteSize(), written);
        return dst.toArray(ValueLayout.JAVA_BYTE);
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    // ---- exact bytes for hand-made blocks ---------------------------------------------------

    @Test
    void q8_0RoundsHalvesAwayFromZero() {
        float[] x = new float[32];
        x[0] = 127f; // amax 127 -> d = 1 exactly, F16 0x3C00
        x[1] = 63.5f;
        x[2] = -63.5f;
        x[3] = 0.5f;
        x[4] = -0.5f;
        x[5] = 0.49999997f; // adding 0.5 in float would round this up; roundf does not
        x[6] = -126.6f;
        x[7] = 2.4999998f;
        byte[] expected = new byte[34];
        expected[0] = 0x00;
        expected[1] = 0x3C;
        byte[] q = bytes(127, 64, -64, 1, -1, 0, -127, 2);
        System.arraycopy(q, 0, expected, 2, q.length);
        assertArrayEquals(expected, quantize(QuantFormat.Q8_0, x));
    }

    @Test
    void q4_0TakesTheFirstLargestMagnitudeWithItsSign() {
        float[] x = new float[32];
        for (int j = 0; j < 32; j++) {
            x[j] = (j % 17) - 8; // -8 .. 8 and again; -8 comes before +8, so max = -8 and d = 1
        }
        x[20] = 0.5f; // 9.0 -> 9
        x[21] = -0.5f; // 8.0 -> 8
        x[22] = 0.49f; // 8.99 -> 8
        byte[] expected = new byte[18];
        expected[1] = 0x3C; // d = +1
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(15, (j % 17));
            int hiIndex = 16 + j;
            int hi = switch (hiIndex) {
                case 20 -> 9;
                case 21 -> 8;
                case 22 -> 8;
                default -> Math.min(15, hiIndex % 17);
            };
            expected[2 + j] = (byte) (lo | hi << 4);
        }
        // x[16] = +8 would be level 16: the top level is clipped to 15
        assertEquals((byte) (0 | 15 << 4), expected[2]);
        assertArrayEquals(expected, quantize(QuantFormat.Q4_0, x));
    }

    @Test
    void q4_0WithPositiveMaxHasNegativeScale() {
        float[] x = new float[32];
        x[0] = 8f; // max = +8 -> d = -1 (F16 0xBC00), id = -1
        x[1] = -8f; // -8 * -1 + 8.5 = 16.5 -> 16 -> clipped 15
        x[2] = 3f; // -3 + 8.5 -> 5
        byte[] expected = new byte[18];
        expected[1] = (byte) 0xBC;
        for (int j = 0; j < 16; j++) {
            expected[2 + j] = (byte) 0x88; // zeros -> level 8
        }
        expected[2] = (byte) 0x80; // level 0 for +8
        expected[3] = (byte) 0x8F;
        expected[4] = (byte) 0x85;
        assertArrayEquals(expected, quantize(QuantFormat.Q4_0, x));
    }

    @Test
    void q4_1StoresScaleAndMinimum() {
        float[] x = new float[32];
        for (int j = 0; j < 32; j++) {
            x[j] = (j % 16) - 1; // min -1, max 14 -> d = 1 (0x3C00), m = -1 (0xBC00)
        }
        x[17] = 0.5f; // 1.5 + 0.5 = 2 -> 2
        x[18] = 0.49f; // 1.49 + 0.5 -> 1
        byte[] expected = new byte[20];
        expected[1] = 0x3C;
        expected[3] = (byte) 0xBC;
        for (int j = 0; j < 16; j++) {
            int hi = switch (j) {
                case 1 -> 2;
                case 2 -> 1;
                default -> j;
            };
            expected[4 + j] = (byte) (j | hi << 4);
        }
        assertArrayEquals(expected, quantize(QuantFormat.Q4_1, x));
    }

    @Test
    void q5_0PacksTheFifthBitApart() {
        float[] x = new float[32];
        for (int j = 0; j < 32; j++) {
            x[j] = j - 16; // largest magnitude is -16 -> d = 1, and level q = x + 16 = j
        }
        byte[] expected = new byte[22];
        expected[1] = 0x3C;
        int qh = 0;
        for (int j = 0; j < 32; j++) {
            if ((j & 0x10) != 0) {
                qh |= 1 << j;
            }
        }
        expected[2] = (byte) qh;
        expected[3] = (byte) (qh >>> 8);
        expected[4] = (byte) (qh >>> 16);
        expected[5] = (byte) (qh >>> 24);
        for (int j = 0; j < 16; j++) {
            expected[6 + j] = (byte) ((j & 0xF) | (((16 + j) & 0xF) << 4));
        }
        assertArrayEquals(expected, quantize(QuantFormat.Q5_0, x));
        assertEquals(0xFFFF_0000, qh, "values 16..31 have the fifth bit");
    }

    @Test
    void q5_1PacksLevelsUpTo31() {
        float[] x = new float[32];
        for (int j = 0; j < 32; j++) {
            x[j] = 31 - j; // min 0, max 31 -> d = 1 (0x3C00), m = 0
        }
        byte[] expected = new byte[24];
        expected[1] = 0x3C;
        int qh = 0;
        for (int j = 0; j < 32; j++) {
            int q = 31 - j;
            if ((q & 0x10) != 0) {
                qh |= 1 << j;
            }
        }
        expected[4] = (byte) qh;
        expected[5] = (byte) (qh >>> 8);
        expected[6] = (byte) (qh >>> 16);
        expected[7] = (byte) (qh >>> 24);
        for (int j = 0; j < 16; j++) {
            expected[8 + j] = (byte) (((31 - j) & 0xF) | (((15 - j) & 0xF) << 4));
        }
        assertArrayEquals(expected, quantize(QuantFormat.Q5_1, x));
        assertEquals(0x0000_FFFF, qh);
    }

    @Test
    void allZeroBlocksUseAZeroScaleAndTheZeroLevel() {
        float[] zeros = new float[32];
        assertArrayEquals(new byte[34], quantize(QuantFormat.Q8_0, zeros));
        // ggml divides the zero maximum by a negative number: the scale is -0 (F16 0x8000)
        byte[] q4 = new byte[18];
        q4[1] = (byte) 0x80;
        java.util.Arrays.fill(q4, 2, 18, (byte) 0x88);
        assertArrayEquals(q4, quantize(QuantFormat.Q4_0, zeros));
        assertArrayEquals(new byte[20], quantize(QuantFormat.Q4_1, zeros));
        byte[] q5 = new byte[22];
        q5[1] = (byte) 0x80;
        java.util.Arrays.fill(q5, 2, 6, (byte) 0xFF); // level 16: fifth bit set, nibble 0
        assertArrayEquals(q5, quantize(QuantFormat.Q5_0, zeros));
        assertArrayEquals(new byte[24], quantize(QuantFormat.Q5_1, zeros));
    }

    @Test
    void halfAndFloatFormatsAreLittleEndianPerValue() {
        float[] x = {1f, -2f, 0.5f};
        assertArrayEquals(bytes(0x00, 0x3C, 0x00, 0xC0, 0x00, 0x38), quantize(QuantFormat.F16, x));
        assertArrayEquals(bytes(0x80, 0x3F, 0x00, 0xC0, 0x00, 0x3F), quantize(QuantFormat.BF16, x));
        assertArrayEquals(concat(bytes(0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0), bytes(0, 0, 0, 0x3F)),
                quantize(QuantFormat.F32, x));
    }

    private static double f16Error(double v) {
        return Math.max(Math.abs(v) * 0x1p-11, 0x1p-25) * 1.001;
    }

    // ---- round trips within each format's error bound ----------------------------------------

    /** Largest error a correct quantiser may leave in a block, from the format's step size. */
    private static double bound(QuantFormat format, float[] x, int off) {
        double amax = 0;
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            amax = Math.max(amax, Math.abs(x[off + j]));
            min = Math.min(min, x[off + j]);
            max = Math.max(max, x[off + j]);
        }
        // A scale or minimum stored as F16 moves by at most half an F16 ulp (2^-11 relative, or
        // 2^-25 absolute where it falls among the subnormals); the error it causes grows with the level.
        return switch (format) {
            case Q8_0 -> amax / 127 * 0.5 + 127 * f16Error(amax / 127);
            // the value opposite the extreme may be clipped by a whole step (level 15 = 7 steps)
            case Q4_0 -> amax / 8 + 8 * f16Error(amax / 8);
            case Q5_0 -> amax / 16 + 16 * f16Error(amax / 16);
            case Q4_1 -> (max - min) / 15 * 0.5 + 15 * f16Error((max - min) / 15) + f16Error(min);
            case Q5_1 -> (max - min) / 31 * 0.5 + 31 * f16Error((max - min) / 31) + f16Error(min);
            default -> throw new AssertionError(format);
        };
    }

    @ParameterizedTest
    @EnumSource(value = QuantFormat.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"})
    void randomRowsRoundTripWithinTheFormatsBound(QuantFormat format) {
        SplittableRandom rnd = new SplittableRandom(format.ordinal());
        int n = 4096;
        float[] x = new float[n + 7];
        float[] back = new float[n];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dst = arena.allocate(format.rowBytes(n) + 5);
            for (int trial = 0; trial < 20; trial++) {
                double scale = Math.pow(10, rnd.nextInt(-4, 3));
                double shift = trial % 3 == 0 ? scale * 3 : 0; // shifted rows exercise the minimum of Q4_1/Q5_1
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) (rnd.nextGaussian() * scale + shift);
                }
                Quantizer.quantizeRow(format, x, 7, n, dst, 5);
                ReferenceDequantizer.dequantize(format, dst, 5, n, back, 0);
                for (int b = 0; b < n / 32; b++) {
                    double limit = bound(format, x, 7 + 32 * b);
                    for (int j = 0; j < 32; j++) {
                        int i = 32 * b + j;
                        double err = Math.abs(back[i] - x[7 + i]);
                        assertTrue(err <= limit, format + " value " + i + ": " + x[7 + i] + " -> " + back[i]
                                + ", error " + err + " > bound " + limit);
                    }
                }
            }
        }
    }

    @Test
    void q8_0IsMuchTighterThanQ4_0OnTheSameData() {
        SplittableRandom rnd = new SplittableRandom(3);
        float[] x = new float[1024];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        double e8 = rms(QuantFormat.Q8_0, x);
        double e4 = rms(QuantFormat.Q4_0, x);
        double e5 = rms(QuantFormat.Q5_0, x);
        assertTrue(e8 < e5 && e5 < e4, "rms errors Q8_0 " + e8 + ", Q5_0 " + e5 + ", Q4_0 " + e4);
        assertTrue(e8 < 0.01, "Q8_0 rms error " + e8);
    }

    private static double rms(QuantFormat format, float[] x) {
        float[] back = new float[x.length];
        ReferenceDequantizer.dequantize(format, MemorySegment.ofArray(quantize(format, x)), 0, x.length, back, 0);
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += (back[i] - x[i]) * (double) (back[i] - x[i]);
        }
        return Math.sqrt(s / x.length);
    }

    // ---- bad input ---------------------------------------------------------------------------

    @Test
    void rejectsBadArgumentsWithClearMessages() {
        MemorySegment dst = MemorySegment.ofArray(new byte[64]);
        float[] x = new float[64];
        IllegalArgumentException partial = assertThrows(IllegalArgumentException.class,
                () -> Quantizer.quantizeRow(QuantFormat.Q4_0, x, 0, 40, dst, 0));
        assertTrue(partial.getMessage().contains("multiple"), partial.getMessage());
        IllegalArgumentException unsupported = assertThrows(IllegalArgumentException.class,
                () -> Quantizer.quantizeRow(QuantFormat.IQ2_XXS, x, 0, 256, dst, 0));
        assertTrue(unsupported.getMessage().contains("IQ2_XXS"), unsupported.getMessage());
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                () -> Quantizer.quantizeRow(QuantFormat.Q8_0, x, 0, 64, dst, 0));
        assertTrue(small.getMessage().contains("68 bytes"), small.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Quantizer.quantizeRow(QuantFormat.Q8_0, x, 40, 32, dst, 0));
        assertTrue(Quantizer.supports(QuantFormat.Q5_1));
        assertTrue(!Quantizer.supports(QuantFormat.Q8_K)); // activations only: ggml never writes it to files
    }
}

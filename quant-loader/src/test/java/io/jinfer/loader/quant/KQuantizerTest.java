package io.jinfer.loader.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.ReferenceDequantizer;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The super-block (K), non-linear (IQ4) and FP4 quantisers on hand-made blocks whose bytes follow
 * from the algorithms by hand, and on random rows against each format's error bound.
 */
class KQuantizerTest {
    /** The IQ4 levels, indexed by nibble. */
    private static final int[] IQ4 = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    private static byte[] quantize(QuantFormat format, float[] values) {
        MemorySegment dst = MemorySegment.ofArray(new byte[(int) format.rowBytes(values.length)]);
        long written = Quantizer.quantizeRow(format, values, 0, values.length, dst, 0);
        assertEquals(dst.byteSize(), written);
        return dst.toArray(ValueLayout.JAVA_BYTE);
    }

    private static float[] dequantize(QuantFormat format, byte[] bytes, int n) {
        float[] back = new float[n];
        ReferenceDequantizer.dequantize(format, MemorySegment.ofArray(bytes), 0, n, back, 0);
        return back;
    }

    private static int u8(byte[] b, int i) {
        return b[i] & 0xFF;
    }

    private static int u16(byte[] b, int i) {
        return u8(b, i) | u8(b, i + 1) << 8;
    }

    // ---- exact bytes for hand-made blocks ---------------------------------------------------

    /**
     * Integers -32..31 with -32 in every group of 16: every group fits scale 1 exactly, so the
     * super-scale is {@code -1 / 128} (F16 0xA000), every group scale is -128, and the values come
     * back exactly.
     */
    @Test
    void q6_KReproducesAnIntegerGridExactly() {
        float[] x = new float[256];
        for (int i = 0; i < 256; i++) {
            int g = i / 16;
            x[i] = i % 16 == 0 ? -32 : ((5 * (i % 16) + 7 * g) % 63) - 31;
        }
        byte[] q = quantize(QuantFormat.Q6_K, x);
        assertEquals(0xA000, u16(q, 208));
        for (int g = 0; g < 16; g++) {
            assertEquals(0x80, u8(q, 192 + g), "group scale " + g);
        }
        assertArrayEquals(x, dequantize(QuantFormat.Q6_K, q, 256));
    }

    /**
     * Levels 0..15 in every group of 32: each group fits scale 1 and minimum 0 exactly, so every
     * 6-bit scale is 63 under {@code d = F16(1/63)} (0x2410), every minimum is 0, and the nibbles
     * are the values themselves.
     */
    @Test
    void q4_KStoresSixBitScalesAndTheLevels() {
        float[] x = new float[256];
        for (int i = 0; i < 256; i++) {
            x[i] = (7 * (i % 32) + i / 32) % 16;
        }
        byte[] q = quantize(QuantFormat.Q4_K, x);
        byte[] expected = new byte[144];
        expected[0] = 0x10;
        expected[1] = 0x24;
        // scales 0..3 = 63 with the top bits of scales 4..7 (63 >> 4 = 3) in bits 6..7; minimums 0
        byte[] scales = {-1, -1, -1, -1, 0, 0, 0, 0, 0x0F, 0x0F, 0x0F, 0x0F};
        System.arraycopy(scales, 0, expected, 4, 12);
        for (int chunk = 0; chunk < 4; chunk++) {
            for (int l = 0; l < 32; l++) {
                expected[16 + 32 * chunk + l] = (byte) ((int) x[64 * chunk + l] | (int) x[64 * chunk + 32 + l] << 4);
            }
        }
        assertArrayEquals(expected, q);
    }

    /** As Q4_K with levels 0..31: the fifth bit of value {@code 32 g + l} is bit g of qh byte l. */
    @Test
    void q5_KPutsTheFifthBitInQh() {
        float[] x = new float[256];
        for (int i = 0; i < 256; i++) {
            x[i] = (7 * (i % 32) + i / 32) % 32;
        }
        byte[] q = quantize(QuantFormat.Q5_K, x);
        byte[] expected = new byte[176];
        expected[0] = 0x10;
        expected[1] = 0x24;
        byte[] scales = {-1, -1, -1, -1, 0, 0, 0, 0, 0x0F, 0x0F, 0x0F, 0x0F};
        System.arraycopy(scales, 0, expected, 4, 12);
        for (int l = 0; l < 32; l++) {
            int qh = 0;
            for (int g = 0; g < 8; g++) {
                qh |= ((int) x[32 * g + l] >> 4) << g;
            }
            expected[16 + l] = (byte) qh;
        }
        for (int chunk = 0; chunk < 4; chunk++) {
            for (int l = 0; l < 32; l++) {
                int lo = (int) x[64 * chunk + l] & 0xF;
                int hi = (int) x[64 * chunk + 32 + l] & 0xF;
                expected[48 + 32 * chunk + l] = (byte) (lo | hi << 4);
            }
        }
        assertArrayEquals(expected, q);
    }

    /**
     * Integers -4..3 with -4 in every group of 16: each group fits scale 1, the super-scale is
     * {@code 1 / -32} (F16 0xA800) and every 6-bit scale is -32 + 32 = 0, so the 12 scale bytes are
     * zero; the values come back exactly.
     */
    @Test
    void q3_KReproducesAnIntegerGridExactly() {
        float[] x = new float[256];
        for (int i = 0; i < 256; i++) {
            x[i] = i % 16 == 0 ? -4 : ((3 * (i % 16) + i / 16) % 8) - 4;
        }
        byte[] q = quantize(QuantFormat.Q3_K, x);
        assertEquals(0xA800, u16(q, 108));
        for (int b = 96; b < 108; b++) {
            assertEquals(0, q[b], "scale byte " + b);
        }
        for (int j = 0; j < 32; j++) {
            int mask = 0;
            for (int bit = 0; bit < 8; bit++) {
                mask |= (x[32 * bit + j] >= 0 ? 1 : 0) << bit;
            }
            assertEquals(mask, u8(q, j), "hmask byte " + j);
        }
        assertArrayEquals(x, dequantize(QuantFormat.Q3_K, q, 256));
    }

    /**
     * Levels 0..3 in every group of 16: scale 1, minimum 0, so each 4-bit scale is 15 under
     * {@code d = F16(1/15)} (0x2C44), every minimum and dmin is 0, and the 2-bit fields are the
     * values.
     */
    @Test
    void q2_KStoresFourBitScalesAndTwoBitLevels() {
        float[] x = new float[256];
        for (int i = 0; i < 256; i++) {
            x[i] = (i % 16 + i / 16) % 4;
        }
        byte[] q = quantize(QuantFormat.Q2_K, x);
        byte[] expected = new byte[84];
        Arrays.fill(expected, 0, 16, (byte) 0x0F);
        for (int half = 0; half < 2; half++) {
            for (int l = 0; l < 32; l++) {
                int b = 0;
                for (int k = 0; k < 4; k++) {
                    b |= (int) x[128 * half + 32 * k + l] << (2 * k);
                }
                expected[16 + 32 * half + l] = (byte) b;
            }
        }
        expected[80] = 0x44;
        expected[81] = 0x2C;
        assertArrayEquals(expected, q);
    }

    /**
     * Largest magnitude 6 gives E8M0 127 (scale 1, the E2M1 grid itself). Values half-way between
     * two codes take the lower code index (the smaller magnitude), and ±0.25 become +0 (code 0).
     */
    @Test
    void mxfp4PicksTheNearestCodeAndTheLowerOneOnATie() {
        float[] x = new float[32];
        float[] grid = {0, 0.5f, 1, 1.5f, 2, 3, 4, 6, -0f, -0.5f, -1, -1.5f, -2, -3, -4, -6};
        System.arraycopy(grid, 0, x, 0, 16);
        float[] ties = {5, -5, 2.5f, -2.5f, 0.25f, -0.25f};
        System.arraycopy(ties, 0, x, 16, ties.length);
        int[] codes = new int[32];
        for (int j = 0; j < 16; j++) {
            codes[j] = j == 8 ? 0 : j; // -0 is +0: code 0 is first and exact
        }
        int[] tieCodes = {6, 14, 4, 12, 0, 0};
        System.arraycopy(tieCodes, 0, codes, 16, tieCodes.length);
        byte[] expected = new byte[17];
        expected[0] = 127;
        for (int j = 0; j < 16; j++) {
            expected[1 + j] = (byte) (codes[j] | codes[16 + j] << 4);
        }
        assertArrayEquals(expected, quantize(QuantFormat.MXFP4, x));
    }

    /**
     * Just below 8, {@code log2} rounded to float is exactly 3, so the exponent is that of 8 (E8M0
     * 128, unit 2) and the value becomes 8 (code 6), not 6 as an exact floor would give.
     */
    @Test
    void mxfp4TakesTheExponentFromLog2RoundedToFloat() {
        float[] x = new float[32];
        x[0] = Math.nextDown(8f);
        byte[] q = quantize(QuantFormat.MXFP4, x);
        assertEquals(128, u8(q, 0));
        assertEquals(6, u8(q, 1));
    }

    /**
     * Four sub-blocks: amax 6 (UE4M3 1.0 = 0x38), amax 6.375 (6.375 / 6 = 1.0625 rounds half up to
     * 1.125 = 0x39), amax 6000 (capped at 448 = 0x7E), and values so small that the subnormal scale
     * rounds to 0 (every code 0).
     */
    @Test
    void nvfp4RoundsEachSubBlockScaleToUe4m3() {
        float[] x = new float[64];
        float[] grid = {0, 0.5f, 1, 1.5f, 2, 3, 4, 6, 0, -0.5f, -1, -1.5f, -2, -3, -4, -6};
        System.arraycopy(grid, 0, x, 0, 16);
        x[16] = 6.375f; // half-scale 0.5625: 12 * 0.5625 = 6.75 is nearest
        x[17] = 1.125f; // 2 * 0.5625 exactly
        x[18] = -2.25f; // -4 * 0.5625 exactly
        x[32] = 6000f; // half-scale 224: 12 * 224 = 2688 is the largest
        x[33] = 300f; // nearer 224 (code 1) than 448
        x[48] = 0.003f; // 0.0005 * 512 + 0.5 < 1: scale code 0
        x[49] = -0.002f;
        byte[] expected = new byte[36];
        expected[0] = 0x38;
        expected[1] = 0x39;
        expected[2] = 0x7E;
        expected[3] = 0;
        for (int j = 0; j < 8; j++) {
            expected[4 + j] = (byte) (j | (j == 0 ? 0 : 8 + j) << 4);
        }
        expected[4 + 8] = 7;
        expected[4 + 9] = 2;
        expected[4 + 10] = 12;
        expected[4 + 16] = 7;
        expected[4 + 17] = 1;
        assertArrayEquals(expected, quantize(QuantFormat.NVFP4, x));
    }

    /**
     * Half of every IQ4 level, each twice: the trial inverse scales find the exact fit d = 0.5 (F16
     * 0x3800), and each value takes its own level.
     */
    @Test
    void iq4_nlFindsTheExactScaleOfItsLevels() {
        float[] x = new float[32];
        int[] idx = new int[32];
        for (int j = 0; j < 32; j++) {
            idx[j] = (5 * j) % 16;
            x[j] = IQ4[idx[j]] * 0.5f;
        }
        byte[] expected = new byte[18];
        expected[1] = 0x38;
        for (int j = 0; j < 16; j++) {
            expected[2 + j] = (byte) (idx[j] | idx[16 + j] << 4);
        }
        assertArrayEquals(expected, quantize(QuantFormat.IQ4_NL, x));
    }

    /**
     * Groups at scales 1, 0.5, 0.25, 1, …: d = -1/32 (F16 0xA800); the 6-bit group scales are
     * -32, -16, -8, -32, … plus 32 = 0, 16, 24, 0, …, so scales_h holds 1 at bits 2 and 4 (0x0014)
     * and scales_l byte 1 holds 8 in its low nibble.
     */
    @Test
    void iq4_xsPacksSixBitGroupScales() {
        float[] factors = {1, 0.5f, 0.25f, 1, 1, 1, 1, 1};
        float[] x = new float[256];
        int[] idx = new int[256];
        for (int i = 0; i < 256; i++) {
            int ib = i / 32;
            idx[i] = (5 * (i % 32) + ib) % 16;
            x[i] = IQ4[idx[i]] * factors[ib];
        }
        byte[] expected = new byte[136];
        expected[1] = (byte) 0xA8;
        expected[2] = 0x14;
        expected[5] = 0x08;
        for (int ib = 0; ib < 8; ib++) {
            for (int j = 0; j < 16; j++) {
                expected[8 + 16 * ib + j] = (byte) (idx[32 * ib + j] | idx[32 * ib + 16 + j] << 4);
            }
        }
        assertArrayEquals(expected, quantize(QuantFormat.IQ4_XS, x));
    }

    @Test
    void allZeroBlocks() {
        for (QuantFormat f : new QuantFormat[] {QuantFormat.Q2_K, QuantFormat.Q3_K, QuantFormat.Q4_K,
                QuantFormat.Q5_K, QuantFormat.Q6_K, QuantFormat.MXFP4, QuantFormat.NVFP4}) {
            assertArrayEquals(new byte[f.bytesPerBlock()], quantize(f, new float[f.blockSize()]), f.name());
        }
        // IQ4: scale 0 picks level index 8 (value 1, the one nearest 0)
        byte[] nl = new byte[18];
        Arrays.fill(nl, 2, 18, (byte) 0x88);
        assertArrayEquals(nl, quantize(QuantFormat.IQ4_NL, new float[32]));
        // IQ4_XS: d = -0 / 32 = -0 (F16 0x8000); every group scale is 0 + 32 (high bits 2)
        byte[] xs = new byte[136];
        xs[1] = (byte) 0x80;
        xs[2] = (byte) 0xAA;
        xs[3] = (byte) 0xAA;
        Arrays.fill(xs, 8, 136, (byte) 0x88);
        assertArrayEquals(xs, quantize(QuantFormat.IQ4_XS, new float[256]));
    }

    // ---- round trips within each format's error bound ----------------------------------------

    /** Values that share one scale (and minimum) in each format. */
    private static int group(QuantFormat f) {
        return switch (f) {
            case Q2_K, Q3_K, Q6_K, NVFP4 -> 16;
            default -> 32;
        };
    }

    /** Largest magnitude, and the range including 0, of {@code n} values. */
    private record Extent(double amax, double range, double min) {
        static Extent of(float[] x, int off, int n) {
            double amax = 0;
            double min = 0;
            double max = -Double.MAX_VALUE;
            for (int j = 0; j < n; j++) {
                amax = Math.max(amax, Math.abs(x[off + j]));
                min = Math.min(min, x[off + j]);
                max = Math.max(max, x[off + j]);
            }
            return new Extent(amax, max - min, -min);
        }
    }

    /**
     * Largest error a correct quantiser may leave in a group. K-quants: 1.5 steps of the group's
     * own range (half a step of rounding, the rest for a fitted scale that is not the range's), plus
     * the largest level times half the quantum of the group scales, which are rounded against the
     * super-block's largest (4 bits for Q2_K, 6 for Q3_K/Q4_K/Q5_K, 8 for Q6_K), with 1.5 of slack
     * again for fitted scales. IQ4: the widest gap between levels (24 of 127). MXFP4: a third of the
     * largest magnitude (the unit u has {@code 4u <= amax < 8u}; values above 6u clip to 6u).
     * NVFP4 (normal UE4M3 scales): the scale S is within 1/16 of amax / 6 and no error exceeds S.
     */
    private static double bound(QuantFormat f, Extent g, Extent sb) {
        double slack = 1e-6 * sb.amax();
        return slack + switch (f) {
            case Q2_K -> 1.5 * (g.range() / 3 + sb.range() / 15 / 2 + sb.min() / 15 / 2);
            case Q4_K -> 1.5 * (g.range() / 15 + sb.range() / 63 / 2 + sb.min() / 63 / 2);
            case Q5_K -> 1.5 * (g.range() / 31 + sb.range() / 63 / 2 + sb.min() / 63 / 2);
            case Q3_K -> 1.5 * (g.amax() / 4 + 4 * (sb.amax() / 4 / 32) / 2);
            case Q6_K -> 1.5 * (g.amax() / 32 + 32 * (sb.amax() / 32 / 128) / 2);
            case IQ4_NL, IQ4_XS -> g.amax() * 24 / 127;
            case MXFP4 -> g.amax() / 3;
            case NVFP4 -> g.amax() / 6 * 17 / 16;
            default -> throw new AssertionError(f);
        };
    }

    @ParameterizedTest
    @EnumSource(value = QuantFormat.class,
            names = {"Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS", "MXFP4", "NVFP4"})
    void randomRowsRoundTripWithinTheFormatsBound(QuantFormat format) {
        SplittableRandom rnd = new SplittableRandom(format.ordinal());
        int n = 2048;
        float[] x = new float[n + 3];
        float[] back = new float[n];
        MemorySegment dst = MemorySegment.ofArray(new byte[(int) format.rowBytes(n) + 7]);
        for (int trial = 0; trial < 12; trial++) {
            // NVFP4 keeps amax / 6 above 2^-6, where UE4M3 scales are normal
            double scale = Math.pow(10, format == QuantFormat.NVFP4 ? rnd.nextInt(0, 3) : rnd.nextInt(-3, 3));
            double shift = trial % 3 == 0 ? scale * 2 : 0; // shifted rows exercise the K-quant minimums
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (rnd.nextGaussian() * scale + shift);
            }
            Quantizer.quantizeRow(format, x, 3, n, dst, 7);
            ReferenceDequantizer.dequantize(format, dst, 7, n, back, 0);
            int g = group(format);
            int superBlock = Math.max(g, format.blockSize());
            for (int b = 0; b < n / g; b++) {
                int sbStart = (g * b) / superBlock * superBlock;
                double limit = bound(format, Extent.of(x, 3 + g * b, g), Extent.of(x, 3 + sbStart, superBlock));
                for (int j = 0; j < g; j++) {
                    int i = g * b + j;
                    double err = Math.abs(back[i] - x[3 + i]);
                    assertTrue(err <= limit, format + " value " + i + ": " + x[3 + i] + " -> " + back[i]
                            + ", error " + err + " > bound " + limit);
                }
            }
        }
    }

    @Test
    void moreBitsGiveSmallerErrors() {
        SplittableRandom rnd = new SplittableRandom(5);
        float[] x = new float[4096];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        double q2 = relativeRms(QuantFormat.Q2_K, x);
        double q3 = relativeRms(QuantFormat.Q3_K, x);
        double q4 = relativeRms(QuantFormat.Q4_K, x);
        double q5 = relativeRms(QuantFormat.Q5_K, x);
        double q6 = relativeRms(QuantFormat.Q6_K, x);
        String all = "Q2_K " + q2 + ", Q3_K " + q3 + ", Q4_K " + q4 + ", Q5_K " + q5 + ", Q6_K " + q6;
        assertTrue(q2 > q3 && q3 > q4 && q4 > q5 && q5 > q6, all);
        assertTrue(q6 < 0.02, all);
        // the 4-bit formats with a finer scale beat MXFP4's power-of-two scale
        double iq4 = relativeRms(QuantFormat.IQ4_NL, x);
        double mx = relativeRms(QuantFormat.MXFP4, x);
        assertTrue(q4 < mx && iq4 < mx, "Q4_K " + q4 + ", IQ4_NL " + iq4 + ", MXFP4 " + mx);
    }

    private static double relativeRms(QuantFormat format, float[] x) {
        float[] back = dequantize(format, quantize(format, x), x.length);
        double se = 0;
        double sx = 0;
        for (int i = 0; i < x.length; i++) {
            se += (back[i] - x[i]) * (double) (back[i] - x[i]);
            sx += x[i] * (double) x[i];
        }
        return Math.sqrt(se / sx);
    }

    @Test
    void partialSuperBlocksAreRejected() {
        MemorySegment dst = MemorySegment.ofArray(new byte[1024]);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Quantizer.quantizeRow(QuantFormat.Q4_K, new float[512], 0, 128, dst, 0));
        assertTrue(e.getMessage().contains("256"), e.getMessage());
        assertTrue(Quantizer.supportedFormats().containsAll(java.util.EnumSet.of(QuantFormat.Q2_K,
                QuantFormat.Q3_K, QuantFormat.Q4_K, QuantFormat.Q5_K, QuantFormat.Q6_K, QuantFormat.IQ4_NL,
                QuantFormat.IQ4_XS, QuantFormat.MXFP4, QuantFormat.NVFP4)));
    }
}

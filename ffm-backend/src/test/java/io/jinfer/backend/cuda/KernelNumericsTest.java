package io.jinfer.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.E2m1;
import io.jinfer.api.format.E8m0;
import io.jinfer.api.format.Fp8;
import io.jinfer.api.format.MiniFloats;
import io.jinfer.api.format.ReferenceDequantizer;
import io.jinfer.api.format.ScaledDequantizer;
import io.jinfer.api.spi.TensorView;
import io.jinfer.api.spi.WeightScales;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The CUDA kernels' numerics (jinfer_numerics.cuh, compiled for the host) against jinfer's Java
 * reference, bit for bit: every code of every 8- and 4-bit format and every half, then random blocks.
 */
class KernelNumericsTest {

    private static HostNumerics host;

    @BeforeAll
    static void load() {
        host = HostNumerics.load();
        Assumptions.assumeTrue(host != null, HostNumerics.missingReason());
    }

    private static void assertSameBits(float expected, float actual, String what) {
        if (Float.isNaN(expected)) {
            assertEquals(true, Float.isNaN(actual), what + ": expected NaN, got " + actual);
        } else {
            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual),
                    what + ": expected " + expected + ", got " + actual);
        }
    }

    @Test
    void everyHalfDecodesLikeTheJdk() {
        for (int h = 0; h < 0x10000; h++) {
            assertSameBits(Float.float16ToFloat((short) h), host.f16(h), "half 0x" + Integer.toHexString(h));
        }
    }

    @Test
    void everyE4m3CodeMatchesTheReference() {
        for (int c = 0; c < 256; c++) {
            assertSameBits(Fp8.e4m3ToFloat(c), host.e4m3(c), "E4M3 0x" + Integer.toHexString(c));
        }
        assertEquals(448f, host.e4m3(0x7E));
        assertEquals(0x1p-9f, host.e4m3(0x01));
    }

    @Test
    void everyE5m2CodeIsTheTopByteOfAHalf() {
        for (int c = 0; c < 256; c++) {
            assertSameBits(Fp8.e5m2ToFloat(c), host.e5m2(c), "E5M2 0x" + Integer.toHexString(c));
            assertSameBits(Float.float16ToFloat((short) (c << 8)), host.e5m2(c), "E5M2 as a half's top byte");
        }
        assertEquals(57344f, host.e5m2(0x7B));
    }

    @Test
    void everyE2m1AndScaleCodeMatchesTheReference() {
        for (int c = 0; c < 16; c++) {
            assertSameBits(E2m1.toFloat(c), host.e2m1(c), "E2M1 " + c);
            assertEquals(MiniFloats.e2m1Doubled(c), host.e2m1(c) * 2, 0f, "doubled E2M1 " + c);
        }
        for (int c = 0; c < 256; c++) {
            assertSameBits(E8m0.toFloat(c), host.e8m0(c), "E8M0 " + c);
            assertSameBits(MiniFloats.ue4m3(c), host.ue4m3(c), "UE4M3 " + c);
        }
    }

    @Test
    void ggufBlocksDecodeAndDotLikeTheReference() {
        Random rnd = new Random(7);
        QuantFormat[] formats = {QuantFormat.Q8_0, QuantFormat.Q4_0, QuantFormat.MXFP4, QuantFormat.NVFP4};
        int[] ids = {HostNumerics.Q8_0, HostNumerics.Q4_0, HostNumerics.MXFP4, HostNumerics.NVFP4};
        try (Arena arena = Arena.ofConfined()) {
            for (int f = 0; f < formats.length; f++) {
                QuantFormat format = formats[f];
                int n = format.blockSize();
                MemorySegment block = arena.allocate(format.bytesPerBlock());
                MemorySegment decoded = arena.allocate(4L * n);
                MemorySegment x = arena.allocate(4L * n);
                float[] expected = new float[n];
                for (int round = 0; round < 2000; round++) {
                    randomBlock(format, block, rnd);
                    float[] xs = new float[n];
                    for (int i = 0; i < n; i++) {
                        xs[i] = (float) rnd.nextGaussian();
                        x.setAtIndex(ValueLayout.JAVA_FLOAT, i, xs[i]);
                    }
                    ReferenceDequantizer.dequantizeBlock(format, block, 0, expected, 0);
                    host.decodeBlock(ids[f], block, decoded);
                    float dot = 0f;
                    for (int i = 0; i < n; i++) {
                        assertSameBits(expected[i], decoded.getAtIndex(ValueLayout.JAVA_FLOAT, i), format + " value " + i);
                        dot += expected[i] * xs[i];
                    }
                    assertSameBits(dot, host.dotBlock(ids[f], block, x), format + " dot");
                }
            }
        }
    }

    @Test
    void scaledFp8RunsAndCheckpointNvfp4BlocksDotLikeTheScaledReference() {
        Random rnd = new Random(11);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment x = arena.allocate(4 * 128);
            for (int round = 0; round < 500; round++) {
                int n = 1 + rnd.nextInt(128);
                QuantFormat format = rnd.nextBoolean() ? QuantFormat.F8_E4M3 : QuantFormat.F8_E5M2;
                MemorySegment codes = arena.allocate(n);
                for (int i = 0; i < n; i++) {
                    int c = rnd.nextInt(256);
                    boolean special = format == QuantFormat.F8_E4M3 ? (c & 0x7F) == 0x7F : (c & 0x7C) == 0x7C;
                    codes.set(ValueLayout.JAVA_BYTE, i, (byte) (special ? c & 0xF0 : c));
                    x.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextGaussian());
                }
                MemorySegment scale = arena.allocateFrom(ValueLayout.JAVA_FLOAT, (float) Math.abs(rnd.nextGaussian()) / 448f);
                WeightScales scales = new WeightScales(QuantFormat.F32, scale, 1, n, (float) rnd.nextGaussian());
                TensorView t = new TensorView("w", format, new long[] {n, 1}, codes, scales);
                float factor = ScaledDequantizer.blockFactor(scales, 0);
                assertSameBits(referenceDot(t, x, n), host.dotFp8Run(codes, x, n,
                        format == QuantFormat.F8_E4M3 ? 0 : 1, factor), format + " run of " + n);

                MemorySegment packed = arena.allocate(8);
                for (int i = 0; i < 8; i++) {
                    packed.set(ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt(256));
                }
                for (int i = 0; i < 16; i++) {
                    x.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextGaussian());
                }
                int blockScale = rnd.nextInt(0x7E);
                float global = (float) Math.abs(rnd.nextGaussian()) / 2688f;
                WeightScales nv = new WeightScales(QuantFormat.F8_E4M3, arena.allocateFrom(ValueLayout.JAVA_BYTE,
                        (byte) blockScale), 1, 16, global);
                TensorView block = new TensorView("w", QuantFormat.E2M1, new long[] {16, 1}, packed, nv);
                assertSameBits(referenceDot(block, x, 16), host.dotNvfp4Checkpoint(packed, blockScale, global, x),
                        "NVFP4 checkpoint block");
            }
        }
    }

    /** The Java reference: ScaledDequantizer's row, then multiply and add in index order. */
    private static float referenceDot(TensorView t, MemorySegment x, int n) {
        float[] w = new float[n];
        ScaledDequantizer.dequantizeRow(t, 0, w, 0);
        float acc = 0f;
        for (int i = 0; i < n; i++) {
            acc += w[i] * x.getAtIndex(ValueLayout.JAVA_FLOAT, i);
        }
        return acc;
    }

    private static void randomBlock(QuantFormat format, MemorySegment block, Random rnd) {
        for (long i = 0; i < block.byteSize(); i++) {
            block.set(ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt(256));
        }
        if (format == QuantFormat.Q8_0 || format == QuantFormat.Q4_0) {
            short d = Float.floatToFloat16((float) rnd.nextGaussian() * 0.01f);
            block.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, d);
        }
    }
}

package io.jinfer.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.MiniFloats;
import io.jinfer.api.format.ReferenceDequantizer;
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
            float magnitude = (c & 0x7F) == 0x7F ? Float.NaN : MiniFloats.ue4m3(c & 0x7F);
            float expected = (c & 0x80) != 0 ? -magnitude : magnitude;
            assertSameBits(expected, host.e4m3(c), "E4M3 0x" + Integer.toHexString(c));
        }
        assertEquals(448f, host.e4m3(0x7E));
        assertEquals(0x1p-9f, host.e4m3(0x01));
    }

    @Test
    void everyE5m2CodeIsTheTopByteOfAHalf() {
        for (int c = 0; c < 256; c++) {
            assertSameBits(Float.float16ToFloat((short) (c << 8)), host.e5m2(c), "E5M2 0x" + Integer.toHexString(c));
        }
        assertEquals(57344f, host.e5m2(0x7B));
    }

    @Test
    void everyE2m1AndScaleCodeMatchesTheReference() {
        for (int c = 0; c < 16; c++) {
            float expected = MiniFloats.e2m1(c);
            assertEquals(expected, host.e2m1(c), 0f, "E2M1 " + c);
            assertEquals(MiniFloats.e2m1Doubled(c), host.e2m1(c) * 2, 0f, "doubled E2M1 " + c);
        }
        for (int c = 0; c < 256; c++) {
            float expected = c == 0xFF ? Float.NaN : Math.scalb(1f, c - 127);
            assertSameBits(expected, host.e8m0(c), "E8M0 " + c);
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
    void scaledFp8RunsAndCheckpointNvfp4BlocksDotInIndexOrder() {
        Random rnd = new Random(11);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment codes = arena.allocate(128);
            MemorySegment x = arena.allocate(4 * 128);
            for (int round = 0; round < 500; round++) {
                int n = 1 + rnd.nextInt(128);
                int format = rnd.nextInt(2);
                float scale = (float) Math.abs(rnd.nextGaussian()) / 448f;
                float acc = 0f;
                for (int i = 0; i < n; i++) {
                    int c = rnd.nextInt(256);
                    if ((format == 0 && (c & 0x7F) == 0x7F) || (format == 1 && (c & 0x7C) == 0x7C)) {
                        c &= 0xF0; // keep NaN and infinity codes out of the sums
                    }
                    codes.set(ValueLayout.JAVA_BYTE, i, (byte) c);
                    float xi = (float) rnd.nextGaussian();
                    x.setAtIndex(ValueLayout.JAVA_FLOAT, i, xi);
                    float w = format == 0 ? host.e4m3(c) : Float.float16ToFloat((short) (c << 8));
                    acc += w * xi;
                }
                assertSameBits(acc * scale, host.dotFp8Run(codes, x, n, format, scale), "FP8 run");

                int blockScale = rnd.nextInt(0x7E);
                float global = (float) Math.abs(rnd.nextGaussian()) / 2688f;
                float sum = 0f;
                for (int i = 0; i < 8; i++) {
                    int b = rnd.nextInt(256);
                    codes.set(ValueLayout.JAVA_BYTE, i, (byte) b);
                    float x0 = (float) rnd.nextGaussian();
                    float x1 = (float) rnd.nextGaussian();
                    x.setAtIndex(ValueLayout.JAVA_FLOAT, 2 * i, x0);
                    x.setAtIndex(ValueLayout.JAVA_FLOAT, 2 * i + 1, x1);
                    sum += MiniFloats.e2m1(b & 0xF) * x0;
                    sum += MiniFloats.e2m1(b >>> 4) * x1;
                }
                float expected = sum * (MiniFloats.ue4m3(blockScale) * global);
                assertSameBits(expected, host.dotNvfp4Checkpoint(codes, blockScale, global, x), "NVFP4 checkpoint");
            }
        }
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

package io.jinfer.loader.formats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.ReferenceDequantizer;
import io.jinfer.api.spi.TensorView;
import io.jinfer.loader.gguf.GgufFile;
import io.jinfer.loader.testing.SharedFixtures;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/**
 * Sharper than an RMSE: where llama-quantize's choice of each code is known exactly, the
 * dequantised file must reproduce it value by value. F16 and BF16 are the master rounded to nearest
 * even; MXFP4 and NVFP4 pick, for each value, the grid point {@code E2M1 * scale} nearest to the
 * master value given the block's stored scale, so a decoder that misplaces values or nibbles fails.
 */
class RoundingAgainstMasterTest {
    /** E2M1 magnitudes for codes 0..7, straight from the OCP MX specification. */
    private static final double[] E2M1 = {0, 0.5, 1, 1.5, 2, 3, 4, 6};

    @Test
    void f16IsTheMasterRoundedToNearestEven() {
        compareEveryValue("f16", QuantFormat.F16, (x, got) -> got == Float.float16ToFloat(Float.floatToFloat16(x)));
    }

    @Test
    void bf16IsTheMasterRoundedToNearestEven() {
        compareEveryValue("bf16", QuantFormat.BF16, (x, got) -> {
            int bits = Float.floatToRawIntBits(x);
            int rounded = (bits + 0x7FFF + ((bits >>> 16) & 1)) & 0xFFFF0000;
            return got == Float.intBitsToFloat(rounded);
        });
    }

    @Test
    void mxfp4ValuesAreTheNearestGridPoints() {
        nearestGridPoint("mxfp4", QuantFormat.MXFP4, 32, 32, (data, block, sub) -> {
            int e = data.get(ValueLayout.JAVA_BYTE, block) & 0xFF;
            return Math.pow(2, e - 127);
        });
    }

    @Test
    void nvfp4ValuesAreTheNearestGridPoints() {
        nearestGridPoint("nvfp4", QuantFormat.NVFP4, 64, 16, (data, block, sub) -> {
            int code = data.get(ValueLayout.JAVA_BYTE, block + sub) & 0xFF;
            int e = (code >>> 3) & 0xF;
            int m = code & 7;
            // UE4M3 per the spec: subnormal m/8 * 2^-6 at exponent 0, else (1 + m/8) * 2^(e-7).
            return e == 0 ? m / 8.0 * Math.pow(2, -6) : (1 + m / 8.0) * Math.pow(2, e - 7);
        });
    }

    private interface Check {
        boolean ok(float master, float decoded);
    }

    private interface ScaleOf {
        double scale(java.lang.foreign.MemorySegment data, long blockOffset, int subBlock);
    }

    private static void compareEveryValue(String suffix, QuantFormat format, Check check) {
        try (GgufFile master = GgufFile.open(SharedFixtures.require("models/synth-llama-f32.gguf"));
                GgufFile q = GgufFile.open(SharedFixtures.require("models/synth-llama-" + suffix + ".gguf"))) {
            long compared = 0;
            for (TensorView t : q.tensors()) {
                if (t.format() != format) {
                    continue;
                }
                float[] want = dequantise(master.tensor(t.name()));
                float[] got = dequantise(t);
                for (int i = 0; i < want.length; i++) {
                    if (!check.ok(want[i], got[i])) {
                        throw new AssertionError(t.name() + "[" + i + "]: master " + want[i] + " decoded " + got[i]);
                    }
                }
                compared += want.length;
            }
            assertTrue(compared > 1_000_000, "compared " + compared);
        }
    }

    private static void nearestGridPoint(String suffix, QuantFormat format, int blockValues, int subValues,
            ScaleOf scaleOf) {
        try (GgufFile master = GgufFile.open(SharedFixtures.require("models/synth-llama-f32.gguf"));
                GgufFile q = GgufFile.open(SharedFixtures.require("models/synth-llama-" + suffix + ".gguf"))) {
            long compared = 0;
            for (TensorView t : q.tensors()) {
                if (t.format() != format) {
                    continue;
                }
                float[] want = dequantise(master.tensor(t.name()));
                float[] got = dequantise(t);
                int blocksPerRow = t.columns() / blockValues;
                for (int i = 0; i < want.length; i++) {
                    int row = i / t.columns();
                    int block = (i % t.columns()) / blockValues;
                    long offset = row * t.rowBytes() + (long) block * format.bytesPerBlock();
                    double scale = scaleOf.scale(t.data(), offset, (i % blockValues) / subValues);
                    double best = Double.MAX_VALUE;
                    for (double magnitude : E2M1) {
                        best = Math.min(best, Math.abs(magnitude * scale - want[i]));
                        best = Math.min(best, Math.abs(-magnitude * scale - want[i]));
                    }
                    double mine = Math.abs((double) got[i] - want[i]);
                    if (mine > best * (1 + 1e-6) + 1e-30) {
                        throw new AssertionError(t.name() + "[" + i + "] (block " + block + " of " + blocksPerRow
                                + "): master " + want[i] + ", decoded " + got[i] + " is not the nearest grid point"
                                + " for scale " + scale);
                    }
                }
                compared += want.length;
            }
            assertEquals(true, compared > 1_000_000, "compared " + compared);
        }
    }

    private static float[] dequantise(TensorView t) {
        float[] out = new float[Math.toIntExact(t.elementCount())];
        int cols = t.columns();
        for (int r = 0; r < t.rows(); r++) {
            ReferenceDequantizer.dequantize(t.format(), t.data(), r * t.rowBytes(), cols, out, r * cols);
        }
        return out;
    }
}

package io.jinfer.api.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.spi.TensorView;
import io.jinfer.api.spi.WeightScales;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Quantise → dequantise round trips per granularity, with the error each format's rounding allows:
 * half a step of the element format at the value's magnitude, times the cell's factor.
 */
class CheckpointQuantizerTest {
    /** 130 x 300: neither dimension a multiple of 128, 16 or 32, so every grid has partial edge cells. */
    private static final int ROWS = 130;
    private static final int COLS = 300;

    private static float[] weights(long seed) {
        Random rnd = new Random(seed);
        float[] w = new float[ROWS * COLS];
        for (int r = 0; r < ROWS; r++) {
            // rows of very different magnitude, so per-channel and block scales matter
            double rowScale = Math.pow(10, rnd.nextInt(5) - 3);
            for (int c = 0; c < COLS; c++) {
                w[r * COLS + c] = (float) (rnd.nextGaussian() * rowScale);
            }
        }
        w[17] = 0f;
        return w;
    }

    private static float[] dequantize(ScaledTensor q) {
        TensorView t = q.view("w");
        float[] out = new float[q.rows() * q.columns()];
        for (int r = 0; r < q.rows(); r++) {
            ScaledDequantizer.dequantizeRow(t, r, out, r * q.columns());
        }
        return out;
    }

    private static float factor(WeightScales s, int r, int c) {
        return ScaledDequantizer.blockFactor(s, (long) (r / s.rowBlock()) * s.gridColumns(COLS) + c / s.columnBlock());
    }

    @Test
    void fp8EveryGranularity() {
        float[] w = weights(1);
        for (QuantFormat f : new QuantFormat[] {QuantFormat.F8_E4M3, QuantFormat.F8_E5M2}) {
            boolean e4 = f == QuantFormat.F8_E4M3;
            double relative = e4 ? 0x1p-4 : 0x1p-3; // half a step: 2^-(mantissa bits + 1)
            double subnormalHalfStep = e4 ? 0x1p-10 : 0x1p-17;
            ScaledTensor[] all = {
                CheckpointQuantizer.fp8PerTensor(f, w, ROWS, COLS),
                CheckpointQuantizer.fp8PerChannel(f, w, ROWS, COLS),
                CheckpointQuantizer.fp8Blocks(f, w, ROWS, COLS),
                CheckpointQuantizer.fp8(f, w, ROWS, COLS, 3, 7),
            };
            int[][] blocks = {{ROWS, COLS}, {1, COLS}, {128, 128}, {3, 7}};
            for (int i = 0; i < all.length; i++) {
                ScaledTensor q = all[i];
                assertEquals(blocks[i][0], q.scales().rowBlock());
                assertEquals(blocks[i][1], q.scales().columnBlock());
                float[] back = dequantize(q);
                double err2 = 0;
                double sig2 = 0;
                for (int r = 0; r < ROWS; r++) {
                    for (int c = 0; c < COLS; c++) {
                        float x = w[r * COLS + c];
                        float s = factor(q.scales(), r, c);
                        double bound = Math.max(Math.abs(x) * relative, s * subnormalHalfStep) * 1.0001;
                        double err = Math.abs(back[r * COLS + c] - x);
                        if (!(err <= bound)) {
                            throw new AssertionError(f + " grid " + i + " at " + r + "," + c + ": " + x + " came back as "
                                    + back[r * COLS + c] + ", error " + err + " > " + bound);
                        }
                        err2 += err * err;
                        sig2 += (double) x * x;
                    }
                }
                assertTrue(Math.sqrt(err2 / sig2) < relative, f + " grid " + i + " relative RMS error");
            }
            // the cell's largest magnitude maps onto the format's largest value
            ScaledTensor t = CheckpointQuantizer.fp8PerTensor(f, new float[] {-3f, 1f, 0.5f, 2f}, 1, 4);
            assertEquals((byte) (e4 ? 0xFE : 0xFB), t.codes().getAtIndex(java.lang.foreign.ValueLayout.JAVA_BYTE, 0));
            assertEquals(3f / (e4 ? 448f : 57344f), ScaledDequantizer.scaleValue(t.scales(), 0));
        }
    }

    @Test
    void nvfp4AsModelOptComputesIt() {
        float[] w = weights(2);
        ScaledTensor q = CheckpointQuantizer.nvfp4(w, ROWS, COLS);
        WeightScales s = q.scales();
        assertEquals(QuantFormat.E2M1, q.format());
        assertEquals(QuantFormat.F8_E4M3, s.format());
        assertEquals(1, s.rowBlock());
        assertEquals(16, s.columnBlock());
        float amax = 0;
        int at = 0;
        for (int i = 0; i < w.length; i++) {
            if (Math.abs(w[i]) > amax) {
                amax = Math.abs(w[i]);
                at = i;
            }
        }
        assertEquals(amax / 2688f, s.globalScale());
        // the block holding the tensor's amax gets scale 448 and its amax element the code ±6
        int r = at / COLS;
        int c = at % COLS;
        assertEquals(448f, ScaledDequantizer.scaleValue(s, (long) r * s.gridColumns(COLS) + c / 16));
        float[] back = dequantize(q);
        assertEquals(Math.abs(back[at]), 6f * 448f * s.globalScale(), 0f);
        for (r = 0; r < ROWS; r++) {
            for (c = 0; c < COLS; c++) {
                float x = w[r * COLS + c];
                // E2M1 steps are at most 2 (between 4 and 6), so half a step is at most the factor;
                // a value pushed past 6 by the E4M3 rounding of its scale saturates by less than that
                double bound = factor(s, r, c) * 1.0001;
                double err = Math.abs(back[r * COLS + c] - x);
                if (!(err <= bound)) {
                    throw new AssertionError("NVFP4 at " + r + "," + c + ": " + x + " came back as "
                            + back[r * COLS + c] + ", error " + err + " > " + bound);
                }
                assertTrue(err <= Math.abs(x) * 0.25 + factor(s, r, c) * 0.25 * 1.0001,
                        "relative error at " + r + "," + c);
            }
        }
    }

    @Test
    void mxfp4AsTheOcpSpecDefinesIt() {
        float[] w = weights(3);
        ScaledTensor q = CheckpointQuantizer.mxfp4(w, ROWS, COLS);
        WeightScales s = q.scales();
        assertEquals(QuantFormat.E8M0, s.format());
        assertEquals(32, s.columnBlock());
        assertEquals(1f, s.globalScale());
        float[] back = dequantize(q);
        for (int r = 0; r < ROWS; r++) {
            for (int g = 0; g * 32 < COLS; g++) {
                float blockAmax = 0;
                for (int c = g * 32; c < Math.min(COLS, g * 32 + 32); c++) {
                    blockAmax = Math.max(blockAmax, Math.abs(w[r * COLS + c]));
                }
                float scale = ScaledDequantizer.scaleValue(s, (long) r * s.gridColumns(COLS) + g);
                if (blockAmax > 0) {
                    assertEquals(Math.floor(Math.log(blockAmax) / Math.log(2)) - 2, Math.getExponent(scale),
                            "shared exponent of row " + r + " block " + g);
                }
                for (int c = g * 32; c < Math.min(COLS, g * 32 + 32); c++) {
                    float x = w[r * COLS + c];
                    // half an E2M1 step (≤ 1) plus saturation of [6, 8) to 6 (≤ 2): at most 2 scales
                    double err = Math.abs(back[r * COLS + c] - x);
                    assertTrue(err <= 2 * scale, "MXFP4 at " + r + "," + c + ": " + x + " → " + back[r * COLS + c]);
                    if (Math.abs(x) / scale <= 6) {
                        assertTrue(err <= scale, "unsaturated MXFP4 at " + r + "," + c);
                    }
                }
            }
        }
    }

    @Test
    void allZeroInputsAndBadShapes() {
        float[] zeros = new float[64];
        assertEquals(1f, CheckpointQuantizer.nvfp4(zeros, 2, 32).scales().globalScale());
        for (ScaledTensor q : new ScaledTensor[] {CheckpointQuantizer.nvfp4(zeros, 2, 32),
            CheckpointQuantizer.mxfp4(zeros, 2, 32), CheckpointQuantizer.fp8Blocks(QuantFormat.F8_E4M3, zeros, 2, 32)}) {
            for (float v : dequantize(q)) {
                assertEquals(0f, v);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> CheckpointQuantizer.nvfp4(new float[63], 3, 21));
        assertThrows(IllegalArgumentException.class, () -> CheckpointQuantizer.mxfp4(new float[10], 2, 4));
        assertThrows(IllegalArgumentException.class,
                () -> CheckpointQuantizer.fp8PerTensor(QuantFormat.Q8_0, new float[4], 2, 2));
    }
}

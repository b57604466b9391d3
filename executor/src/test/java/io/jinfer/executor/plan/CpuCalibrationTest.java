package io.jinfer.executor.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.Precision;
import io.jinfer.api.QuantFormat;
import io.jinfer.api.Throughput;
import org.junit.jupiter.api.Test;

/** The calibration runs the CPU backend's kernels; only the shape of its answer is checked, not speed. */
class CpuCalibrationTest {

    @Test
    void measuresOneTokenAndManyTokenRatesAtTheFormatsPrecision() {
        Throughput t = CpuCalibration.measure(1, QuantFormat.Q4_0, 8, 4L << 20, 20_000_000L);
        assertEquals(1, t.matrix().size());
        assertEquals(1, t.vector().size());
        double many = t.flops(Precision.INT8, 8);
        double one = t.flops(Precision.INT8, 1);
        // Between 10 MFLOP/s (a badly loaded machine) and 100 TFLOP/s (no CPU core is that fast): a
        // zero, negative or absurd figure means the timing or the FLOP count is wrong.
        assertTrue(many > 1e7 && many < 1e14, "many-token rate " + many);
        assertTrue(one > 1e7 && one < 1e14, "one-token rate " + one);
        // Figures exist only at the format's precision (and what falls back to it), not at FP32.
        assertEquals(0, t.flops(Precision.FP32, 8));
    }
}

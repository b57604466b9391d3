package io.jinfer.loader.formats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.ReferenceDequantizer;
import io.jinfer.api.spi.TensorView;
import io.jinfer.loader.gguf.GgufFile;
import io.jinfer.loader.testing.SharedFixtures;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Dequantises every tensor of each {@code synth-llama-<fmt>.gguf} (llama-quantize outputs of one F32
 * master) with {@link ReferenceDequantizer} and compares it with the master's values: a wrong bit
 * layout or scale turns the relative RMSE into noise (about 1 or more), a right one leaves only the
 * quantisation error of the format.
 */
class QuantizedModelsAgainstMasterTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        // file suffix, format of every 2-D tensor (empty for mixes), largest relative RMSE allowed
        "f16,     F16,    0.0003",
        "bf16,    BF16,   0.0025",
        "q8_0,    Q8_0,   0.008",
        "q5_0,    Q5_0,   0.055",
        "q5_1,    Q5_1,   0.05",
        "q5_k,    Q5_K,   0.05",
        "q6_k,    Q6_K,   0.025",
        "q4_0,    Q4_0,   0.11",
        "q4_1,    Q4_1,   0.10",
        "q4_k,    Q4_K,   0.095",
        "iq4_nl,  IQ4_NL, 0.10",
        "iq4_xs,  IQ4_XS, 0.10",
        "mxfp4,   MXFP4,  0.15",
        "nvfp4,   NVFP4,  0.13",
        "q3_k,    Q3_K,   0.2",
        "q2_k,    Q2_K,   0.35",
        "q4_k_m-mix, ,    0.095",
        "q3_k_m-mix, ,    0.2",
    })
    void dequantisedTensorsMatchTheF32Master(String suffix, String formatName, double maxRelativeRmse) {
        Path master = SharedFixtures.require("models/synth-llama-f32.gguf");
        Path quantised = SharedFixtures.require("models/synth-llama-" + suffix + ".gguf");
        QuantFormat expected = formatName == null ? null : QuantFormat.valueOf(formatName);
        Map<QuantFormat, double[]> sums = new TreeMap<>();
        double worst = 0;
        String worstName = "";
        try (GgufFile f32 = GgufFile.open(master); GgufFile q = GgufFile.open(quantised)) {
            for (TensorView t : q.tensors()) {
                TensorView ref = f32.tensor(t.name());
                assertEquals(QuantFormat.F32, ref.format(), t.name());
                assertEquals(ref.elementCount(), t.elementCount(), t.name());
                if (t.format() == QuantFormat.F32) {
                    assertEquals(1, t.shape().length, t.name() + ": only 1-D tensors stay F32");
                    continue;
                }
                if (expected != null) {
                    assertEquals(expected, t.format(), t.name());
                }
                float[] got = dequantise(t);
                float[] want = dequantise(ref);
                double err = 0;
                double norm = 0;
                for (int i = 0; i < want.length; i++) {
                    double e = (double) got[i] - want[i];
                    err += e * e;
                    norm += (double) want[i] * want[i];
                }
                double rel = Math.sqrt(err / norm);
                if (rel > worst) {
                    worst = rel;
                    worstName = t.name() + " " + t.format();
                }
                double[] s = sums.computeIfAbsent(t.format(), k -> new double[3]);
                s[0] += err;
                s[1] += norm;
                s[2] += 1;
            }
        }
        assertTrue(!sums.isEmpty(), "no quantised tensors in " + quantised);
        StringBuilder report = new StringBuilder(String.format(Locale.ROOT, "%-12s", suffix));
        sums.forEach((fmt, s) -> report.append(String.format(Locale.ROOT, "  %s: rel RMSE %.5f over %d tensors",
                fmt, Math.sqrt(s[0] / s[1]), (long) s[2])));
        report.append(String.format(Locale.ROOT, "  (worst %.5f %s)", worst, worstName));
        System.out.println(report);
        assertTrue(worst < maxRelativeRmse, report.toString());
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

package io.jinfer.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.JinferException;
import io.jinfer.api.Model;
import io.jinfer.api.Runtime;
import io.jinfer.api.Session;
import io.jinfer.api.SessionOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One model split across the CPU and the OpenCL device gives the CPU's logits, at every split point
 * of synth-llama (4 layers), with either device first.
 */
class OpenClSplitTest {
    private static final String MODEL = "models/synth-llama-q8_0.gguf";
    /** Prompt then a few more tokens: a prefill batch and single-token steps both cross the boundary. */
    private static final int[] PREFILL = {1, 9038, 2501, 263, 931};
    private static final int[] STEPS = {29892, 727, 471};
    private static float[][] cpu;

    @BeforeEach
    void requireOpenCl() {
        OpenClAvailable.backend();
    }

    /** The CPU's logits, computed once for the class. */
    private static float[][] cpuAlone(Path model) {
        if (cpu == null) {
            // F32 activations on the CPU (no native 8-bit kernels), as the OpenCL kernels compute
            try (Runtime rt = Runtime.builder().threads(2).nativeKernels(false).build()) {
                cpu = logits(rt, model);
            }
        }
        return cpu;
    }

    private static float[][] logits(Runtime rt, Path path) {
        try (Model model = rt.loadModel(path);
                Session s = model.newSession(SessionOptions.defaults().withContextLength(32))) {
            List<float[]> rows = new ArrayList<>(List.of(s.evaluate(clamp(PREFILL, model.vocabularySize()))));
            for (int t : clamp(STEPS, model.vocabularySize())) {
                rows.add(s.evaluate(new int[] {t})[0]);
            }
            return rows.toArray(float[][]::new);
        }
    }

    /** Token ids inside the vocabulary (synth-llama's is 512). */
    private static int[] clamp(int[] tokens, int vocab) {
        int[] r = new int[tokens.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = tokens[i] % vocab;
        }
        return r;
    }

    static Stream<String> splits() {
        List<String> s = new ArrayList<>();
        for (int k = 1; k < 4; k++) {
            s.add("0-" + (k - 1) + ":opencl," + k + "-3:cpu");
            s.add("0-" + (k - 1) + ":cpu," + k + "-3:opencl");
        }
        s.add("0-3:opencl");
        s.add("auto");
        return s.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("splits")
    void splitGivesTheCpuLogits(String split) {
        Path model = SharedFixtures.require(MODEL);
        float[][] cpu = cpuAlone(model);
        float[][] mixed;
        try (Runtime rt = Runtime.builder().threads(2).nativeKernels(false).devices("cpu", "opencl")
                .layerSplit(split).build()) {
            assertTrue(rt.backendDescription().contains("opencl"), rt.backendDescription());
            mixed = logits(rt, model);
        }
        assertEquals(cpu.length, mixed.length);
        double worst = 0;
        for (int i = 0; i < cpu.length; i++) {
            for (int j = 0; j < cpu[i].length; j++) {
                worst = Math.max(worst, Math.abs(cpu[i][j] - mixed[i][j]));
            }
        }
        System.out.printf("split %-22s max|Δ| vs CPU %.6f%n", split, worst);
        assertTrue(worst <= 2e-3, split + ": max |Δ| " + worst + " vs the CPU alone");
    }

    @Test
    void aSplitThatDoesNotCoverTheModelIsRefused() {
        Path model = SharedFixtures.require(MODEL);
        try (Runtime rt = Runtime.builder().threads(1).devices("cpu", "opencl").layerSplit("0-1:opencl,2-2:cpu")
                .build()) {
            JinferException e = assertThrows(JinferException.class, () -> rt.loadModel(model).close());
            assertTrue(e.getMessage().contains("covers layers 0-2 but the model has 4"), e.getMessage());
        }
    }
}

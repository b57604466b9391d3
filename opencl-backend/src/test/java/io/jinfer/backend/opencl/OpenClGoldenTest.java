package io.jinfer.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jinfer.api.GenerationRequest;
import io.jinfer.api.GenerationResult;
import io.jinfer.api.Model;
import io.jinfer.api.QuantFormat;
import io.jinfer.api.Runtime;
import io.jinfer.api.Session;
import io.jinfer.api.SessionOptions;
import io.jinfer.api.TokenListener;
import io.jinfer.loader.gguf.GgufFile;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Whole models on the OpenCL device against the fixtures in ../shared: llama.cpp's teacher-forced
 * logits (tolerances of ../shared/README.md, as the executor's golden test holds the CPU to), the
 * float reference, and stories260K's greedy tokens. One prompt per model keeps the run short: PoCL
 * compiles each format's program the first time (about a second each).
 */
class OpenClGoldenTest {
    private static Runtime runtime;

    @BeforeAll
    static void start() {
        if (OpenClAvailable.present()) {
            runtime = Runtime.builder().device("opencl").threads(1).build();
        }
    }

    @BeforeEach
    void requireOpenCl() {
        OpenClAvailable.backend();
    }

    @AfterAll
    static void stop() {
        if (runtime != null) {
            runtime.close();
        }
    }

    static Stream<String> models() {
        // the other formats the kernels decode (Q4_1, Q5_0, Q5_1, Q5_K) are checked op by op in OpenClKernelsTest
        return Stream.of("stories260K", "synth-llama-f32", "synth-llama-f16", "synth-llama-bf16", "synth-llama-q8_0",
                "synth-llama-q4_0", "synth-llama-q4_k", "synth-llama-q6_k", "synth-llama-q4_k_m-mix",
                "synth-qwen2-q4_k_m", "synth-qwen3-q4_k_m");
    }

    static Stream<String> floatModels() {
        return Stream.of("stories260K", "synth-llama-q4_0", "synth-qwen2-f32", "synth-qwen3-f32");
    }

    /** The format of most weights; skips a model with a format the OpenCL kernels lack. */
    private static QuantFormat mainFormat(Path model) {
        try (GgufFile f = GgufFile.open(model)) {
            QuantFormat main = QuantFormat.F32;
            for (var t : f.tensorInfos()) {
                assumeTrue(KernelSource.FORMATS.contains(t.format()), "skipped: " + model.getFileName() + " uses "
                        + t.format() + ", which the OpenCL kernels do not decode");
                if (t.format() != QuantFormat.F32) {
                    main = t.format();
                }
            }
            return main;
        }
    }

    /** The executor's golden tolerances (GoldenLogitsTest): K-quants 0.5, other quantised 0.4. */
    private static double tolerance(QuantFormat f) {
        return switch (f) {
            case F32, F16 -> 0.03;
            case BF16 -> 0.15;
            case Q4_K, Q5_K, Q6_K -> 0.5;
            default -> 0.4;
        };
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void teacherForcedLogitsMatchLlamaCpp(String name) {
        Path modelPath = SharedFixtures.require("models/" + name + ".gguf");
        Golden g = Golden.read(SharedFixtures.require("golden/" + name + ".p1.json"));
        QuantFormat format = mainFormat(modelPath);
        SessionOptions options = SessionOptions.defaults().withContextLength(64).withKvCacheFormat(QuantFormat.F16);
        try (Model model = runtime.loadModel(modelPath); Session s = model.newSession(options)) {
            float[][] rows = s.evaluate(g.teacherForcedSequence());
            double worst = 0;
            double worstCos = 1;
            for (int k = 0; k < g.greedyTokens().length; k++) {
                float[] ours = rows[g.promptTokens().length - 1 + k];
                worst = Math.max(worst, maxAbsDiff(ours, g.greedyLogits()[k]));
                worstCos = Math.min(worstCos, cosine(ours, g.greedyLogits()[k]));
            }
            System.out.printf("opencl golden %-24s %-5s max|Δ| %.4f  min cosine %.6f%n", name, format, worst, worstCos);
            assertTrue(worst <= tolerance(format), name + ": max |Δ| " + worst + " > " + tolerance(format));
            if (tolerance(format) >= 0.4) {
                assertTrue(worstCos >= 0.9995, name + ": cosine " + worstCos + " < 0.9995");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("floatModels")
    void logitsMatchTheFloatReference(String name) {
        Path modelPath = SharedFixtures.require("models/" + name + ".gguf");
        JsonNode root = Golden.tree(SharedFixtures.require("golden/" + name + ".p1.float.json"));
        mainFormat(modelPath);
        int[] tokens = Golden.ints(root.get("tokens"));
        int first = root.get("first_position").asInt();
        JsonNode expected = root.get("logits");
        try (Model model = runtime.loadModel(modelPath);
                Session s = model.newSession(SessionOptions.defaults().withContextLength(64))) {
            float[][] rows = s.evaluate(tokens);
            double worst = 0;
            for (int i = 0; i < expected.size(); i++) {
                worst = Math.max(worst, maxAbsDiff(rows[first + i], Golden.floats(expected.get(i))));
            }
            System.out.printf("opencl float  %-24s max|Δ| %.6f%n", name, worst);
            assertTrue(worst <= 2e-3, name + ": max |Δ| " + worst + " against the float reference > 2e-3");
        }
    }

    @Test
    void storiesGreedyDecodingReproducesLlamaCpp() {
        Golden g = Golden.read(SharedFixtures.require("golden/stories260K.p1.json"));
        try (Model model = runtime.loadModel(SharedFixtures.require("models/stories260K.gguf"));
                Session s = model.newSession(SessionOptions.defaults().withContextLength(64))) {
            GenerationResult r = s.generate(GenerationRequest.builder(g.promptTokens())
                    .maxTokens(g.greedyTokens().length).stopAtEndOfGeneration(false).build(), TokenListener.NONE);
            assertArrayEquals(g.greedyTokens(), r.tokens(), "greedy tokens on OpenCL differ from llama.cpp");
        }
    }

    static double maxAbsDiff(float[] a, float[] b) {
        assertTrue(a.length >= b.length, "logit rows differ in length");
        double m = 0;
        for (int i = 0; i < b.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    static double cosine(float[] a, float[] b) {
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < b.length; i++) {
            ab += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return ab / Math.sqrt(aa * bb);
    }
}

package io.jinfer.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.Model;
import io.jinfer.api.ModelFormatException;
import io.jinfer.api.QuantFormat;
import io.jinfer.api.Runtime;
import io.jinfer.api.Session;
import io.jinfer.loader.synth.Architecture;
import io.jinfer.loader.synth.SyntheticModel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every architecture and first-wave format on generated models; what a broken model file gets. */
class ModelLoadingTest {
    private static final int[] TOKENS = {1, 40, 300, 77, 5, 260, 511, 3, 90};
    private static Runtime fast;
    private static Runtime reference;

    @BeforeAll
    static void start() {
        // the Java kernels are what is compared with the reference here (native kernels off)
        fast = Runtime.builder().threads(2).nativeKernels(false).build();
        reference = Runtime.builder().threads(1).referenceKernels(true).build();
    }

    @AfterAll
    static void stop() {
        fast.close();
        reference.close();
    }

    static Stream<Arguments> architecturesAndFormats() {
        return Stream.of(Architecture.values()).flatMap(a -> Stream.of(QuantFormat.F32, QuantFormat.F16,
                QuantFormat.BF16, QuantFormat.Q8_0, QuantFormat.Q4_0, QuantFormat.Q4_1, QuantFormat.Q5_0,
                QuantFormat.Q5_1).map(f -> Arguments.of(a, f)));
    }

    private static float[][] logits(Runtime rt, Path file) {
        try (Model m = rt.loadModel(file); Session s = m.newSession()) {
            return s.evaluate(TOKENS);
        }
    }

    /** The fast kernels agree with the scalar reference on a whole model (|Δ| <= 1e-3 · max|logit|). */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("architecturesAndFormats")
    void fastKernelsMatchTheReferenceOnAWholeModel(Architecture arch, QuantFormat format) {
        Path file = TestModels.write(TestModels.small(arch, format));
        float[][] a = logits(fast, file);
        float[][] b = logits(reference, file);
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < TOKENS.length; i++) {
            for (int v = 0; v < b[i].length; v++) {
                scale = Math.max(scale, Math.abs(b[i][v]));
                worst = Math.max(worst, Math.abs(a[i][v] - b[i][v]));
            }
        }
        assertTrue(scale > 0.1, "logits should not be degenerate");
        assertTrue(worst <= 1e-3 * scale, arch + " " + format + ": max |Δ| " + worst + " vs scale " + scale);
    }

    @Test
    void tiedEmbeddingsServeAsTheOutputProjection() {
        SyntheticModel spec = TestModels.small(Architecture.LLAMA, QuantFormat.Q8_0).withTiedEmbeddings(true);
        float[][] rows = logits(fast, TestModels.write(spec));
        assertEquals(512, rows[0].length);
    }

    @Test
    void ropeFrequencyFactorsAreApplied() {
        Path base = TestModels.small(QuantFormat.F32);
        Path ones = withRopeFactors(base, "rope-ones", 1f);
        Path fours = withRopeFactors(base, "rope-fours", 4f);
        float[][] plain = logits(fast, base);
        float[][] withOnes = logits(fast, ones);
        float[][] withFours = logits(fast, fours);
        double onesDiff = 0;
        double foursDiff = 0;
        for (int i = 0; i < TOKENS.length; i++) {
            onesDiff = Math.max(onesDiff, GoldenLogitsTest.maxAbsDiff(plain[i], withOnes[i]));
            foursDiff = Math.max(foursDiff, GoldenLogitsTest.maxAbsDiff(plain[i], withFours[i]));
        }
        assertEquals(0, onesDiff, 1e-6, "factors of 1 change nothing");
        assertTrue(foursDiff > 1e-3, "factors of 4 must change the logits");
        float[][] ref = logits(reference, fours);
        for (int i = 0; i < TOKENS.length; i++) {
            assertTrue(GoldenLogitsTest.maxAbsDiff(withFours[i], ref[i]) < 1e-3);
        }
    }

    private static Path withRopeFactors(Path base, String name, float value) {
        int pairs = 64 / 4 / 2;
        ByteBuffer b = ByteBuffer.allocate(pairs * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < pairs; i++) {
            b.putFloat(value);
        }
        return TestModels.rewrite(base, name, e -> e.extraTensors = w -> w.addTensor("rope_freqs.weight",
                QuantFormat.F32, new long[] {pairs}, b.array()));
    }

    @Test
    void aMissingTensorIsNamed() {
        Path broken = TestModels.rewrite(TestModels.small(QuantFormat.F32), "missing-ffn-up",
                e -> e.dropped.add("blk.1.ffn_up.weight"));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> fast.loadModel(broken));
        assertTrue(e.getMessage().contains("blk.1.ffn_up.weight"), e.getMessage());
        assertTrue(e.getMessage().contains(broken.toString()), e.getMessage());
    }

    @Test
    void aMissingKeyIsNamed() {
        Path src = TestModels.small(QuantFormat.F32);
        Path broken = TestModels.rewrite(src, "missing-head-count", e -> { });
        // rebuild without the key: copy every entry but one
        Path target = broken.resolveSibling("missing-head-count-2.gguf");
        try (var in = io.jinfer.loader.gguf.GgufFile.open(src)) {
            var w = new io.jinfer.loader.gguf.GgufWriter();
            in.metadata().entries().forEach((k, v) -> {
                if (!k.equals("llama.attention.head_count") && !k.equals("general.alignment")) {
                    w.put(k, v);
                }
            });
            in.tensors().forEach(t -> w.addTensor(t.name(), t.format(), t.shape(), t.data()));
            w.write(target);
        }
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> fast.loadModel(target));
        assertTrue(e.getMessage().contains("llama.attention.head_count"), e.getMessage());
    }

    @Test
    void anUnknownArchitectureIsNamed() {
        Path src = TestModels.small(QuantFormat.F32);
        Path target = src.resolveSibling("arch-gpt2.gguf");
        try (var in = io.jinfer.loader.gguf.GgufFile.open(src)) {
            var w = new io.jinfer.loader.gguf.GgufWriter();
            in.metadata().entries().forEach((k, v) -> {
                if (!k.equals("general.architecture") && !k.equals("general.alignment")) {
                    w.put(k, v);
                }
            });
            w.putString("general.architecture", "gpt2");
            in.tensors().forEach(t -> w.addTensor(t.name(), t.format(), t.shape(), t.data()));
            w.write(target);
        }
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> fast.loadModel(target));
        assertTrue(e.getMessage().contains("gpt2") && e.getMessage().contains("general.architecture"),
                e.getMessage());
    }

    @Test
    void nativeKernelsCanBeTurnedOffPerRuntime() {
        try (Runtime rt = Runtime.builder().threads(1).nativeKernels(false).build()) {
            assertTrue(rt.backendDescription().contains("no native kernels: turned off by the runtime"),
                    rt.backendDescription());
        }
    }

    @Test
    void aMissingFileIsAClearError() {
        Exception e = assertThrows(Exception.class, () -> fast.loadModel(Path.of("/no/such/model.gguf")));
        assertTrue(e.getMessage().contains("/no/such/model.gguf"), e.getMessage());
    }
}

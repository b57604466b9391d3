package io.jinfer.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.GenerationRequest;
import io.jinfer.api.GenerationResult;
import io.jinfer.api.JinferException;
import io.jinfer.api.Model;
import io.jinfer.api.ModelFormatException;
import io.jinfer.api.QuantFormat;
import io.jinfer.api.Runtime;
import io.jinfer.api.SamplingParams;
import io.jinfer.api.Session;
import io.jinfer.loader.hf.RopeScaling;
import io.jinfer.loader.safetensors.SafetensorsCheckpoint;
import io.jinfer.loader.safetensors.SafetensorsDtype;
import io.jinfer.loader.safetensors.SafetensorsFile;
import io.jinfer.loader.safetensors.SafetensorsTensor;
import io.jinfer.loader.safetensors.SafetensorsWriter;
import io.jinfer.loader.synth.Architecture;
import io.jinfer.loader.synth.SyntheticModel;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A Hugging Face directory and the GGUF file converted from it give the same logits. For llama the
 * directory holds Q/K rows in rotate-half order (as HF stores them) and runs with NEOX rope, while
 * the GGUF file holds them permuted and runs with NORM rope; the weights are never copied.
 */
class HfDirectoryLoadingTest {
    private static final int[] TOKENS = {1, 40, 300, 77, 5, 260, 511, 3, 90, 14, 15, 16};

    @TempDir
    Path dir;

    private static float[][] logits(Path model) {
        try (Runtime rt = Runtime.builder().threads(1).build(); Model m = rt.loadModel(model);
                Session s = m.newSession()) {
            return s.evaluate(TOKENS);
        }
    }

    @ParameterizedTest
    @CsvSource({"LLAMA, F32, false, 1", "LLAMA, BF16, true, 2", "QWEN2, F32, false, 1", "QWEN3, F32, true, 2",
        "LLAMA, F16, false, 2"})
    void directoryGivesTheLogitsOfTheGgufFile(Architecture arch, QuantFormat format, boolean tied, int shards) {
        SyntheticModel spec = SyntheticModel.tiny().withArchitecture(arch).withWeightFormat(format).withTiedEmbeddings(tied);
        Path gguf = TestModels.write(spec);
        Path hf = dir.resolve("hf");
        HfCheckpoints.write(spec, gguf, hf, shards);
        float[][] expected = logits(gguf);
        float[][] actual = logits(hf);
        double worst = 0;
        for (int t = 0; t < TOKENS.length; t++) {
            for (int v = 0; v < expected[t].length; v++) {
                worst = Math.max(worst, Math.abs(expected[t][v] - actual[t][v]));
            }
        }
        assertTrue(worst <= 1e-4, "largest logit difference " + worst);
    }

    /**
     * Llama 3 rope scaling in config.json acts as the {@code rope_freqs.weight} that llama.cpp writes
     * for it. The original context is set small so that the tiny model's pairs fall in all three bands.
     */
    @Test
    void llama3RopeScalingActsAsRopeFreqs() throws IOException {
        SyntheticModel spec = SyntheticModel.tiny().withWeightFormat(QuantFormat.F32);
        RopeScaling scaling = new RopeScaling("llama3", 8, 1, 4, 64);
        float[] factors = scaling.frequencyFactors(spec.ropeBase(), spec.headDim());
        byte[] bytes = new byte[4 * factors.length];
        java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(factors);
        Path gguf = TestModels.rewrite(TestModels.write(spec), "with-rope-freqs", e -> e.extraTensors = w -> w.addTensor(
                "rope_freqs.weight", QuantFormat.F32, new long[] {factors.length}, MemorySegment.ofArray(bytes)));
        Path hf = dir.resolve("scaled");
        HfCheckpoints.write(spec, gguf, hf, 1);
        Files.writeString(hf.resolve("config.json"), HfCheckpoints.config(spec).replace("}",
                ",\"rope_scaling\":{\"rope_type\":\"llama3\",\"factor\":8.0,\"low_freq_factor\":1.0,"
                        + "\"high_freq_factor\":4.0,\"original_max_position_embeddings\":64}}"));
        float[][] expected = logits(gguf);
        float[][] actual = logits(hf);
        float[][] unscaled = logits(TestModels.write(spec));
        double worst = 0;
        double effect = 0;
        for (int t = 0; t < TOKENS.length; t++) {
            for (int v = 0; v < expected[t].length; v++) {
                worst = Math.max(worst, Math.abs(expected[t][v] - actual[t][v]));
                effect = Math.max(effect, Math.abs(expected[t][v] - unscaled[t][v]));
            }
        }
        assertTrue(worst <= 1e-4, "largest logit difference " + worst);
        assertTrue(effect > 1e-3, "the scaling changes the logits (by " + effect + ")");
    }

    /** Without the un-permutation the directory would be a different model: the test above can fail. */
    @Test
    void permutedRowsWithNeoxRopeGiveOtherLogits() throws IOException {
        SyntheticModel spec = SyntheticModel.tiny().withWeightFormat(QuantFormat.F32);
        Path gguf = TestModels.write(spec);
        Path hf = dir.resolve("wrong");
        // Writing it as qwen3 skips the un-permutation (same names); then label the directory llama again.
        HfCheckpoints.write(spec.withArchitecture(Architecture.QWEN3), gguf, hf, 1);
        Files.writeString(hf.resolve("config.json"), HfCheckpoints.config(spec));
        float[][] expected = logits(gguf);
        float[][] actual = logits(hf);
        double worst = 0;
        for (int t = 1; t < TOKENS.length; t++) {
            for (int v = 0; v < expected[t].length; v++) {
                worst = Math.max(worst, Math.abs(expected[t][v] - actual[t][v]));
            }
        }
        assertTrue(worst > 1e-2, "largest logit difference " + worst);
    }

    @Test
    void directoryModelDescribesItselfAndRefusesText() {
        SyntheticModel spec = SyntheticModel.tiny().withWeightFormat(QuantFormat.BF16);
        Path hf = dir.resolve("Tiny-Llama");
        HfCheckpoints.write(spec, TestModels.write(spec), hf, 1);
        try (Runtime rt = Runtime.builder().threads(1).build(); Model m = rt.loadModel(hf)) {
            assertEquals("llama", m.architecture());
            assertEquals("Tiny-Llama", m.name());
            assertEquals(QuantFormat.BF16, m.weightFormat());
            assertEquals(spec.vocab(), m.vocabularySize());
            assertEquals(spec.context(), m.trainedContextLength());
            assertEquals("llama", m.metadata().get("model_type"));
            assertEquals("NONE", m.metadata().get("jinfer.quantization"));
            JinferException e = assertThrows(JinferException.class, () -> m.tokenizer().encode("hello"));
            assertEquals("this checkpoint has no tokenizer.json; pass token ids", e.getMessage());
            try (Session s = m.newSession()) {
                GenerationResult r = s.generate(GenerationRequest.builder(new int[] {1, 40, 41}).maxTokens(4)
                        .sampling(SamplingParams.GREEDY).stopAtEndOfGeneration(false).build(), (id, text) -> true);
                assertEquals(4, r.tokens().length);
            }
        }
    }

    /** Rewrites every layer matrix of a plain directory as ModelOpt FP8 with per-channel scales. */
    private static void quantiseAsModelOptFp8(Path hf) throws IOException {
        Path file = hf.resolve(SafetensorsCheckpoint.SINGLE);
        SafetensorsWriter w = new SafetensorsWriter();
        try (SafetensorsFile in = SafetensorsFile.open(file)) {
            for (SafetensorsTensor t : in.tensors()) {
                long[] s = t.shape();
                if (s.length == 2 && t.name().startsWith("model.layers.")) {
                    byte[] codes = new byte[Math.toIntExact(s[0] * s[1])];
                    java.util.Arrays.fill(codes, (byte) 0x38);
                    w.add(t.name(), SafetensorsDtype.F8_E4M3, s, codes);
                    String module = t.name().substring(0, t.name().length() - ".weight".length());
                    w.add(module + ".weight_scale", SafetensorsDtype.F32, new long[] {s[0]}, new byte[4 * (int) s[0]]);
                } else {
                    w.add(t.name(), t.dtype(), s, t.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                }
            }
        }
        w.write(file);
        Files.writeString(hf.resolve("hf_quant_config.json"), "{\"quantization\":{\"quant_algo\":\"FP8\"}}");
    }

    @Test
    void modelOptFp8DirectoryBindsItsScaledWeights() throws IOException {
        SyntheticModel spec = SyntheticModel.tiny().withWeightFormat(QuantFormat.BF16);
        Path hf = dir.resolve("fp8");
        HfCheckpoints.write(spec, TestModels.write(spec), hf, 1);
        quantiseAsModelOptFp8(hf);
        try (Runtime rt = Runtime.builder().threads(1).build(); Model m = rt.loadModel(hf)) {
            assertEquals(QuantFormat.F8_E4M3, m.weightFormat());
            assertEquals("MODELOPT_FP8", m.metadata().get("jinfer.quantization"));
        }
        // Drop the description: the FP8 weights are then refused by name.
        Files.delete(hf.resolve("hf_quant_config.json"));
        try (Runtime rt = Runtime.builder().threads(1).build()) {
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> rt.loadModel(hf));
            assertTrue(e.getMessage().contains("no quantization description"), e.getMessage());
        }
    }

    @Test
    void unsupportedQuantMethodIsNamed() throws IOException {
        SyntheticModel spec = SyntheticModel.tiny().withWeightFormat(QuantFormat.F32);
        Path hf = dir.resolve("awq");
        HfCheckpoints.write(spec, TestModels.write(spec), hf, 1);
        Files.writeString(hf.resolve("config.json"), HfCheckpoints.config(spec).replace("}",
                ",\"quantization_config\":{\"quant_method\":\"awq\",\"bits\":4}}"));
        try (Runtime rt = Runtime.builder().threads(1).build()) {
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> rt.loadModel(hf));
            assertEquals("quantization_config.quant_method", e.field(), e.getMessage());
            assertTrue(e.getMessage().contains("\"awq\" is not supported"), e.getMessage());
        }
    }

    @Test
    void directoryWithoutConfigIsRefused() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        try (Runtime rt = Runtime.builder().threads(1).build()) {
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> rt.loadModel(empty));
            assertTrue(e.getMessage().contains("config.json"), e.getMessage());
        }
    }

    @Test
    void untiedDirectoryWithoutLmHeadIsRefused() throws IOException {
        SyntheticModel spec = SyntheticModel.tiny().withWeightFormat(QuantFormat.F32).withTiedEmbeddings(true);
        Path hf = dir.resolve("nohead");
        HfCheckpoints.write(spec, TestModels.write(spec), hf, 1);
        Files.writeString(hf.resolve("config.json"), HfCheckpoints.config(spec.withTiedEmbeddings(false)));
        try (Runtime rt = Runtime.builder().threads(1).build()) {
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> rt.loadModel(hf));
            assertEquals("lm_head.weight", e.field(), e.getMessage());
        }
    }

    @Test
    void wrongShapeNamesTheCheckpointTensor() throws IOException {
        SyntheticModel spec = SyntheticModel.tiny().withWeightFormat(QuantFormat.F32);
        Path hf = dir.resolve("shape");
        HfCheckpoints.write(spec, TestModels.write(spec), hf, 1);
        // Claim a wider FFN than the tensors have.
        Files.writeString(hf.resolve("config.json"), HfCheckpoints.config(spec).replace(
                "\"intermediate_size\":" + spec.ffn(), "\"intermediate_size\":" + (spec.ffn() + 32)));
        try (Runtime rt = Runtime.builder().threads(1).build()) {
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> rt.loadModel(hf));
            assertTrue(e.field().contains("model.layers.0.mlp.gate_proj.weight"), e.getMessage());
        }
    }
}

package io.jinfer.loader.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.ModelFormatException;
import io.jinfer.api.QuantFormat;
import io.jinfer.loader.gguf.GgufFile;
import io.jinfer.loader.gguf.GgufMetadata;
import io.jinfer.loader.gguf.GgufTensorInfo;
import io.jinfer.loader.hf.HfDirectories;
import io.jinfer.loader.safetensors.SafetensorsDtype;
import io.jinfer.loader.safetensors.SafetensorsWriter;
import io.jinfer.loader.synth.Architecture;
import io.jinfer.loader.synth.SyntheticModel;
import io.jinfer.loader.synth.SyntheticModels;
import io.jinfer.loader.testing.SharedFixtures;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A Hugging Face directory quantised by {@link ModelQuantizer}: the directory written from a GGUF
 * model (Q/K rows un-permuted, Unigram tokenizer.json) converts back to that model's tensors bit for
 * bit, and quantises to exactly the tensors of llama-quantize's files of the shared synthetic Llama,
 * so it gives their logits.
 */
class HfDirectoryQuantizeTest {
    @TempDir
    Path dir;

    private static ModelQuantizerReport quantize(Path in, Path out, QuantFormat target) {
        return new ModelQuantizer(ModelQuantizerOptions.builder(target).threads(2).build()).quantize(in, out);
    }

    /**
     * Every tensor of {@code expected} is in {@code actual} with the same format, shape and bytes,
     * and, when {@code sameOrder}, in the same order.
     */
    private static void assertSameTensors(Path expected, Path actual, boolean sameOrder) {
        try (GgufFile e = GgufFile.open(expected); GgufFile a = GgufFile.open(actual)) {
            List<String> names = new ArrayList<>();
            for (GgufTensorInfo t : e.tensorInfos()) {
                names.add(t.name());
            }
            List<String> actualNames = new ArrayList<>(a.tensorInfos().stream().map(GgufTensorInfo::name).toList());
            if (!sameOrder) {
                names.sort(null);
                actualNames.sort(null);
            }
            assertEquals(names, actualNames, "tensor names");
            List<String> differing = new ArrayList<>();
            for (GgufTensorInfo t : e.tensorInfos()) {
                GgufTensorInfo m = a.tensorInfos().stream().filter(x -> x.name().equals(t.name())).findFirst().orElseThrow();
                assertEquals(t.format(), m.format(), t.name());
                assertArrayEquals(t.shape(), m.shape(), t.name());
                if (e.tensor(t.name()).data().mismatch(a.tensor(t.name()).data()) >= 0) {
                    differing.add(t.name());
                }
            }
            assertEquals(List.of(), differing, "tensors whose bytes differ");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"q8_0", "q4_0", "q4_k", "q6_k", "mxfp4", "nvfp4", "f16"})
    void sharedMasterAsDirectoryGivesLlamaQuantizeTensors(String type) {
        Path master = SharedFixtures.require("models/synth-llama-f32.gguf");
        Path expected = SharedFixtures.require("models/synth-llama-" + type + ".gguf");
        Path hf = HfDirectories.write(master, dir.resolve("hf"), 2);
        Path out = dir.resolve(type + ".gguf");
        ModelQuantizerReport report = quantize(hf, out, ModelQuantizer.parseTarget(type));
        assertSameTensors(expected, out, true);
        assertEquals(hf, report.input());
        assertTrue(report.bytesIn() > 13_000_000, "size of the safetensors files: " + report.bytesIn());
        try (GgufFile a = GgufFile.open(out)) {
            assertEquals((long) LlamaFileType.of(ModelQuantizer.parseTarget(type)),
                    a.metadata().getLong(ModelQuantizer.FILE_TYPE_KEY));
        }
    }

    /** F32 conversion: the master's own tensors, and its architecture and tokenizer metadata. */
    @Test
    void sharedMasterConvertsBackToItself() {
        Path master = SharedFixtures.require("models/synth-llama-f32.gguf");
        Path out = dir.resolve("f32.gguf");
        quantize(HfDirectories.write(master, dir.resolve("hf"), 1), out, QuantFormat.F32);
        // The master lists tensors in its generator's order; quantised files in llama.cpp's.
        assertSameTensors(master, out, false);
        try (GgufFile e = GgufFile.open(master); GgufFile a = GgufFile.open(out)) {
            GgufMetadata em = e.metadata();
            GgufMetadata am = a.metadata();
            for (String key : em.keys()) {
                // The fixture's tokenizer files name no padding or separator token.
                boolean compared = key.startsWith("llama.") || key.equals("general.architecture")
                        || List.of("model", "tokens", "scores", "token_type", "bos_token_id", "eos_token_id",
                                "unknown_token_id").contains(key.replace("tokenizer.ggml.", ""));
                if (compared) {
                    assertTrue(am.has(key), key);
                    assertTrue(Objects.deepEquals(em.get(key).get(), am.get(key).get()), key + ": " + em.get(key).get()
                            + " vs " + am.get(key).get());
                }
            }
            assertEquals("{% for m in messages %}{{ m['content'] }}{% endfor %}", am.getString("tokenizer.chat_template"));
            assertEquals(0L, am.getLong(ModelQuantizer.FILE_TYPE_KEY));
        }
    }

    /** BF16 weights and norms: norms become F32 as the converter writes them; Q/K of qwen are not permuted. */
    @ParameterizedTest
    @CsvSource({"LLAMA, BF16, false", "QWEN2, F16, false", "QWEN3, BF16, true"})
    void syntheticDirectoryConvertsToItsGguf(Architecture arch, QuantFormat format, boolean tied) throws IOException {
        SyntheticModel spec = SyntheticModel.tiny().withArchitecture(arch).withWeightFormat(format).withTiedEmbeddings(tied);
        Path gguf = dir.resolve("synth.gguf");
        SyntheticModels.write(spec, gguf);
        Path hf = HfDirectories.write(gguf, dir.resolve("hf"), 1);
        Path out = dir.resolve("out.gguf");
        quantize(hf, out, format);
        try (GgufFile e = GgufFile.open(gguf); GgufFile a = GgufFile.open(out)) {
            assertEquals(e.tensorInfos().size(), a.tensorInfos().size());
            for (GgufTensorInfo t : e.tensorInfos()) {
                var mine = a.tensor(t.name());
                assertArrayEquals(t.shape(), mine.shape(), t.name());
                if (t.shape().length == 1) {
                    assertEquals(QuantFormat.F32, mine.format(), t.name());
                    float[] want = new float[(int) t.shape()[0]];
                    float[] got = new float[want.length];
                    io.jinfer.api.format.ReferenceDequantizer.dequantize(t.format(), e.tensor(t.name()).data(), 0,
                            want.length, want, 0);
                    io.jinfer.api.format.ReferenceDequantizer.dequantize(QuantFormat.F32, mine.data(), 0, got.length, got, 0);
                    assertArrayEquals(want, got, t.name());
                } else {
                    assertEquals(t.format(), mine.format(), t.name());
                    assertEquals(-1, e.tensor(t.name()).data().mismatch(mine.data()), t.name());
                }
            }
            assertEquals(arch.ggufName(), a.metadata().getString("general.architecture"));
        }
    }

    @Test
    void directoryWithoutConfigIsRefused() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> quantize(empty, dir.resolve("x.gguf"), QuantFormat.Q8_0));
        assertTrue(e.getMessage().contains("config.json"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("x.gguf")));
    }

    private Path tinyDirectory() {
        Path gguf = dir.resolve("tiny.gguf");
        SyntheticModels.write(SyntheticModel.tiny().withWeightFormat(QuantFormat.F32), gguf);
        return HfDirectories.write(gguf, dir.resolve("tiny"), 1);
    }

    @Test
    void unsupportedModelTypeIsNamed() throws IOException {
        Path hf = tinyDirectory();
        Path config = hf.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"model_type\":\"llama\"", "\"model_type\":\"gemma3\""));
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> quantize(hf, dir.resolve("x.gguf"), QuantFormat.Q8_0));
        assertEquals("model_type", e.field(), e.getMessage());
        assertTrue(e.getMessage().contains("gemma3"), e.getMessage());
    }

    @Test
    void directoryWithoutTokenizerIsRefused() throws IOException {
        Path hf = tinyDirectory();
        Files.delete(hf.resolve("tokenizer.json"));
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> quantize(hf, dir.resolve("x.gguf"), QuantFormat.Q8_0));
        assertEquals("tokenizer.json", e.field(), e.getMessage());
        assertTrue(e.getMessage().contains("has no tokenizer.json"), e.getMessage());
    }

    @Test
    void tensorOfAnotherDtypeIsNamed() {
        Path hf = tinyDirectory();
        new SafetensorsWriter().add("model.layers.0.mlp.up_proj.weight", SafetensorsDtype.I8, new long[] {2, 2},
                MemorySegment.ofArray(new byte[4])).write(hf.resolve("model.safetensors"));
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> quantize(hf, dir.resolve("x.gguf"), QuantFormat.Q8_0));
        assertEquals("model.layers.0.mlp.up_proj.weight", e.field(), e.getMessage());
        assertTrue(e.getMessage().contains("I8 cannot be converted"), e.getMessage());
    }

    @Test
    void quantisedCheckpointIsRefused() throws IOException {
        Path hf = tinyDirectory();
        Files.writeString(hf.resolve("hf_quant_config.json"), "{\"quantization\":{\"quant_algo\":\"FP8\"}}");
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> quantize(hf, dir.resolve("x.gguf"), QuantFormat.Q4_K));
        assertTrue(e.getMessage().contains("already quantised (MODELOPT_FP8)"), e.getMessage());
    }

    @Test
    void untiedDirectoryWithoutLmHeadIsRefused() throws IOException {
        Path gguf = dir.resolve("tied.gguf");
        SyntheticModels.write(SyntheticModel.tiny().withWeightFormat(QuantFormat.F32).withTiedEmbeddings(true), gguf);
        Path hf = HfDirectories.write(gguf, dir.resolve("tied"), 1);
        Path config = hf.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"tie_word_embeddings\":true",
                "\"tie_word_embeddings\":false"));
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> quantize(hf, dir.resolve("x.gguf"), QuantFormat.Q8_0));
        assertEquals("lm_head.weight", e.field(), e.getMessage());
    }
}

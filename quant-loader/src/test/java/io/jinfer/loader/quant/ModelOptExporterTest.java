package io.jinfer.loader.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jinfer.api.ModelFormatException;
import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.CheckpointQuantizer;
import io.jinfer.api.format.ReferenceDequantizer;
import io.jinfer.api.format.ScaledDequantizer;
import io.jinfer.api.format.ScaledTensor;
import io.jinfer.api.spi.TensorView;
import io.jinfer.loader.hf.HfDirectories;
import io.jinfer.loader.hf.HfModelDirectory;
import io.jinfer.loader.hf.HfQuantization;
import io.jinfer.loader.safetensors.SafetensorsCheckpoint;
import io.jinfer.loader.safetensors.SafetensorsDtype;
import io.jinfer.loader.safetensors.SafetensorsTensor;
import io.jinfer.loader.synth.Architecture;
import io.jinfer.loader.synth.SyntheticModel;
import io.jinfer.loader.synth.SyntheticModels;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * ModelOpt checkpoints written from HF directories and GGUF files: the layout (names, dtypes,
 * shapes, JSON descriptions, copied tokenizer files, shards), the reader binding them as scaled
 * weights whose codes are {@link CheckpointQuantizer}'s, un-permuted Q/K from GGUF input, and errors.
 */
class ModelOptExporterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String Q = "model.layers.0.self_attn.q_proj.weight";

    @TempDir
    Path dir;

    private Path ggufOf(Architecture arch, QuantFormat format) {
        Path gguf = dir.resolve(arch + "-" + format + ".gguf");
        SyntheticModels.write(SyntheticModel.tiny().withArchitecture(arch).withWeightFormat(format), gguf);
        return gguf;
    }

    private static ModelQuantizerReport export(Path in, Path out, ModelOptOptions o) {
        return new ModelOptExporter(o).export(in, out);
    }

    /** The original values of a plain checkpoint matrix, row major [out, in]. */
    private static float[] values(SafetensorsCheckpoint c, String name) {
        SafetensorsTensor t = c.tensor(name);
        TensorView v = t.toView();
        float[] out = new float[Math.toIntExact(t.elementCount())];
        ReferenceDequantizer.dequantize(v.format(), v.data(), 0, out.length, out, 0);
        return out;
    }

    @ParameterizedTest
    @CsvSource({"FP8, TENSOR", "FP8, CHANNEL", "NVFP4, TENSOR"})
    void directoryBecomesAModelOptCheckpointTheReaderBinds(ModelOptOptions.Algorithm algo,
            ModelOptOptions.Granularity g) throws IOException {
        Path hf = HfDirectories.write(ggufOf(Architecture.LLAMA, QuantFormat.BF16), dir.resolve("hf"), 1);
        Path out = dir.resolve("out");
        ModelQuantizerReport report = export(hf, out, ModelOptOptions.of(algo).withGranularity(g));

        JsonNode hq = JSON.readTree(out.resolve(HfQuantization.MODELOPT_FILE).toFile());
        assertEquals(algo.name(), hq.at("/quantization/quant_algo").asText());
        assertTrue(hq.at("/quantization/kv_cache_quant_algo").isNull());
        assertEquals("[\"lm_head\"]", hq.at("/quantization/exclude_modules").toString());
        assertEquals(ModelOptExporter.PRODUCER, hq.at("/producer/name").asText());
        JsonNode config = JSON.readTree(out.resolve("config.json").toFile());
        assertEquals("modelopt", config.at("/quantization_config/quant_method").asText());
        assertEquals("llama", config.get("model_type").asText());
        assertEquals(-1, Files.mismatch(hf.resolve("tokenizer.json"), out.resolve("tokenizer.json")));
        assertTrue(Files.isRegularFile(out.resolve("tokenizer_config.json")));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of("hf", "out"), s.map(p -> p.getFileName().toString())
                    .filter(n -> !n.endsWith(".gguf")).sorted().toList(), "no temporary directory is left");
        }

        try (SafetensorsCheckpoint src = SafetensorsCheckpoint.open(hf); HfModelDirectory m = HfModelDirectory.open(out)) {
            SafetensorsCheckpoint c = m.checkpoint();
            assertEquals(SafetensorsDtype.BF16, c.tensor("model.embed_tokens.weight").dtype(), "embeddings stay BF16");
            assertEquals(SafetensorsDtype.BF16, c.tensor("lm_head.weight").dtype(), "lm_head stays BF16");
            assertEquals(SafetensorsDtype.F32, c.tensor("model.norm.weight").dtype(), "norms keep their precision");
            float[] original = values(src, Q);
            long[] shape = src.tensor(Q).shape();
            int rows = (int) shape[0];
            int cols = (int) shape[1];
            ScaledTensor expected = algo == ModelOptOptions.Algorithm.NVFP4 ? CheckpointQuantizer.nvfp4(original, rows, cols)
                    : g == ModelOptOptions.Granularity.CHANNEL
                            ? CheckpointQuantizer.fp8PerChannel(QuantFormat.F8_E4M3, original, rows, cols)
                            : CheckpointQuantizer.fp8PerTensor(QuantFormat.F8_E4M3, original, rows, cols);
            TensorView bound = m.binder().matrix(Q);
            assertEquals(expected.format(), bound.format());
            assertArrayEquals(new long[] {cols, rows}, bound.shape());
            assertArrayEquals(expected.codes().toArray(ValueLayout.JAVA_BYTE), bound.data().toArray(ValueLayout.JAVA_BYTE));
            assertArrayEquals(expected.scales().data().toArray(ValueLayout.JAVA_BYTE),
                    bound.scales().data().toArray(ValueLayout.JAVA_BYTE));
            assertEquals(expected.scales().globalScale(), bound.scales().globalScale());
            assertEquals(expected.scales().rowBlock() == rows ? rows : expected.scales().rowBlock(),
                    bound.scales().rowBlock());
            // Expanded back, the weights are near the originals: within half a step of the format at the row's scale.
            float[] back = new float[cols];
            double worst = 0;
            for (int r = 0; r < rows; r++) {
                ScaledDequantizer.dequantizeRow(bound, r, back, 0);
                float amax = 0;
                for (int i = 0; i < cols; i++) {
                    amax = Math.max(amax, Math.abs(original[r * cols + i]));
                }
                for (int i = 0; i < cols; i++) {
                    worst = Math.max(worst, Math.abs(back[i] - original[r * cols + i]) / amax);
                }
            }
            double bound0 = algo == ModelOptOptions.Algorithm.NVFP4 ? 0.25 : 0.07;
            assertTrue(worst < bound0, "largest error relative to the row's amax " + worst);
            String shapeOfScale = java.util.Arrays.toString(c.tensor(Q.replace(".weight", ".weight_scale")).shape());
            assertEquals(switch (algo) {
                case NVFP4 -> "[" + rows + ", " + cols / 16 + "]";
                case FP8 -> g == ModelOptOptions.Granularity.CHANNEL ? "[" + rows + ", 1]" : "[]";
            }, shapeOfScale);
        }
        assertEquals(7 * SyntheticModel.tiny().layers(),
                report.tensors().stream().filter(ModelQuantizerReport.TensorStats::converted).count());
        assertTrue(report.total().relativeRmse() > 0 && report.total().relativeRmse() < 0.2,
                "relative RMSE " + report.total().relativeRmse());
        assertEquals(-1, report.fileType());
    }

    /** A GGUF file and the directory it was converted from give the same checkpoint: Q/K are un-permuted. */
    @ParameterizedTest
    @CsvSource({"LLAMA, F32", "QWEN3, BF16"})
    void ggufInputGivesTheCheckpointOfItsDirectory(Architecture arch, QuantFormat format) throws IOException {
        Path gguf = ggufOf(arch, format);
        Path hf = HfDirectories.write(gguf, dir.resolve("hf"), 1);
        Path fromHf = dir.resolve("from-hf");
        Path fromGguf = dir.resolve("from-gguf");
        export(hf, fromHf, ModelOptOptions.of(ModelOptOptions.Algorithm.NVFP4));
        export(gguf, fromGguf, ModelOptOptions.of(ModelOptOptions.Algorithm.NVFP4));
        try (SafetensorsCheckpoint a = SafetensorsCheckpoint.open(fromHf); SafetensorsCheckpoint b = SafetensorsCheckpoint.open(fromGguf)) {
            assertEquals(a.names().stream().sorted().toList(), b.names().stream().sorted().toList());
            for (String n : a.names()) {
                SafetensorsTensor x = a.tensor(n);
                SafetensorsTensor y = b.tensor(n);
                assertEquals(x.dtype(), y.dtype(), n);
                assertArrayEquals(x.shape(), y.shape(), n);
                assertEquals(-1, x.data().mismatch(y.data()), n);
            }
        }
        JsonNode config = JSON.readTree(fromGguf.resolve("config.json").toFile());
        JsonNode original = JSON.readTree(hf.resolve("config.json").toFile());
        for (String key : List.of("model_type", "hidden_size", "num_hidden_layers", "num_attention_heads",
                "num_key_value_heads", "head_dim", "intermediate_size", "vocab_size", "tie_word_embeddings")) {
            assertEquals(original.get(key), config.get(key), key);
        }
        assertEquals(original.get("rope_theta").asDouble(), config.get("rope_theta").asDouble(), 1e-3);
        assertFalse(Files.exists(fromGguf.resolve("tokenizer.json")), "a GGUF file has no tokenizer files to copy");
    }

    @Test
    void largeCheckpointsAreShardedWithAnIndex() throws IOException {
        Path hf = HfDirectories.write(ggufOf(Architecture.QWEN2, QuantFormat.F32), dir.resolve("hf"), 1);
        Path out = dir.resolve("sharded");
        export(hf, out, ModelOptOptions.of(ModelOptOptions.Algorithm.FP8).withShardBytes(64 << 10));
        JsonNode index = JSON.readTree(out.resolve(SafetensorsCheckpoint.INDEX).toFile());
        long shards;
        try (Stream<Path> s = Files.list(out)) {
            shards = s.filter(p -> p.getFileName().toString().matches("model-\\d{5}-of-\\d{5}\\.safetensors")).count();
        }
        assertTrue(shards > 2, shards + " shards");
        assertFalse(Files.exists(out.resolve(SafetensorsCheckpoint.SINGLE)));
        try (HfModelDirectory m = HfModelDirectory.open(out)) {
            long total = 0;
            for (String n : m.checkpoint().names()) {
                total += m.checkpoint().tensor(n).data().byteSize();
            }
            assertEquals(total, index.at("/metadata/total_size").asLong());
            assertEquals(QuantFormat.F8_E4M3, m.binder().matrix("model.layers.1.mlp.down_proj.weight").format());
            assertEquals(QuantFormat.F32, m.vectorF32("model.layers.0.self_attn.q_proj.bias").format(), "qwen2 biases kept");
        }
    }

    @Test
    void nvfp4LeavesRowsThatDoNotSplitIntoGroupsOf16AndExcludesThem() throws IOException {
        // ffn 40: down_proj rows of 40 values are not groups of 16.
        SyntheticModel spec = new SyntheticModel(Architecture.LLAMA, 128, 2, 4, 2, 40, 512, 512, 10000f, false,
                QuantFormat.F32, 42);
        Path gguf = dir.resolve("odd.gguf");
        SyntheticModels.write(spec, gguf);
        Path out = dir.resolve("odd");
        ModelQuantizerReport r = export(gguf, out, ModelOptOptions.of(ModelOptOptions.Algorithm.NVFP4));
        assertEquals(spec.layers(), r.fallbacks().size());
        JsonNode hq = JSON.readTree(out.resolve(HfQuantization.MODELOPT_FILE).toFile());
        assertTrue(hq.at("/quantization/exclude_modules").toString().contains("model.layers.0.mlp.down_proj"));
        try (HfModelDirectory m = HfModelDirectory.open(out)) {
            assertEquals(QuantFormat.F32, m.binder().matrix("model.layers.0.mlp.down_proj.weight").format());
            assertEquals(QuantFormat.E2M1, m.binder().matrix("model.layers.0.mlp.up_proj.weight").format());
        }
    }

    @Test
    void existingOutputAndQuantisedInputAreRefused() throws IOException {
        Path gguf = ggufOf(Architecture.LLAMA, QuantFormat.F32);
        Path taken = Files.createDirectories(dir.resolve("taken"));
        Files.writeString(taken.resolve("x"), "x");
        ModelQuantizerException e = assertThrows(ModelQuantizerException.class,
                () -> export(gguf, taken, ModelOptOptions.of(ModelOptOptions.Algorithm.FP8)));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());

        Path q8 = dir.resolve("q8.gguf");
        new ModelQuantizer(ModelQuantizerOptions.builder(QuantFormat.Q8_0).threads(1).build()).quantize(gguf, q8);
        ModelFormatException f = assertThrows(ModelFormatException.class,
                () -> export(q8, dir.resolve("o"), ModelOptOptions.of(ModelOptOptions.Algorithm.FP8)));
        assertTrue(f.getMessage().contains("Q8_0 cannot be quantised"), f.getMessage());
        assertFalse(Files.exists(dir.resolve("o")));
        try (Stream<Path> s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().contains(".tmp-")), "no temporary directory left");
        }
    }

    @Test
    void directoryProblemsAreNamed() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        ModelFormatException none = assertThrows(ModelFormatException.class,
                () -> export(empty, dir.resolve("a"), ModelOptOptions.of(ModelOptOptions.Algorithm.NVFP4)));
        assertTrue(none.getMessage().contains("no config.json"), none.getMessage());

        Path hf = HfDirectories.write(ggufOf(Architecture.LLAMA, QuantFormat.F32), dir.resolve("hf"), 1);
        Path config = hf.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"model_type\":\"llama\"", "\"model_type\":\"phi3\""));
        ModelFormatException type = assertThrows(ModelFormatException.class,
                () -> export(hf, dir.resolve("b"), ModelOptOptions.of(ModelOptOptions.Algorithm.FP8)));
        assertEquals("model_type", type.field(), type.getMessage());
        assertFalse(Files.exists(dir.resolve("a")) || Files.exists(dir.resolve("b")));
    }

    /** Interrupted after its first tensor, mid-way through a shard: the temporary directory goes too. */
    @Test
    void interruptedRunLeavesNothing() throws IOException {
        Path gguf = ggufOf(Architecture.LLAMA, QuantFormat.F32);
        Path out = dir.resolve("stopped");
        java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
        ModelQuantizerListener stopAfterOne = new ModelQuantizerListener() {
            @Override
            public void tensorDone(ModelQuantizerReport.TensorStats t, ModelQuantizerProgress p) {
                done.incrementAndGet();
                Thread.currentThread().interrupt();
            }
        };
        ModelQuantizerException e;
        try {
            e = assertThrows(ModelQuantizerException.class, () -> export(gguf, out,
                    ModelOptOptions.of(ModelOptOptions.Algorithm.FP8).withListener(stopAfterOne)));
        } finally {
            Thread.interrupted();
        }
        assertEquals(1, done.get(), "stopped after the first tensor");
        assertTrue(e.getMessage().contains("was interrupted"), e.getMessage());
        assertFalse(Files.exists(out));
        try (Stream<Path> s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().contains(".tmp-")), "no temporary directory left");
        }
    }
}

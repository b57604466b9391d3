package io.jinfer.loader.synth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.ReferenceDequantizer;
import io.jinfer.api.spi.TensorView;
import io.jinfer.loader.gguf.GgufFile;
import io.jinfer.loader.gguf.GgufMetadata;
import io.jinfer.loader.gguf.GgufTensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SyntheticModelsTest {

    @TempDir
    Path dir;

    /** Small enough for a fast test, with every dimension different so that swapped shapes show. */
    private static SyntheticModel small(Architecture arch, QuantFormat format) {
        return new SyntheticModel(arch, 96, 2, 6, 2, 160, 300, 256, 20000f, false, format, 7);
    }

    private Path write(SyntheticModel spec, String file) {
        Path p = dir.resolve(file);
        long size = SyntheticModels.write(spec, p);
        assertEquals(size, p.toFile().length());
        return p;
    }

    private static List<String> expectedNames(SyntheticModel spec) {
        List<String> names = new ArrayList<>(List.of("token_embd.weight", "output_norm.weight"));
        if (!spec.tiedEmbeddings()) {
            names.add("output.weight");
        }
        for (int l = 0; l < spec.layers(); l++) {
            String p = "blk." + l + ".";
            names.addAll(List.of(p + "attn_norm.weight", p + "attn_q.weight", p + "attn_k.weight",
                    p + "attn_v.weight"));
            if (spec.architecture() == Architecture.QWEN2) {
                names.addAll(List.of(p + "attn_q.bias", p + "attn_k.bias", p + "attn_v.bias"));
            }
            if (spec.architecture() == Architecture.QWEN3) {
                names.addAll(List.of(p + "attn_q_norm.weight", p + "attn_k_norm.weight"));
            }
            names.addAll(List.of(p + "attn_output.weight", p + "ffn_norm.weight", p + "ffn_gate.weight",
                    p + "ffn_up.weight", p + "ffn_down.weight"));
        }
        return names;
    }

    private static long[] expectedShape(SyntheticModel spec, String name) {
        int d = spec.dim();
        int kv = spec.kvDim();
        String kind = name.startsWith("blk.") ? name.substring(name.indexOf('.', 4) + 1) : name;
        return switch (kind) {
            case "token_embd.weight", "output.weight" -> new long[] {d, spec.vocab()};
            case "output_norm.weight", "attn_norm.weight", "ffn_norm.weight", "attn_q.bias" -> new long[] {d};
            case "attn_q.weight", "attn_output.weight" -> new long[] {d, d};
            case "attn_k.weight", "attn_v.weight" -> new long[] {d, kv};
            case "attn_k.bias", "attn_v.bias" -> new long[] {kv};
            case "attn_q_norm.weight", "attn_k_norm.weight" -> new long[] {spec.headDim()};
            case "ffn_gate.weight", "ffn_up.weight" -> new long[] {d, spec.ffn()};
            case "ffn_down.weight" -> new long[] {spec.ffn(), d};
            default -> throw new AssertionError(name);
        };
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void writesLlamaCppTensorNamesShapesAndMetadata(Architecture arch) {
        SyntheticModel spec = small(arch, QuantFormat.Q4_0);
        try (GgufFile f = GgufFile.open(write(spec, arch + ".gguf"))) {
            List<String> names = f.tensorInfos().stream().map(GgufTensorInfo::name).toList();
            assertEquals(expectedNames(spec), names);
            for (GgufTensorInfo t : f.tensorInfos()) {
                assertArrayEquals(expectedShape(spec, t.name()), t.shape(), t.name());
                assertEquals(t.shape().length == 2 ? QuantFormat.Q4_0 : QuantFormat.F32, t.format(), t.name());
            }
            GgufMetadata m = f.metadata();
            String a = arch.ggufName();
            assertEquals(a, m.getString("general.architecture"));
            assertEquals(spec.name(), m.getString("general.name"));
            assertEquals(256, m.getInt(a + ".context_length"));
            assertEquals(96, m.getInt(a + ".embedding_length"));
            assertEquals(2, m.getInt(a + ".block_count"));
            assertEquals(160, m.getInt(a + ".feed_forward_length"));
            assertEquals(6, m.getInt(a + ".attention.head_count"));
            assertEquals(2, m.getInt(a + ".attention.head_count_kv"));
            assertEquals(1e-5f, (float) m.getDouble(a + ".attention.layer_norm_rms_epsilon"));
            assertEquals(20000.0, m.getDouble(a + ".rope.freq_base"));
            assertEquals(16, m.getInt(a + ".rope.dimension_count"));
            assertEquals(300, m.getInt(a + ".vocab_size"));
            assertEquals(2, m.getInt("general.file_type"), "llama.cpp's LLAMA_FTYPE_MOSTLY_Q4_0");
            assertEquals(arch == Architecture.QWEN3, m.has(a + ".attention.key_length"));
            assertTokenizer(m, 300);
        }
    }

    private static void assertTokenizer(GgufMetadata m, int vocab) {
        assertEquals("llama", m.getString("tokenizer.ggml.model"));
        List<String> tokens = m.getStringArray("tokenizer.ggml.tokens");
        long[] types = m.getLongArray("tokenizer.ggml.token_type");
        float[] scores = m.getFloatArray("tokenizer.ggml.scores");
        assertEquals(vocab, tokens.size());
        assertEquals(vocab, types.length);
        assertEquals(vocab, scores.length);
        assertEquals(List.of("<unk>", "<s>", "</s>"), tokens.subList(0, 3));
        for (int b = 0; b < 256; b++) {
            assertEquals(String.format("<0x%02X>", b), tokens.get(3 + b));
            assertEquals(6, types[3 + b]);
        }
        assertEquals(1, m.getInt("tokenizer.ggml.bos_token_id"));
        assertEquals(2, m.getInt("tokenizer.ggml.eos_token_id"));
        assertTrue(m.getBoolean("tokenizer.ggml.add_bos_token", false));
    }

    @Test
    void tiedEmbeddingsLeaveOutTheOutputProjection() {
        SyntheticModel spec = small(Architecture.LLAMA, QuantFormat.Q8_0).withTiedEmbeddings(true);
        try (GgufFile f = GgufFile.open(write(spec, "tied.gguf"))) {
            assertFalse(f.hasTensor("output.weight"));
            assertEquals(expectedNames(spec), f.tensorInfos().stream().map(GgufTensorInfo::name).toList());
        }
    }

    @Test
    void theSameSeedGivesTheSameBytesWhateverTheThreadCount() throws IOException {
        SyntheticModel spec = small(Architecture.QWEN2, QuantFormat.Q5_1);
        Path one = dir.resolve("one.gguf");
        Path three = dir.resolve("three.gguf");
        SyntheticModels.write(spec, one, 1);
        SyntheticModels.write(spec, three, 3);
        assertEquals(-1, Files.mismatch(one, three));
    }

    @Test
    void aDifferentSeedGivesDifferentWeights() throws IOException {
        SyntheticModel spec = small(Architecture.LLAMA, QuantFormat.Q8_0);
        Path a = write(spec, "a.gguf");
        Path b = write(spec.withSeed(8), "b.gguf");
        assertEquals(Files.size(a), Files.size(b), "the seed changes values, not the layout");
        assertNotEquals(-1, Files.mismatch(a, b));
        try (GgufFile fa = GgufFile.open(a); GgufFile fb = GgufFile.open(b)) {
            for (GgufTensorInfo t : fa.tensorInfos()) {
                boolean same = fa.tensor(t.name()).data().mismatch(fb.tensor(t.name()).data()) == -1;
                assertEquals(t.name().endsWith("norm.weight"), same, t.name() + ": only norms (all 1) may match");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = QuantFormat.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"})
    void storedWeightsDecodeCloseToTheGeneratorsValues(QuantFormat format) {
        SyntheticModel spec = small(Architecture.QWEN3, format);
        double worstRelative = 0;
        try (GgufFile f = GgufFile.open(write(spec, format + ".gguf"))) {
            for (SyntheticTensor t : SyntheticModels.tensors(spec)) {
                TensorView v = f.tensor(t.name());
                int n = t.rowLength();
                float[] expected = new float[n];
                float[] actual = new float[n];
                long rowBytes = t.format().rowBytes(n);
                for (int r = 0; r < t.rows(); r++) {
                    t.fillRow(spec.seed(), r, expected, 0);
                    ReferenceDequantizer.dequantize(t.format(), v.data(), r * rowBytes, n, actual, 0);
                    for (int i = 0; i < n; i++) {
                        double err = Math.abs(actual[i] - expected[i]);
                        // relative to the tensor's scale: a quantisation step is a fraction of it
                        double rel = t.kind() == SyntheticTensor.Kind.NORM ? err : err / t.scale();
                        worstRelative = Math.max(worstRelative, rel);
                    }
                }
            }
        }
        System.out.printf("%s: worst error %.4f deviations%n", format, worstRelative);
        // Largest error in units of the weights' standard deviation: a block's range is a few
        // deviations, split into 2^bits levels.
        double limit = switch (format) {
            case F32 -> 0;
            case F16 -> 0.005;
            case BF16 -> 0.02;
            case Q8_0 -> 0.03;
            case Q5_1 -> 0.2;
            case Q5_0 -> 0.25;
            case Q4_1 -> 0.4;
            case Q4_0 -> 0.5;
            default -> throw new AssertionError(format);
        };
        assertTrue(worstRelative <= limit, format + ": worst error " + worstRelative + " deviations > " + limit);
    }

    @Test
    void weightsHaveTheDocumentedScale() {
        SyntheticModel spec = small(Architecture.QWEN2, QuantFormat.F32);
        for (SyntheticTensor t : SyntheticModels.tensors(spec)) {
            float[] row = new float[t.rowLength()];
            double sum2 = 0;
            long count = 0;
            for (int r = 0; r < t.rows(); r++) {
                t.fillRow(spec.seed(), r, row, 0);
                for (float x : row) {
                    sum2 += x * (double) x;
                    count++;
                }
            }
            double rms = Math.sqrt(sum2 / count);
            double expected = switch (t.kind()) {
                case NORM -> 1.0;
                case BIAS -> SyntheticModels.BIAS_SCALE;
                case MATRIX -> t.name().startsWith("token_embd") || t.name().startsWith("output")
                        ? SyntheticModels.OUTPUT_GAIN / Math.sqrt(spec.dim()) : 1 / Math.sqrt(t.rowLength());
            };
            // count is at least 16 values; the rms of n normals is within a few 1/sqrt(2n) of 1
            double tolerance = t.kind() == SyntheticTensor.Kind.NORM ? 0 : 4 / Math.sqrt(2.0 * count) + 0.02;
            assertEquals(expected, rms, expected * tolerance, t.name());
        }
    }

    @Test
    void tensorsLargerThanOneBatchAreStreamedInOrder() throws IOException {
        // 20000 x 128 F32 values are 10 MB: the embedding table is written in several batches.
        SyntheticModel spec = new SyntheticModel(Architecture.LLAMA, 128, 1, 4, 4, 128, 20000, 64, 10000f, true,
                QuantFormat.F32, 5);
        Path one = dir.resolve("big1.gguf");
        Path two = dir.resolve("big2.gguf");
        SyntheticModels.write(spec, one, 1);
        SyntheticModels.write(spec, two, 2);
        assertEquals(-1, Files.mismatch(one, two));
        SyntheticTensor embd = SyntheticModels.tensors(spec).getFirst();
        float[] expected = new float[128];
        float[] actual = new float[128];
        try (GgufFile f = GgufFile.open(one)) {
            TensorView v = f.tensor("token_embd.weight");
            for (int row : new int[] {0, 8191, 8192, 16384, 19999}) {
                embd.fillRow(spec.seed(), row, expected, 0);
                ReferenceDequantizer.dequantize(QuantFormat.F32, v.data(), row * 512L, 128, actual, 0);
                assertArrayEquals(expected, actual, "row " + row);
            }
        }
    }

    @Test
    void presetsHaveTheAdvertisedShapes() {
        SyntheticModel tiny = SyntheticModel.tiny();
        assertTrue(tiny.dim() >= 64 && tiny.dim() <= 128 && tiny.layers() >= 2 && tiny.layers() <= 4);
        assertTrue(tiny.vocab() >= SyntheticVocabulary.MIN_SIZE && tiny.vocab() < 1000);
        SyntheticModel big = SyntheticModel.llama1b();
        assertEquals(List.of(2048, 16, 32, 8, 8192, 128256), List.of(big.dim(), big.layers(), big.heads(),
                big.kvHeads(), big.ffn(), big.vocab()));
        assertTrue(big.tiedEmbeddings());
        assertTrue(big.context() >= 2048);
        assertEquals(1_235_814_400L, big.parameterCount());
        long tensorValues = SyntheticModels.tensors(big).stream()
                .mapToLong(t -> (long) t.rowLength() * t.rows()).sum();
        assertEquals(big.parameterCount(), tensorValues);
    }

    @Test
    void tinyPresetWritesAndReadsBack() {
        SyntheticModel spec = SyntheticModel.tiny();
        try (GgufFile f = GgufFile.open(write(spec, "tiny.gguf"))) {
            assertEquals(expectedNames(spec), f.tensorInfos().stream().map(GgufTensorInfo::name).toList());
            assertTokenizer(f.metadata(), spec.vocab());
            assertEquals(spec.weightFormat(), f.tensor("blk.0.ffn_down.weight").format());
        }
    }
}

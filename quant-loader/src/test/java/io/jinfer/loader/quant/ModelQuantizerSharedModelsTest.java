package io.jinfer.loader.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.QuantFormat;
import io.jinfer.loader.gguf.GgufFile;
import io.jinfer.loader.gguf.GgufMetadata;
import io.jinfer.loader.gguf.GgufTensorInfo;
import io.jinfer.loader.testing.SharedFixtures;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Quantises the F32 master of the shared synthetic Llama to every target and compares the result
 * with the file {@code llama-quantize --pure} wrote from the same master: the same tensors in the
 * same order at the same offsets, every tensor's bytes identical, the same metadata. Where the
 * fixture's {@code general.file_type} is llama.cpp's number for the format, the whole file is
 * byte-identical; the MXFP4 and NVFP4 fixtures were made with llama-quantize's per-tensor override
 * on a Q8_0 file type (7), so only that value differs from ours (38 and 39).
 */
class ModelQuantizerSharedModelsTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q2_k", "q3_k", "q4_k", "q5_k", "q6_k",
        "iq4_nl", "iq4_xs", "mxfp4", "nvfp4", "f16", "bf16"})
    void matchesLlamaQuantize(String type) throws IOException {
        Path master = SharedFixtures.require("models/synth-llama-f32.gguf");
        Path expected = SharedFixtures.require("models/synth-llama-" + type + ".gguf");
        QuantFormat target = ModelQuantizer.parseTarget(type);
        Path out = dir.resolve(type + ".gguf");
        ModelQuantizerReport report = new ModelQuantizer(ModelQuantizerOptions.builder(target).threads(2).build())
                .quantize(master, out);

        try (GgufFile mine = GgufFile.open(out); GgufFile theirs = GgufFile.open(expected)) {
            assertEquals(theirs.tensorInfos(), mine.tensorInfos(), "tensor table (names, order, formats, offsets)");
            List<String> differing = new ArrayList<>();
            for (GgufTensorInfo t : theirs.tensorInfos()) {
                MemorySegment a = mine.tensor(t.name()).data();
                MemorySegment b = theirs.tensor(t.name()).data();
                if (a.mismatch(b) >= 0) {
                    differing.add(t.name());
                }
            }
            assertEquals(List.of(), differing, "tensors whose bytes differ from llama-quantize's");
            assertMetadataMatches(theirs.metadata(), mine.metadata(), target);
            assertEquals(theirs.dataOffset(), mine.dataOffset());
        }
        if (LlamaFileType.of(target) == fixtureFileType(expected)) {
            assertEquals(-1, Files.mismatch(out, expected), "the whole file is byte-identical");
        }
        assertEquals(Files.size(out), report.bytesOut());
        long converted = report.tensors().stream().filter(ModelQuantizerReport.TensorStats::converted).count();
        assertEquals(7 * 4 + 2, converted, "every weight matrix is converted");
        assertTrue(report.fallbacks().isEmpty(), "no fallback in a model of 256-wide rows");
        System.out.printf("%s: relative RMSE %.5f, max |err| %.5f, %.2f s%n", type,
                report.total().relativeRmse(), report.total().maxAbsError(), report.seconds());
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"llama, q4_k_m, synth-llama-q4_k_m-mix", "llama, q3_k_m, synth-llama-q3_k_m-mix",
        "qwen2, q4_k_m, synth-qwen2-q4_k_m", "qwen3, q4_k_m, synth-qwen3-q4_k_m"})
    void mixesMatchLlamaQuantize(String arch, String mixName, String fixture) throws IOException {
        Path master = SharedFixtures.require("models/synth-" + arch + "-f32.gguf");
        Path expected = SharedFixtures.require("models/" + fixture + ".gguf");
        QuantMix mix = QuantMix.parse(mixName).orElseThrow();
        Path out = dir.resolve(fixture + ".gguf");
        new ModelQuantizer(ModelQuantizerOptions.builder(mix).threads(2).build()).quantize(master, out);
        try (GgufFile mine = GgufFile.open(out); GgufFile theirs = GgufFile.open(expected)) {
            assertEquals(theirs.tensorInfos(), mine.tensorInfos(), "tensor table (names, order, formats, offsets)");
            for (GgufTensorInfo t : theirs.tensorInfos()) {
                assertEquals(-1, mine.tensor(t.name()).data().mismatch(theirs.tensor(t.name()).data()),
                        t.name() + " bytes differ from llama-quantize's");
            }
            assertMetadataMatches(theirs.metadata(), mine.metadata(), mix.base());
        }
        assertEquals(-1, Files.mismatch(out, expected), "the whole file is byte-identical");
    }

    private static long fixtureFileType(Path file) {
        try (GgufFile f = GgufFile.open(file)) {
            return f.metadata().getLong(ModelQuantizer.FILE_TYPE_KEY);
        }
    }

    private static void assertMetadataMatches(GgufMetadata theirs, GgufMetadata mine, QuantFormat target) {
        assertEquals(List.copyOf(theirs.keys()), List.copyOf(mine.keys()), "metadata keys in order");
        for (Map.Entry<String, GgufMetadata.Entry> e : theirs.entries().entrySet()) {
            GgufMetadata.Entry m = mine.entries().get(e.getKey());
            assertEquals(e.getValue().type(), m.type(), e.getKey());
            if (e.getKey().equals(ModelQuantizer.FILE_TYPE_KEY)) {
                assertEquals((long) LlamaFileType.of(target), m.value());
            } else {
                assertTrue(java.util.Objects.deepEquals(e.getValue().value(), m.value()), e.getKey());
            }
        }
    }
}

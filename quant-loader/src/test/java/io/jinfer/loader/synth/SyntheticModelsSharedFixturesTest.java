package io.jinfer.loader.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jinfer.api.QuantFormat;
import io.jinfer.loader.gguf.GgufFile;
import io.jinfer.loader.gguf.GgufMetadata;
import io.jinfer.loader.gguf.GgufTensorInfo;
import io.jinfer.loader.testing.SharedFixtures;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Writes models with the shapes of the shared fixtures (made with llama.cpp's tools) and checks that
 * the tensor table and the metadata keys and types are the same as there.
 */
class SyntheticModelsSharedFixturesTest {

    /** Keys llama.cpp's converter wrote with "no such token" values; a reader treats absence the same. */
    private static final Set<String> OPTIONAL = Set.of("tokenizer.ggml.seperator_token_id",
            "tokenizer.ggml.padding_token_id");

    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({"llama, 256, 4, 8, 4", "qwen2, 256, 3, 8, 2", "qwen3, 256, 3, 4, 2"})
    void mirrorsTheTensorTableAndMetadataOfLlamaCppFiles(String arch, int dim, int layers, int heads,
            int kvHeads) {
        Path fixture = SharedFixtures.require("models/synth-" + arch + "-f32.gguf");
        SyntheticModel spec = new SyntheticModel(Architecture.fromGgufName(arch), dim, layers, heads, kvHeads, 768,
                512, 1024, 10000f, false, QuantFormat.F32, 3);
        Path mine = dir.resolve(arch + ".gguf");
        SyntheticModels.write(spec, mine);
        try (GgufFile theirs = GgufFile.open(fixture); GgufFile ours = GgufFile.open(mine)) {
            assertEquals(table(theirs.tensorInfos()), table(ours.tensorInfos()));
            Map<String, String> expected = keyTypes(theirs.metadata());
            expected.keySet().removeAll(OPTIONAL);
            Map<String, String> actual = keyTypes(ours.metadata());
            actual.keySet().retainAll(expected.keySet());
            assertEquals(expected, actual, "every key llama.cpp wrote, with the same type");
            for (String key : List.of(arch + ".embedding_length", arch + ".block_count", arch + ".context_length",
                    arch + ".attention.head_count_kv", arch + ".rope.dimension_count", arch + ".vocab_size")) {
                assertEquals(theirs.metadata().getLong(key), ours.metadata().getLong(key), key);
            }
        }
    }

    private static List<String> table(List<GgufTensorInfo> infos) {
        return infos.stream().map(t -> t.name() + " " + t.format() + Arrays.toString(t.shape())).toList();
    }

    private static Map<String, String> keyTypes(GgufMetadata m) {
        Map<String, String> types = new TreeMap<>();
        m.entries().forEach((k, e) -> types.put(k, e.type() + (e.elementType() == null ? "" : "/" + e.elementType())));
        return types;
    }
}

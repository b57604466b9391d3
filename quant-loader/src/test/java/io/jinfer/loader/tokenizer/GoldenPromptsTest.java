package io.jinfer.loader.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jinfer.api.Tokenizer;
import io.jinfer.loader.testing.SharedFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every golden prompt in ../shared/golden tokenizes, with BOS, to llama.cpp's prompt_tokens. */
class GoldenPromptsTest {

    @Test
    void everyGoldenPromptMatchesLlamaCpp() throws IOException {
        Path golden = SharedFixtures.require("golden");
        List<Path> files;
        try (Stream<Path> s = Files.list(golden)) {
            files = s.filter(p -> p.getFileName().toString().matches(".*\\.p\\d\\.json")).sorted().toList();
        }
        assertTrue(files.size() >= 3, "golden files: " + files.size());
        Map<String, Tokenizer> byModel = new HashMap<>();
        ObjectMapper json = new ObjectMapper();
        for (Path f : files) {
            String name = f.getFileName().toString();
            String model = name.substring(0, name.length() - ".pN.json".length());
            Path gguf = golden.resolveSibling("models").resolve(model + ".gguf");
            if (!Files.exists(gguf)) {
                continue;
            }
            Tokenizer tok = byModel.computeIfAbsent(model, m -> Tokenizers.fromGguf(VocabFixtures.metadata(gguf)));
            JsonNode g = json.readTree(f.toFile());
            JsonNode ids = g.get("prompt_tokens");
            int[] expected = IntStream.range(0, ids.size()).map(i -> ids.get(i).asInt()).toArray();
            assertArrayEquals(expected, tok.encode(g.get("prompt").asText()), name);
            assertEquals(g.get("n_vocab").asInt(), tok.vocabularySize(), name);
        }
        System.out.printf("golden prompts: %d files over %d models match%n", files.size(), byModel.size());
        assertTrue(byModel.size() >= 1);
    }
}

package io.jinfer.loader.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.QuantFormat;
import io.jinfer.loader.testing.SharedFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class GgufSharedModelsTest {

    @Test
    void storiesModelHasExpectedShape() {
        Path p = SharedFixtures.require("models/stories260K.gguf");
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals("llama", f.metadata().getString("general.architecture"));
            assertEquals(64, f.metadata().getInt("llama.embedding_length"));
            assertEquals(512, f.metadata().getStringArray("tokenizer.ggml.tokens").size());
            assertEquals(QuantFormat.F32, f.tensor("token_embd.weight").format());
            assertEquals(List.of(64L, 512L), List.of(f.tensor("token_embd.weight").shape()[0],
                    f.tensor("token_embd.weight").shape()[1]));
        }
    }

    @Test
    void everySharedGgufOpens() throws IOException {
        Path models = SharedFixtures.require("models");
        Path vocab = SharedFixtures.require("tokenizer");
        try (Stream<Path> a = Files.list(models); Stream<Path> b = Files.list(vocab)) {
            List<Path> files = Stream.concat(a, b).filter(x -> x.toString().endsWith(".gguf")).sorted().toList();
            assertTrue(files.size() > 20);
            for (Path file : files) {
                try (GgufFile f = GgufFile.open(file)) {
                    System.out.printf("%-40s v%d %3d keys %3d tensors %s%n", file.getFileName(), f.version(),
                            f.metadata().keys().size(), f.tensorInfos().size(),
                            f.tensorInfos().stream().map(t -> t.format().name()).distinct().toList());
                }
            }
        }
    }
}

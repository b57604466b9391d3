package io.jinfer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelSourceTest {

    @Test
    void acceptsFilesAndHuggingFaceDirectoriesOnly(@TempDir Path dir) throws Exception {
        CommandException missing = assertThrows(CommandException.class, () -> ModelSource.file(dir.resolve("no.gguf")));
        assertTrue(missing.getMessage().contains("not found"), missing.getMessage());
        CommandException bare = assertThrows(CommandException.class, () -> ModelSource.file(dir));
        assertTrue(bare.getMessage().contains("without a config.json"), bare.getMessage());

        Files.writeString(dir.resolve("config.json"), "{}");
        try (ModelSource s = ModelSource.file(dir)) {
            assertEquals(dir, s.path());
        }
        Path file = Files.writeString(dir.resolve("m.gguf"), "x");
        try (ModelSource s = ModelSource.file(file)) {
            assertEquals(file, s.path());
        }
    }
}

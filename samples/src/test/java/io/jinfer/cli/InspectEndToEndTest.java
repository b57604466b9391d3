package io.jinfer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.loader.gguf.GgufFile;
import io.jinfer.loader.gguf.GgufTensorInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jinfer inspect} and the error paths that need no executor. */
class InspectEndToEndTest {

    @Test
    void inspectShowsVersionMetadataTensorsAndTotals() {
        Path model = SharedFixtures.require("models/stories260K.gguf");
        Cli r = Cli.run("inspect", model.toString());
        assertEquals(0, r.code(), r.toString());
        try (GgufFile f = GgufFile.open(model)) {
            assertTrue(r.out().contains("GGUF version: " + f.version()), r.out());
            assertTrue(r.out().contains("metadata: " + f.metadata().keys().size() + " keys"), r.out());
            assertTrue(r.out().contains("tensors: " + f.tensorInfos().size()), r.out());
            long bytes = 0;
            for (GgufTensorInfo t : f.tensorInfos()) {
                bytes += t.byteSize();
                String shape = java.util.Arrays.toString(t.shape());
                assertTrue(r.out().matches("(?s).*\\n  " + java.util.regex.Pattern.quote(t.name()) + " +"
                        + t.format() + " +" + java.util.regex.Pattern.quote(shape) + " +" + t.byteSize() + "\\n.*"),
                        "row of " + t.name());
            }
            assertTrue(r.out().contains("total: " + f.tensorInfos().size() + " tensors, "), r.out());
            assertTrue(r.out().contains(" " + bytes + " bytes"), r.out());
        }
        // The 512-token vocabulary is summarised, not printed whole.
        assertTrue(r.out().contains("tokenizer.ggml.tokens (array<string>[512]) = [\"<unk>\", \"<s>\", \"</s>\""), r.out());
        assertTrue(r.out().contains("(512 items)]"), r.out());
        assertFalse(r.out().contains("\"<0x10>\""), "only the first items are shown");
        assertTrue(r.out().contains("general.architecture (string) = \"llama\""), r.out());
    }

    @Test
    void inspectOfAVocabularyOnlyFileHasNoTensors() {
        Path vocab = SharedFixtures.require("tokenizer/ggml-vocab-llama-spm.gguf");
        Cli r = Cli.run("inspect", vocab.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("tensors: 0"), r.out());
        assertTrue(r.out().contains("total: 0 tensors, 0 elements, 0 bytes"), r.out());
    }

    @Test
    void notAGgufFileIsOneLineAndExitOne(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.gguf");
        Files.writeString(bad, "this is not a model");
        Cli r = Cli.run("inspect", bad.toString());
        assertEquals(1, r.code(), r.toString());
        assertEquals(1, r.err().lines().count(), r.toString());
        assertTrue(r.err().contains(bad.toString()) && r.err().contains("magic"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace without --verbose");

        Cli verbose = Cli.run("inspect", bad.toString(), "--verbose");
        assertEquals(1, verbose.code());
        assertTrue(verbose.err().contains("\tat "), "stack trace with --verbose: " + verbose.err());
    }

    @Test
    void truncatedFileIsExitOne(@TempDir Path dir) throws Exception {
        Path model = SharedFixtures.require("models/stories260K.gguf");
        byte[] all = Files.readAllBytes(model);
        Path cut = dir.resolve("cut.gguf");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length / 2));
        Cli r = Cli.run("inspect", cut.toString());
        assertEquals(1, r.code(), r.toString());
        assertEquals(1, r.err().lines().count(), r.toString());
        assertTrue(r.err().contains("truncated") || r.err().contains("beyond"), r.err());
    }

    @Test
    void missingFilesAreOneLineAndExitOne() {
        for (String[] line : new String[][] {
            {"inspect", "/no/such/file.gguf"},
            {"run", "--model", "/no/such/file.gguf"},
            {"logits", "--model", "/no/such/file.gguf", "--tokens", "1"},
            {"bench", "--model", "/no/such/file.gguf"},
            {"tokenize", "--model", "/no/such/file.gguf", "--text", "a"},
        }) {
            Cli r = Cli.run(line);
            assertEquals(1, r.code(), r.toString());
            assertEquals("jinfer: model file not found: /no/such/file.gguf", r.err().strip(), r.toString());
        }
    }

    @Test
    void missingTextFileIsExitOne(@TempDir Path dir) {
        Cli r = Cli.run("tokenize", "--model", dir.toString() + "/v.gguf", "--file", dir + "/none.txt");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("none.txt"), r.err());
    }
}

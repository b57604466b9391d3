package io.jinfer.loader.tokenizer;

import io.jinfer.api.Tokenizer;
import io.jinfer.loader.gguf.GgufFile;
import io.jinfer.loader.gguf.GgufMetadata;
import io.jinfer.loader.testing.SharedFixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Loads (once per JVM) the tokenizers of llama.cpp's test vocabularies in ../shared/tokenizer. */
final class VocabFixtures {
    static final String SEPARATOR = "\n__ggml_vocab_test__\n";
    private static final Map<String, Tokenizer> LOADED = new ConcurrentHashMap<>();

    private VocabFixtures() {}

    static Path vocabPath(String name) {
        return SharedFixtures.require("tokenizer/ggml-vocab-" + name + ".gguf");
    }

    static GgufMetadata metadata(Path gguf) {
        try (GgufFile f = GgufFile.open(gguf)) {
            return f.metadata();
        }
    }

    static Tokenizer tokenizer(String name) {
        Path p = vocabPath(name);
        return LOADED.computeIfAbsent(name, n -> Tokenizers.fromGguf(metadata(p)));
    }

    /** The test strings, split as llama.cpp's test-tokenizer-0 does (a trailing separator adds no case). */
    static List<String> inputs(String name) {
        String raw = read(vocabPath(name).resolveSibling("ggml-vocab-" + name + ".gguf.inp"));
        List<String> cases = new ArrayList<>();
        int pos = 0;
        while (pos < raw.length()) {
            int next = raw.indexOf(SEPARATOR, pos);
            if (next < 0) {
                cases.add(raw.substring(pos));
                break;
            }
            cases.add(raw.substring(pos, next));
            pos = next + SEPARATOR.length();
        }
        return cases;
    }

    /** The expected ids, one array per line of the .out file. */
    static List<int[]> outputs(String name) {
        String raw = read(vocabPath(name).resolveSibling("ggml-vocab-" + name + ".gguf.out"));
        List<int[]> out = new ArrayList<>();
        for (String line : raw.split("\n", -1)) {
            out.add(line.isBlank() ? new int[0]
                    : java.util.Arrays.stream(line.trim().split(" ")).mapToInt(Integer::parseInt).toArray());
        }
        // the file ends with a newline, which leaves one empty string after the last line
        if (raw.endsWith("\n")) {
            out.remove(out.size() - 1);
        }
        return out;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

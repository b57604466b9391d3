package io.jinfer.loader.tokenizer.hf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes small hand-made tokenizer files for tests ({@code '} stands for {@code "} to keep them readable). */
final class TestFiles {
    private TestFiles() {}

    /** Writes {@code dir/name} with the text, single quotes turned into double quotes. */
    static Path write(Path dir, String name, String text) {
        try {
            Files.createDirectories(dir);
            Path p = dir.resolve(name);
            Files.writeString(p, text.replace('\'', '"'), StandardCharsets.UTF_8);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code dir/tokenizer.json} and loads the directory. */
    static HuggingFaceTokenizer load(Path dir, String tokenizerJson) {
        write(dir, "tokenizer.json", tokenizerJson);
        return HuggingFaceTokenizers.load(dir);
    }

    /** A tokenizer.json with the given model and pipeline parts (each a JSON value, or "null"). */
    static String json(String model, String normalizer, String preTokenizer, String postProcessor, String decoder,
            String addedTokens) {
        return "{'version':'1.0','added_tokens':" + addedTokens + ",'normalizer':" + normalizer + ",'pre_tokenizer':"
                + preTokenizer + ",'post_processor':" + postProcessor + ",'decoder':" + decoder + ",'model':" + model
                + "}";
    }
}

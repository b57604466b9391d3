package io.jinfer.loader.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jinfer.api.ModelFormatException;
import io.jinfer.loader.gguf.GgufFile;
import io.jinfer.loader.gguf.GgufMetadata;
import io.jinfer.loader.testing.SharedFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * tokenizer.json to GGUF tokenizer metadata: llama.cpp's own byte-level BPE vocabularies written as
 * tokenizer.json come back with the same tokens, types, merges and pre-tokenizer name, and tokenize
 * llama.cpp's test strings into the expected ids; the
 * SentencePiece-style BPE rules (scores from merge ranks, byte and control types, space prefix);
 * special tokens and chat templates from tokenizer_config.json; errors name the key.
 */
class HfTokenizerMetadataTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private HfConfig config(int vocab) {
        ObjectNode c = JSON.createObjectNode().put("model_type", "llama").put("hidden_size", 64)
                .put("num_hidden_layers", 1).put("num_attention_heads", 4).put("intermediate_size", 128)
                .put("vocab_size", vocab).put("bos_token_id", 1).put("eos_token_id", 2);
        return HfConfig.parse(dir.resolve("config.json"), c);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt-2", "qwen2"})
    void byteLevelVocabularyRoundTrips(String name) throws IOException {
        // Qwen2's split pattern as its tokenizer.json spells it.
        String regex = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
                + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
        Path vocabFile = SharedFixtures.require("tokenizer/ggml-vocab-" + name + ".gguf");
        try (GgufFile in = GgufFile.open(vocabFile)) {
            GgufMetadata md = in.metadata();
            List<String> tokens = md.getStringArray("tokenizer.ggml.tokens");
            long[] types = md.getLongArray("tokenizer.ggml.token_type");
            List<String> merges = md.getStringArray("tokenizer.ggml.merges");
            ObjectNode root = JSON.createObjectNode();
            ArrayNode added = root.putArray("added_tokens");
            ObjectNode model = root.putObject("model").put("type", "BPE");
            ObjectNode vocab = model.putObject("vocab");
            for (int i = 0; i < tokens.size(); i++) {
                if (types[i] == 3 || types[i] == 4) {
                    added.addObject().put("id", i).put("content", tokens.get(i)).put("special", types[i] == 3);
                } else {
                    vocab.put(tokens.get(i), i);
                }
            }
            ArrayNode m = model.putArray("merges");
            // The newer list form for every second merge: both forms are read.
            for (int i = 0; i < merges.size(); i++) {
                String[] parts = merges.get(i).split(" ", 2);
                if (i % 2 == 0) {
                    m.add(merges.get(i));
                } else {
                    m.addArray().add(parts[0]).add(parts[1]);
                }
            }
            ObjectNode pre = root.putObject("pre_tokenizer").put("type", "Sequence");
            ArrayNode seq = pre.putArray("pretokenizers");
            if (name.equals("gpt-2")) {
                // GPT-2's own split is the ByteLevel pre-tokenizer's built-in pattern.
                seq.addObject().put("type", "ByteLevel").put("use_regex", true);
            } else {
                seq.addObject().put("type", "Split").put("behavior", "Isolated").putObject("pattern").put("Regex", regex);
                seq.addObject().put("type", "ByteLevel").put("use_regex", false);
            }
            Files.writeString(dir.resolve("tokenizer.json"), JSON.writeValueAsString(root));
            Map<String, GgufMetadata.Entry> out = HfTokenizerMetadata.read(dir, config(tokens.size()));
            assertEquals("gpt2", out.get("tokenizer.ggml.model").value());
            assertEquals(name, out.get("tokenizer.ggml.pre").value());
            assertEquals(tokens, out.get("tokenizer.ggml.tokens").value());
            assertEquals(merges, out.get("tokenizer.ggml.merges").value());
            int[] gotTypes = (int[]) out.get("tokenizer.ggml.token_type").value();
            for (int i = 0; i < tokens.size(); i++) {
                assertEquals(types[i] == 3 || types[i] == 4 ? types[i] : 1, gotTypes[i], tokens.get(i));
            }
            assertFalse(out.containsKey("tokenizer.ggml.scores"));

            assertTokenizesLikeLlamaCpp(out, vocabFile);
        }
    }

    /** Written to a GGUF file, the converted vocabulary tokenizes llama.cpp's test strings as expected. */
    private void assertTokenizesLikeLlamaCpp(Map<String, GgufMetadata.Entry> out, Path vocabFile) throws IOException {
        io.jinfer.loader.gguf.GgufWriter w = new io.jinfer.loader.gguf.GgufWriter();
        out.forEach(w::put);
        Path gguf = dir.resolve("vocab.gguf");
        w.write(gguf);
        io.jinfer.api.Tokenizer tok;
        try (GgufFile f = GgufFile.open(gguf)) {
            tok = io.jinfer.loader.tokenizer.Tokenizers.fromGguf(f.metadata());
        }
        List<String> inputs = List.of(Files.readString(vocabFile.resolveSibling(vocabFile.getFileName() + ".inp"))
                .split("\n__ggml_vocab_test__\n", -1));
        List<String> expected = Files.readAllLines(vocabFile.resolveSibling(vocabFile.getFileName() + ".out"));
        int compared = 0;
        for (int i = 0; i < expected.size() && i < inputs.size(); i++) {
            String want = expected.get(i).trim();
            int[] ids = tok.encode(inputs.get(i), false, false);
            String got = java.util.Arrays.stream(ids).mapToObj(Integer::toString)
                    .collect(java.util.stream.Collectors.joining(" "));
            assertEquals(want, got, "'" + inputs.get(i) + "'");
            compared++;
        }
        assertTrue(compared > 20, compared + " strings compared");
    }

    /** llama.cpp's SentencePiece test vocabulary as a Unigram tokenizer.json (pieces and scores). */
    @Test
    void sentencePieceVocabularyAsUnigramTokenizesLikeLlamaCpp() throws IOException {
        Path vocabFile = SharedFixtures.require("tokenizer/ggml-vocab-llama-spm.gguf");
        GgufMetadata md;
        try (GgufFile in = GgufFile.open(vocabFile)) {
            md = in.metadata();
        }
        HfDirectories.writeTokenizer(md, dir);
        List<String> tokens = md.getStringArray("tokenizer.ggml.tokens");
        Map<String, GgufMetadata.Entry> out = HfTokenizerMetadata.read(dir, config(tokens.size()));
        assertEquals("llama", out.get("tokenizer.ggml.model").value());
        assertEquals(tokens, out.get("tokenizer.ggml.tokens").value());
        assertArrayEquals(md.getFloatArray("tokenizer.ggml.scores"), (float[]) out.get("tokenizer.ggml.scores").value());
        long[] types = md.getLongArray("tokenizer.ggml.token_type");
        int[] got = (int[]) out.get("tokenizer.ggml.token_type").value();
        for (int i = 0; i < types.length; i++) {
            assertEquals(types[i], got[i], tokens.get(i));
        }
        assertTokenizesLikeLlamaCpp(out, vocabFile);
    }

    @Test
    void sentencePieceStyleBpeGetsScoresFromMergeRanksAndTypes() throws IOException {
        String tokenizer = """
                {"added_tokens":[{"id":1,"content":"<s>","special":true},{"id":2,"content":"</s>","special":true},
                  {"id":9,"content":"<tool>","special":false}],
                 "normalizer":{"type":"Sequence","normalizers":[{"type":"Prepend","prepend":"\u2581"},
                   {"type":"Replace","pattern":{"String":" "},"content":"\u2581"}]},
                 "pre_tokenizer":null,
                 "decoder":{"type":"Sequence","decoders":[{"type":"ByteFallback"}]},
                 "model":{"type":"BPE","byte_fallback":true,"unk_token":"<unk>",
                   "vocab":{"<unk>":0,"<s>":1,"</s>":2,"<0x41>":3,"\u2581":4,"h":5,"i":6,"hi":7,"\u2581hi":8},
                   "merges":["h i","\u2581 hi"]}}""";
        Files.writeString(dir.resolve("tokenizer.json"), tokenizer);
        Files.writeString(dir.resolve(HfTokenizerMetadata.TOKENIZER_CONFIG), """
                {"bos_token":{"content":"<s>"},"eos_token":"</s>","unk_token":"<unk>","add_bos_token":true,
                 "add_eos_token":false,"chat_template":[{"name":"tool_use","template":"T"},{"name":"default","template":"D"}]}""");
        Map<String, GgufMetadata.Entry> out = HfTokenizerMetadata.read(dir, config(12));
        assertEquals("llama", out.get("tokenizer.ggml.model").value());
        assertFalse(out.containsKey("tokenizer.ggml.merges"));
        assertEquals(List.of("<unk>", "<s>", "</s>", "<0x41>", "\u2581", "h", "i", "hi", "\u2581hi", "<tool>", "[PAD10]",
                "[PAD11]"), out.get("tokenizer.ggml.tokens").value());
        assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0, 0, 0, -1, 0, 0, 0}, (float[]) out.get("tokenizer.ggml.scores").value());
        assertArrayEquals(new int[] {2, 3, 3, 6, 1, 1, 1, 1, 1, 4, 5, 5}, (int[]) out.get("tokenizer.ggml.token_type").value());
        assertEquals(1L, out.get("tokenizer.ggml.bos_token_id").value());
        assertEquals(2L, out.get("tokenizer.ggml.eos_token_id").value());
        assertEquals(0L, out.get("tokenizer.ggml.unknown_token_id").value());
        assertEquals(true, out.get("tokenizer.ggml.add_bos_token").value());
        assertEquals(false, out.get("tokenizer.ggml.add_eos_token").value());
        assertEquals(true, out.get("tokenizer.ggml.add_space_prefix").value());
        assertEquals("D", out.get("tokenizer.chat_template").value());
    }

    @Test
    void llama3StyleTemplateSaysBosIsAdded() throws IOException {
        String tokenizer = """
                {"added_tokens":[{"id":3,"content":"<|begin_of_text|>","special":true}],
                 "pre_tokenizer":{"type":"ByteLevel","use_regex":true},
                 "post_processor":{"type":"Sequence","processors":[{"type":"ByteLevel"},
                   {"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"<|begin_of_text|>","type_id":0}},
                     {"Sequence":{"id":"A","type_id":0}}]}]},
                 "model":{"type":"BPE","vocab":{"a":0,"b":1,"ab":2},"merges":["a b"]}}""";
        Files.writeString(dir.resolve("tokenizer.json"), tokenizer);
        Files.writeString(dir.resolve(HfTokenizerMetadata.TOKENIZER_CONFIG), "{\"bos_token\":\"<|begin_of_text|>\"}");
        Map<String, GgufMetadata.Entry> out = HfTokenizerMetadata.read(dir, config(4));
        assertEquals("gpt-2", out.get("tokenizer.ggml.pre").value());
        assertEquals(3L, out.get("tokenizer.ggml.bos_token_id").value());
        assertEquals(true, out.get("tokenizer.ggml.add_bos_token").value());
        assertEquals(List.of("a b"), out.get("tokenizer.ggml.merges").value());

        Files.writeString(dir.resolve("tokenizer.json"), tokenizer.replace("{\"SpecialToken\":{\"id\":\"<|begin_of_text|>\",\"type_id\":0}},", ""));
        assertEquals(false, HfTokenizerMetadata.read(dir, config(4)).get("tokenizer.ggml.add_bos_token").value());
    }

    @Test
    void problemsNameTheirKey() throws IOException {
        ModelFormatException missing = assertThrows(ModelFormatException.class, () -> HfTokenizerMetadata.read(dir, config(8)));
        assertEquals("tokenizer.json", missing.field());

        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\":{\"type\":\"WordPiece\",\"vocab\":{}}}");
        ModelFormatException wordPiece = assertThrows(ModelFormatException.class, () -> HfTokenizerMetadata.read(dir, config(8)));
        assertEquals("model.type", wordPiece.field());

        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[]},"
                + "\"pre_tokenizer\":{\"type\":\"Split\",\"pattern\":{\"Regex\":\"\\\\w+\"}},\"decoder\":{\"type\":\"ByteLevel\"}}");
        ModelFormatException pre = assertThrows(ModelFormatException.class, () -> HfTokenizerMetadata.read(dir, config(8)));
        assertEquals("pre_tokenizer", pre.field());
        assertTrue(pre.getMessage().contains("\\w+"), pre.getMessage());

        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\":{\"type\":\"Unigram\",\"vocab\":[[\"a\",0],[\"b\",-1],[\"c\",-2]]}}");
        ModelFormatException big = assertThrows(ModelFormatException.class, () -> HfTokenizerMetadata.read(dir, config(2)));
        assertTrue(big.getMessage().contains("3 tokens but config.json vocab_size is 2"), big.getMessage());

        Files.writeString(dir.resolve(HfTokenizerMetadata.TOKENIZER_CONFIG), "{\"bos_token\":\"<nope>\"}");
        ModelFormatException bos = assertThrows(ModelFormatException.class, () -> HfTokenizerMetadata.read(dir, config(3)));
        assertEquals("bos_token", bos.field());
    }
}

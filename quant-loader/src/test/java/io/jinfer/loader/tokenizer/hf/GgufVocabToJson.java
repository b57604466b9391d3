package io.jinfer.loader.tokenizer.hf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jinfer.loader.gguf.GgufFile;
import io.jinfer.loader.gguf.GgufMetadata;
import io.jinfer.loader.testing.SharedFixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes {@code tokenizer.json} files equivalent to llama.cpp's test vocabularies in
 * ../shared/tokenizer, laid out as the Hugging Face originals of those models are (Llama 3's Split
 * regex before a ByteLevel step, Qwen2's NFC and regex, GPT-2's ByteLevel with its regex, Llama 2's
 * SentencePiece-style BPE with byte fallback), and reads the test cases that go with them.
 */
final class GgufVocabToJson {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String LLAMA3_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String QWEN2_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String SEPARATOR = "\n__ggml_vocab_test__\n";

    /** How a SentencePiece vocabulary is laid out in the json. */
    enum SpmStyle {
        /** Llama 2's original file: Prepend + Replace normalizer, no pre-tokenizer, Strip decoder. */
        LEGACY_NORMALIZER,
        /** Newer files: a Metaspace pre-tokenizer and decoder. */
        METASPACE
    }

    private GgufVocabToJson() {}

    static Path gguf(String name) {
        return SharedFixtures.require("tokenizer/ggml-vocab-" + name + ".gguf");
    }

    private static final Map<String, GgufMetadata> METADATA = new java.util.concurrent.ConcurrentHashMap<>();

    /** The vocabulary's metadata, read once per JVM. */
    static GgufMetadata metadata(String name) {
        Path p = gguf(name);
        return METADATA.computeIfAbsent(name, n -> {
            try (GgufFile f = GgufFile.open(p)) {
                return f.metadata();
            }
        });
    }

    /** Writes {@code dir/tokenizer.json} for a shared vocabulary and returns the directory. */
    static Path write(String name, Path dir, SpmStyle style) {
        GgufMetadata md = metadata(name);
        ObjectNode root = JSON.createObjectNode();
        List<String> tokens = md.getStringArray("tokenizer.ggml.tokens");
        long[] types = md.getLongArray("tokenizer.ggml.token_type");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < tokens.size(); i++) {
            // 3 = control, 4 = user-defined, 2 = unknown
            if (types[i] == 3 || types[i] == 4 || types[i] == 2) {
                ObjectNode a = added.addObject();
                a.put("id", i).put("content", tokens.get(i)).put("single_word", false).put("lstrip", false)
                        .put("rstrip", false).put("normalized", false).put("special", types[i] != 4);
            }
        }
        ObjectNode model = root.putObject("model");
        ObjectNode vocab = JSON.createObjectNode();
        for (int i = 0; i < tokens.size(); i++) {
            vocab.put(tokens.get(i), i);
        }
        String kind = md.getString("tokenizer.ggml.model");
        if (kind.equals("gpt2")) {
            model.put("type", "BPE").put("byte_fallback", false).put("ignore_merges", name.equals("llama-bpe"));
            model.set("vocab", vocab);
            ArrayNode merges = model.putArray("merges");
            // Llama 3's file spells merges as pairs, the others as "a b" strings: read both
            boolean pairs = name.equals("llama-bpe");
            for (String m : md.getStringArray("tokenizer.ggml.merges")) {
                int sp = m.indexOf(' ', 1);
                if (pairs) {
                    merges.addArray().add(m.substring(0, sp)).add(m.substring(sp + 1));
                } else {
                    merges.add(m);
                }
            }
            ObjectNode byteLevel = JSON.createObjectNode().put("type", "ByteLevel").put("add_prefix_space", false)
                    .put("trim_offsets", true).put("use_regex", false);
            switch (name) {
                case "llama-bpe", "qwen2" -> {
                    ObjectNode seq = root.putObject("pre_tokenizer").put("type", "Sequence");
                    ObjectNode split = seq.putArray("pretokenizers").addObject().put("type", "Split");
                    split.putObject("pattern").put("Regex", name.equals("qwen2") ? QWEN2_REGEX : LLAMA3_REGEX);
                    split.put("behavior", "Isolated").put("invert", false);
                    ((ArrayNode) seq.get("pretokenizers")).add(byteLevel);
                    if (name.equals("qwen2")) {
                        root.putObject("normalizer").put("type", "NFC");
                    }
                }
                default -> root.set("pre_tokenizer", byteLevel.put("use_regex", true));
            }
            root.putObject("decoder").put("type", "ByteLevel");
            if (name.equals("llama-bpe")) {
                root.set("post_processor", template("<|begin_of_text|>", 128000));
            } else {
                root.putObject("post_processor").put("type", "ByteLevel");
            }
        } else {
            float[] scores = md.getFloatArray("tokenizer.ggml.scores");
            model.put("type", "BPE").put("byte_fallback", true).put("fuse_unk", true).put("unk_token", "<unk>");
            model.set("vocab", vocab);
            ArrayNode merges = model.putArray("merges");
            for (String[] m : spmMerges(tokens, scores)) {
                merges.addArray().add(m[0]).add(m[1]);
            }
            if (style == SpmStyle.LEGACY_NORMALIZER) {
                ObjectNode norm = root.putObject("normalizer").put("type", "Sequence");
                ArrayNode steps = norm.putArray("normalizers");
                steps.addObject().put("type", "Prepend").put("prepend", "\u2581");
                ObjectNode rep = steps.addObject().put("type", "Replace").put("content", "\u2581");
                rep.putObject("pattern").put("String", " ");
                root.putNull("pre_tokenizer");
                ObjectNode dec = root.putObject("decoder").put("type", "Sequence");
                ArrayNode ds = dec.putArray("decoders");
                ObjectNode r = ds.addObject().put("type", "Replace").put("content", " ");
                r.putObject("pattern").put("String", "\u2581");
                ds.addObject().put("type", "ByteFallback");
                ds.addObject().put("type", "Fuse");
                ds.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
            } else {
                root.putNull("normalizer");
                root.putObject("pre_tokenizer").put("type", "Metaspace").put("replacement", "\u2581")
                        .put("prepend_scheme", "first").put("split", false);
                ObjectNode dec = root.putObject("decoder").put("type", "Sequence");
                ArrayNode ds = dec.putArray("decoders");
                ds.addObject().put("type", "ByteFallback");
                ds.addObject().put("type", "Metaspace").put("replacement", "\u2581").put("prepend_scheme", "first")
                        .put("split", false);
            }
            root.set("post_processor", template("<s>", 1));
        }
        try {
            Files.createDirectories(dir);
            JSON.writeValue(dir.resolve("tokenizer.json").toFile(), root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /** A TemplateProcessing that puts one special token before the sequence. */
    static ObjectNode template(String token, int id) {
        ObjectNode post = JSON.createObjectNode().put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", token).put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        post.putArray("pair");
        ObjectNode st = post.putObject("special_tokens").putObject(token);
        st.put("id", token);
        st.putArray("ids").add(id);
        st.putArray("tokens").add(token);
        return post;
    }

    /**
     * BPE merges equivalent to a SentencePiece vocabulary's scores, built as the library's converter
     * does: every split of a piece into two pieces is a merge, ranked by the piece's score (higher
     * first), then by piece id, then by the ids of the two halves.
     */
    static List<String[]> spmMerges(List<String> tokens, float[] scores) {
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < tokens.size(); i++) {
            ids.putIfAbsent(tokens.get(i), i);
        }
        record M(String l, String r, int piece, int li, int ri) {}
        List<M> all = new ArrayList<>();
        for (int t = 0; t < tokens.size(); t++) {
            String p = tokens.get(t);
            for (int k = p.offsetByCodePoints(0, Math.min(1, p.length())); k < p.length();
                    k = p.offsetByCodePoints(k, 1)) {
                Integer l = ids.get(p.substring(0, k));
                Integer r = ids.get(p.substring(k));
                if (l != null && r != null) {
                    all.add(new M(p.substring(0, k), p.substring(k), t, l, r));
                }
            }
        }
        all.sort(Comparator.comparingDouble((M m) -> -scores[m.piece]).thenComparingInt(M::piece)
                .thenComparingInt(M::li).thenComparingInt(M::ri));
        return all.stream().map(m -> new String[] {m.l, m.r}).toList();
    }

    /** The test strings, split as llama.cpp's test-tokenizer-0 does. */
    static List<String> inputs(String name) {
        String raw = read(gguf(name).resolveSibling("ggml-vocab-" + name + ".gguf.inp"));
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
        String raw = read(gguf(name).resolveSibling("ggml-vocab-" + name + ".gguf.out"));
        List<int[]> out = new ArrayList<>();
        for (String line : raw.split("\n", -1)) {
            out.add(line.isBlank() ? new int[0]
                    : java.util.Arrays.stream(line.trim().split(" ")).mapToInt(Integer::parseInt).toArray());
        }
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

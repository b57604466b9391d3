package io.jinfer.loader.hf;

import com.fasterxml.jackson.databind.JsonNode;
import io.jinfer.api.ModelFormatException;
import io.jinfer.loader.gguf.GgufMetadata;
import io.jinfer.loader.gguf.GgufValueType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The {@code tokenizer.ggml.*} metadata of a GGUF file, built from a Hugging Face
 * {@code tokenizer.json} and {@code tokenizer_config.json} as llama.cpp's converter builds it:
 * <ul>
 *   <li>a byte-level BPE model (a {@code ByteLevel} pre-tokenizer) becomes {@code gpt2} with
 *   {@code tokens}, {@code token_type}, {@code merges} and a {@code pre} name recognised from the
 *   pre-tokenizer's split pattern ({@code llama-bpe}, {@code qwen2}, or {@code gpt-2} for ByteLevel
 *   alone);</li>
 *   <li>a SentencePiece-style model (BPE with {@code byte_fallback} or a {@code Metaspace}
 *   pre-tokenizer, or Unigram) becomes {@code llama} with {@code tokens}, {@code scores} and
 *   {@code token_type}. Unigram scores are copied; a BPE model has none, so a token made by merge
 *   {@code r} (0 first) gets score {@code -r} and other tokens 0: merging the highest score first,
 *   as the SentencePiece tokenizer does, then applies the merges in their order.</li>
 * </ul>
 * Token types: {@code <0xNN>} pieces are BYTE, special added tokens CONTROL, other added tokens
 * USER_DEFINED, the unknown token UNKNOWN, padding up to the model's vocabulary size UNUSED, the
 * rest NORMAL. Special token ids, {@code add_bos_token}/{@code add_eos_token} and the chat template
 * come from {@code tokenizer_config.json} (ids from {@code config.json} when it names none; whether
 * BOS is added from the tokenizer's {@code TemplateProcessing} post-processor when the config does
 * not say).
 */
public final class HfTokenizerMetadata {
    /** Name of the file holding special tokens and the chat template. */
    public static final String TOKENIZER_CONFIG = "tokenizer_config.json";

    private static final int NORMAL = 1;
    private static final int UNKNOWN = 2;
    private static final int CONTROL = 3;
    private static final int USER_DEFINED = 4;
    private static final int UNUSED = 5;
    private static final int BYTE = 6;
    private static final Pattern BYTE_PIECE = Pattern.compile("<0x[0-9A-Fa-f]{2}>");

    /** Split patterns of the pre-tokenizers llama.cpp names, by that name. */
    private static final Map<String, String> PRE_PATTERNS = Map.of(
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
                    + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+", "llama-bpe",
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
                    + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+", "qwen2");

    private HfTokenizerMetadata() {}

    /**
     * Reads the tokenizer of a model directory.
     *
     * @param directory the model directory, holding {@code tokenizer.json}
     * @param config its configuration (vocabulary size, fallback special token ids)
     * @return the metadata entries in the order llama.cpp writes them
     * @throws ModelFormatException when the file is missing, malformed, or of a kind llama.cpp has no
     *     GGUF form for
     */
    public static Map<String, GgufMetadata.Entry> read(Path directory, HfConfig config) {
        Path file = directory.resolve(HfModelDirectory.TOKENIZER_JSON);
        if (!Files.isRegularFile(file)) {
            throw new ModelFormatException(directory, -1, HfModelDirectory.TOKENIZER_JSON, "the directory has no "
                    + HfModelDirectory.TOKENIZER_JSON + "; a GGUF file carries its vocabulary, so converting needs "
                    + "the Hugging Face tokenizers file");
        }
        JsonNode root = HfConfig.readJson(file);
        JsonFields f = new JsonFields(file, "");
        JsonNode model = root.get("model");
        if (model == null || !model.isObject()) {
            throw f.error("model", "expected the tokenizer model object");
        }
        String type = f.child("model.").string(model, "type", "BPE");
        Vocab v = switch (type) {
            case "BPE" -> bpe(f, root, model);
            case "Unigram" -> unigram(f, model);
            default -> throw f.error("model.type", "\"" + type + "\" is not supported; expected BPE or Unigram");
        };
        addedTokens(f, root, v);
        int size = v.tokens.size();
        if (size > config.vocabSize()) {
            throw f.error("model.vocab", "the tokenizer has " + size + " tokens but config.json vocab_size is "
                    + config.vocabSize());
        }
        List<String> tokens = new ArrayList<>(v.tokens);
        float[] scores = new float[config.vocabSize()];
        int[] types = new int[config.vocabSize()];
        for (int i = 0; i < config.vocabSize(); i++) {
            if (i >= size || tokens.get(i) == null) {
                // Ids the tokenizer does not use: the embedding has rows for them, the vocabulary names them.
                if (i >= size) {
                    tokens.add("[PAD" + i + "]");
                } else {
                    tokens.set(i, "[PAD" + i + "]");
                }
                types[i] = UNUSED;
                continue;
            }
            scores[i] = v.scores.get(i);
            types[i] = v.types.get(i);
        }
        Map<String, GgufMetadata.Entry> md = new LinkedHashMap<>();
        md.put("tokenizer.ggml.model", string(v.spm ? "llama" : "gpt2"));
        if (!v.spm) {
            md.put("tokenizer.ggml.pre", string(v.pre));
        }
        md.put("tokenizer.ggml.tokens", new GgufMetadata.Entry(GgufValueType.ARRAY, GgufValueType.STRING, tokens));
        if (v.spm) {
            md.put("tokenizer.ggml.scores", new GgufMetadata.Entry(GgufValueType.ARRAY, GgufValueType.FLOAT32, scores));
        }
        md.put("tokenizer.ggml.token_type", new GgufMetadata.Entry(GgufValueType.ARRAY, GgufValueType.INT32, types));
        if (!v.spm) {
            md.put("tokenizer.ggml.merges", new GgufMetadata.Entry(GgufValueType.ARRAY, GgufValueType.STRING, v.merges));
        }
        specialTokens(directory, config, v, tokens, md);
        if (!md.containsKey("tokenizer.ggml.add_bos_token") && md.containsKey("tokenizer.ggml.bos_token_id")) {
            Boolean addBos = templateStartsWith(root.get("post_processor"), tokens,
                    ((Long) md.get("tokenizer.ggml.bos_token_id").value()).intValue());
            if (addBos != null) {
                md.put("tokenizer.ggml.add_bos_token", new GgufMetadata.Entry(GgufValueType.BOOL, null, addBos));
            }
        }
        if (v.spm) {
            md.put("tokenizer.ggml.add_space_prefix", new GgufMetadata.Entry(GgufValueType.BOOL, null, v.addSpacePrefix));
        }
        return md;
    }

    /** A vocabulary being built: per id its text, score and type (null text for an unused id). */
    private static final class Vocab {
        final List<String> tokens = new ArrayList<>();
        final List<Float> scores = new ArrayList<>();
        final List<Integer> types = new ArrayList<>();
        final Map<String, Integer> ids = new HashMap<>();
        final List<String> merges = new ArrayList<>();
        boolean spm;
        boolean addSpacePrefix;
        String pre;

        void set(int id, String text, float score, int type) {
            while (tokens.size() <= id) {
                tokens.add(null);
                scores.add(0f);
                types.add(UNUSED);
            }
            tokens.set(id, text);
            scores.set(id, score);
            types.set(id, type);
            ids.put(text, id);
        }
    }

    private static Vocab bpe(JsonFields f, JsonNode root, JsonNode model) {
        JsonFields mf = f.child("model.");
        JsonNode vocab = model.get("vocab");
        if (vocab == null || !vocab.isObject()) {
            throw mf.error("vocab", "expected an object mapping tokens to ids");
        }
        Vocab v = new Vocab();
        boolean byteLevel = mentions(root.get("pre_tokenizer"), "ByteLevel") || mentions(root.get("decoder"), "ByteLevel");
        boolean metaspace = mentions(root.get("pre_tokenizer"), "Metaspace") || mentions(root.get("decoder"), "Metaspace");
        v.spm = !byteLevel && (mf.bool(model, "byte_fallback", false) || metaspace
                || mentions(root.get("decoder"), "ByteFallback"));
        if (!byteLevel && !v.spm) {
            throw f.error("pre_tokenizer", "a BPE tokenizer needs a ByteLevel pre-tokenizer (GPT-2 style) or "
                    + "byte_fallback / Metaspace (SentencePiece style); this one has neither");
        }
        JsonNode merges = model.get("merges");
        if (merges == null || !merges.isArray()) {
            throw mf.error("merges", "expected a list of merges");
        }
        Map<String, Integer> rank = new HashMap<>();
        for (JsonNode m : merges) {
            String merge;
            if (m.isTextual()) {
                merge = m.textValue();
            } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
                merge = m.get(0).textValue() + " " + m.get(1).textValue();
            } else {
                throw mf.error("merges", "expected \"a b\" or [\"a\", \"b\"], found " + m);
            }
            int space = merge.indexOf(' ', 1);
            if (space < 0) {
                throw mf.error("merges", "expected two parts separated by a space, found \"" + merge + "\"");
            }
            v.merges.add(merge);
            rank.putIfAbsent(merge.substring(0, space) + merge.substring(space + 1), v.merges.size() - 1);
        }
        String unk = model.hasNonNull("unk_token") ? model.get("unk_token").asText() : null;
        for (var e : vocab.properties()) {
            JsonNode id = e.getValue();
            if (!id.canConvertToInt() || id.intValue() < 0) {
                throw mf.error("vocab." + e.getKey(), "expected a token id, found " + id);
            }
            String text = e.getKey();
            int type = text.equals(unk) ? UNKNOWN : v.spm && BYTE_PIECE.matcher(text).matches() ? BYTE : NORMAL;
            Integer r = rank.get(text);
            v.set(id.intValue(), text, v.spm && r != null ? -r : 0f, type);
        }
        if (v.spm) {
            v.addSpacePrefix = prependsSpace(root);
        } else {
            v.pre = preName(f, root.get("pre_tokenizer"));
        }
        return v;
    }

    private static Vocab unigram(JsonFields f, JsonNode model) {
        JsonFields mf = f.child("model.");
        JsonNode vocab = model.get("vocab");
        if (vocab == null || !vocab.isArray()) {
            throw mf.error("vocab", "expected a list of [piece, score]");
        }
        int unk = model.hasNonNull("unk_id") ? model.get("unk_id").asInt(-1) : -1;
        boolean byteFallback = mf.bool(model, "byte_fallback", false);
        Vocab v = new Vocab();
        v.spm = true;
        int id = 0;
        for (JsonNode p : vocab) {
            if (!p.isArray() || p.size() != 2 || !p.get(0).isTextual() || !p.get(1).isNumber()) {
                throw mf.error("vocab", "expected [piece, score] at id " + id + ", found " + p);
            }
            String text = p.get(0).textValue();
            int type = id == unk ? UNKNOWN : byteFallback && BYTE_PIECE.matcher(text).matches() ? BYTE : NORMAL;
            v.set(id, text, p.get(1).floatValue(), type);
            id++;
        }
        v.addSpacePrefix = true;
        return v;
    }

    /** Added tokens take their ids; special ones are control tokens, the others user-defined. */
    private static void addedTokens(JsonFields f, JsonNode root, Vocab v) {
        JsonNode added = root.get("added_tokens");
        if (added == null || added.isNull()) {
            return;
        }
        if (!added.isArray()) {
            throw f.error("added_tokens", "expected a list, found " + added);
        }
        for (JsonNode t : added) {
            if (!t.hasNonNull("id") || !t.get("id").canConvertToInt() || !t.hasNonNull("content")) {
                throw f.error("added_tokens", "expected {id, content, special}, found " + t);
            }
            int id = t.get("id").intValue();
            String text = t.get("content").asText();
            boolean special = t.path("special").asBoolean(false);
            float score = id < v.scores.size() ? v.scores.get(id) : 0f;
            v.set(id, text, score, special ? CONTROL : USER_DEFINED);
        }
    }

    private static void specialTokens(Path directory, HfConfig config, Vocab v, List<String> tokens,
            Map<String, GgufMetadata.Entry> md) {
        Path file = directory.resolve(TOKENIZER_CONFIG);
        JsonNode tc = Files.isRegularFile(file) ? HfConfig.readJson(file) : null;
        JsonFields f = new JsonFields(file, "");
        Integer bos = tokenId(f, tc, "bos_token", v);
        Integer eos = tokenId(f, tc, "eos_token", v);
        if (bos == null && config.bosTokenId() >= 0) {
            bos = config.bosTokenId();
        }
        if (eos == null && !config.eosTokenIds().isEmpty()) {
            eos = config.eosTokenIds().get(0);
        }
        putId(md, "tokenizer.ggml.bos_token_id", bos, tokens.size(), f, "bos_token");
        putId(md, "tokenizer.ggml.eos_token_id", eos, tokens.size(), f, "eos_token");
        putId(md, "tokenizer.ggml.unknown_token_id", tokenId(f, tc, "unk_token", v), tokens.size(), f, "unk_token");
        putId(md, "tokenizer.ggml.padding_token_id", tokenId(f, tc, "pad_token", v), tokens.size(), f, "pad_token");
        if (tc != null) {
            for (String k : List.of("add_bos_token", "add_eos_token")) {
                if (JsonFields.present(tc, k)) {
                    md.put("tokenizer.ggml." + k, new GgufMetadata.Entry(GgufValueType.BOOL, null, f.bool(tc, k, false)));
                }
            }
        }
        String template = chatTemplate(directory, f, tc);
        if (template != null) {
            md.put("tokenizer.chat_template", string(template));
        }
    }

    private static void putId(Map<String, GgufMetadata.Entry> md, String key, Integer id, int size, JsonFields f,
            String field) {
        if (id == null) {
            return;
        }
        if (id < 0 || id >= size) {
            throw f.error(field, "token id " + id + " is outside the vocabulary of " + size);
        }
        md.put(key, new GgufMetadata.Entry(GgufValueType.UINT32, null, (long) id));
    }

    /** The id of a special token named by text or by {@code {"content": text}}, or null. */
    private static Integer tokenId(JsonFields f, JsonNode tc, String key, Vocab v) {
        if (tc == null || !JsonFields.present(tc, key)) {
            return null;
        }
        JsonNode t = tc.get(key);
        String text = t.isTextual() ? t.textValue() : t.path("content").asText(null);
        if (text == null) {
            throw f.error(key, "expected a token text or {\"content\": text}, found " + t);
        }
        Integer id = v.ids.get(text);
        if (id == null) {
            throw f.error(key, "names \"" + text + "\", which is not in tokenizer.json");
        }
        return id;
    }

    private static String chatTemplate(Path directory, JsonFields f, JsonNode tc) {
        if (tc != null && JsonFields.present(tc, "chat_template")) {
            JsonNode t = tc.get("chat_template");
            if (t.isTextual()) {
                return t.textValue();
            }
            if (t.isArray()) {
                for (JsonNode named : t) {
                    if ("default".equals(named.path("name").asText()) && named.path("template").isTextual()) {
                        return named.get("template").textValue();
                    }
                }
            }
            throw f.error("chat_template", "expected a template string or a list with one named \"default\"");
        }
        Path jinja = directory.resolve("chat_template.jinja");
        if (Files.isRegularFile(jinja)) {
            try {
                return Files.readString(jinja);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + jinja, e);
            }
        }
        return null;
    }

    /**
     * Whether a {@code TemplateProcessing} post-processor (alone or in a Sequence) starts a single
     * sequence with the BOS token, as Llama 3's tokenizer.json says it adds BOS instead of
     * {@code add_bos_token}.
     *
     * @return the answer, or null when there is no such template
     */
    private static Boolean templateStartsWith(JsonNode post, List<String> tokens, int bos) {
        JsonNode t = find(post, "TemplateProcessing");
        if (t == null) {
            for (JsonNode p : post == null ? List.<JsonNode>of() : post.path("processors")) {
                t = find(p, "TemplateProcessing");
                if (t != null) {
                    break;
                }
            }
        }
        if (t == null || !t.path("single").isArray() || t.path("single").isEmpty()) {
            return null;
        }
        JsonNode first = t.path("single").get(0).get("SpecialToken");
        return first != null && tokens.get(bos).equals(first.path("id").asText());
    }

    /** Whether a SentencePiece-style tokenizer puts "▁" before the text (Prepend normaliser or Metaspace). */
    private static boolean prependsSpace(JsonNode root) {
        JsonNode norm = root.get("normalizer");
        if (norm != null && norm.toString().contains("\"Prepend\"")) {
            return true;
        }
        JsonNode meta = find(root.get("pre_tokenizer"), "Metaspace");
        if (meta != null) {
            String scheme = meta.path("prepend_scheme").asText("always");
            return meta.path("add_prefix_space").asBoolean(true) && !scheme.equals("never");
        }
        return false;
    }

    private static String preName(JsonFields f, JsonNode pre) {
        List<String> patterns = new ArrayList<>();
        collectSplits(pre, patterns);
        if (patterns.isEmpty()) {
            JsonNode bl = find(pre, "ByteLevel");
            if (bl != null && bl.path("use_regex").asBoolean(true)) {
                return "gpt-2";
            }
            throw f.error("pre_tokenizer", "a byte-level BPE tokenizer without a split pattern is not supported");
        }
        String name = patterns.size() == 1 ? PRE_PATTERNS.get(patterns.get(0)) : null;
        if (name == null) {
            throw f.error("pre_tokenizer", "split pattern " + patterns + " is not one llama.cpp names here; "
                    + "supported: llama-bpe (Llama 3), qwen2 and gpt-2 (ByteLevel alone)");
        }
        return name;
    }

    private static void collectSplits(JsonNode n, List<String> out) {
        if (n == null || n.isNull()) {
            return;
        }
        if ("Split".equals(n.path("type").asText())) {
            JsonNode p = n.path("pattern");
            out.add(p.has("Regex") ? p.get("Regex").asText() : p.path("String").asText());
        }
        for (JsonNode child : n.path("pretokenizers")) {
            collectSplits(child, out);
        }
    }

    private static boolean mentions(JsonNode n, String type) {
        return find(n, type) != null;
    }

    /** The first object of a type in a component or a Sequence of them. */
    private static JsonNode find(JsonNode n, String type) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (type.equals(n.path("type").asText())) {
            return n;
        }
        for (String list : List.of("pretokenizers", "decoders", "normalizers")) {
            for (JsonNode child : n.path(list)) {
                JsonNode hit = find(child, type);
                if (hit != null) {
                    return hit;
                }
            }
        }
        return null;
    }

    private static GgufMetadata.Entry string(String s) {
        return new GgufMetadata.Entry(GgufValueType.STRING, null, s);
    }
}

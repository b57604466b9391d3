package io.jinfer.loader.tokenizer.hf;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jinfer.api.ModelFormatException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds tokenizers from Hugging Face model directories: {@code tokenizer.json}, with
 * {@code tokenizer_config.json} (special tokens, BOS/EOS flags, chat template) and, in a model
 * directory, {@code generation_config.json} (extra end-of-generation ids) and {@code chat_template.jinja}
 * when present.
 *
 * <p>Supported: models BPE, Unigram, WordPiece; the normalizers, pre-tokenizers, decoders and
 * post-processors that {@link ComponentReader} lists. Anything else is a {@link ModelFormatException}
 * naming the type and the file.
 */
public final class HuggingFaceTokenizers {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** For tokenizer.json, whose vocabulary keys are field names: not worth interning by the hundred thousand. */
    private static final ObjectMapper TOKENIZER_JSON = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
            .disable(com.fasterxml.jackson.core.JsonFactory.Feature.INTERN_FIELD_NAMES)
            .disable(com.fasterxml.jackson.core.JsonFactory.Feature.CANONICALIZE_FIELD_NAMES).build());

    private HuggingFaceTokenizers() {}

    /**
     * Loads the tokenizer of a model directory.
     *
     * @param modelDir a directory holding {@code tokenizer.json} (and optionally
     *     {@code tokenizer_config.json}, {@code generation_config.json}, {@code chat_template.jinja})
     * @return an immutable, thread-safe tokenizer (a {@link HuggingFaceTokenizer})
     * @throws ModelFormatException when {@code tokenizer.json} is missing or a file is malformed or uses
     *     something unsupported
     * @throws UncheckedIOException when a file cannot be read
     */
    public static HuggingFaceTokenizer load(Path modelDir) {
        Path json = modelDir.resolve("tokenizer.json");
        if (!Files.isRegularFile(json)) {
            boolean spModel = Files.isRegularFile(modelDir.resolve("tokenizer.model"));
            throw new ModelFormatException(json, -1, "tokenizer.json", "not found in model directory " + modelDir
                    + (spModel ? " (it has only tokenizer.model, a SentencePiece protobuf, which jinfer does not read;"
                            + " convert it to tokenizer.json with the tokenizers library)" : ""));
        }
        Path cfg = modelDir.resolve("tokenizer_config.json");
        HuggingFaceTokenizerConfig config = Files.isRegularFile(cfg) ? readConfig(cfg) : HuggingFaceTokenizerConfig.EMPTY;
        Path jinja = modelDir.resolve("chat_template.jinja");
        if (config.chatTemplate().isEmpty() && Files.isRegularFile(jinja)) {
            config = config.withChatTemplate(readString(jinja));
        }
        Path gen = modelDir.resolve("generation_config.json");
        List<Integer> eog = Files.isRegularFile(gen) ? generationEosIds(gen) : List.of();
        return build(json, Files.isRegularFile(cfg) ? cfg : null, config, eog);
    }

    /**
     * Loads a tokenizer from its files.
     *
     * @param tokenizerJson the {@code tokenizer.json}
     * @param tokenizerConfigOrNull the {@code tokenizer_config.json}, or null
     * @return an immutable, thread-safe tokenizer (a {@link HuggingFaceTokenizer})
     * @throws ModelFormatException when a file is malformed or uses something unsupported
     * @throws UncheckedIOException when a file cannot be read
     */
    public static HuggingFaceTokenizer load(Path tokenizerJson, Path tokenizerConfigOrNull) {
        HuggingFaceTokenizerConfig config = tokenizerConfigOrNull == null ? HuggingFaceTokenizerConfig.EMPTY
                : readConfig(tokenizerConfigOrNull);
        return build(tokenizerJson, tokenizerConfigOrNull, config, List.of());
    }

    /**
     * Reads a {@code tokenizer_config.json} alone (special tokens by role, BOS/EOS flags, chat templates).
     *
     * @param tokenizerConfig the file
     * @return what it says
     * @throws ModelFormatException when it is malformed
     */
    public static HuggingFaceTokenizerConfig readConfig(Path tokenizerConfig) {
        JsonSource src = new JsonSource(tokenizerConfig);
        JsonNode root = parse(tokenizerConfig);
        Map<String, String> templates = new HashMap<>();
        JsonNode t = JsonSource.optional(root, "chat_template");
        if (t != null) {
            if (t.isTextual()) {
                templates.put(HuggingFaceTokenizerConfig.DEFAULT_TEMPLATE, t.asText());
            } else if (t.isArray()) {
                for (int i = 0; i < t.size(); i++) {
                    JsonNode e = t.get(i);
                    String path = "chat_template[" + i + "]";
                    templates.put(src.string(e, "name", path), src.string(e, "template", path));
                }
            } else {
                throw src.error("chat_template", "expected a string or a list of {name, template}, found "
                        + t.getNodeType());
            }
        }
        return new HuggingFaceTokenizerConfig(tokenText(src, root, "bos_token"), tokenText(src, root, "eos_token"),
                tokenText(src, root, "pad_token"), tokenText(src, root, "unk_token"),
                optionalBool(src, root, "add_bos_token"), optionalBool(src, root, "add_eos_token"), templates);
    }

    private static HuggingFaceTokenizer build(Path jsonFile, Path configFile, HuggingFaceTokenizerConfig config,
            List<Integer> extraEog) {
        List<AddedToken> extraAdded = configFile == null ? List.of() : addedTokensDecoder(configFile);
        JsonSource src = new JsonSource(jsonFile);
        TokenizerJsonParser.Parsed parsed = new TokenizerJsonParser(TOKENIZER_JSON, src).parse();
        JsonNode root = parsed.root();
        TokenModel model = new ModelReader(src, parsed.parts()).read(root);
        List<AddedToken> added = addedTokens(src, root);
        Set<Integer> known = new HashSet<>();
        added.forEach(a -> known.add(a.id()));
        for (AddedToken a : extraAdded) {
            if (known.add(a.id())) {
                added.add(a);
            }
        }
        ComponentReader c = new ComponentReader(src);
        Normalizer normalizer = c.normalizer(root.get("normalizer"), "normalizer");
        PreTokenizer pre = c.preTokenizer(root.get("pre_tokenizer"), "pre_tokenizer");
        Decoder decoder = c.decoder(root.get("decoder"), "decoder");
        Map<String, Integer> addedIds = new HashMap<>();
        added.forEach(a -> addedIds.putIfAbsent(a.content(), a.id()));
        java.util.function.ToIntFunction<String> idOf = text -> {
            Integer id = addedIds.get(text);
            return id != null ? id : model.id(text);
        };
        PostProcessor post = c.postProcessor(root.get("post_processor"), "post_processor", idOf);
        if (config.addBosToken() != null || config.addEosToken() != null) {
            // tokenizer_config.json's flags decide, as transformers rebuilds the template from them
            int bos = config.bosToken() == null ? -1 : idOf.applyAsInt(config.bosToken());
            int eos = config.eosToken() == null ? -1 : idOf.applyAsInt(config.eosToken());
            boolean addBos = Boolean.TRUE.equals(config.addBosToken());
            boolean addEos = Boolean.TRUE.equals(config.addEosToken());
            if ((addBos && bos < 0) || (addEos && eos < 0)) {
                throw new ModelFormatException(configFile, -1, addBos && bos < 0 ? "add_bos_token" : "add_eos_token",
                        "is true, but the token it names is not in " + jsonFile);
            }
            post = new PostProcessor.Template(addBos ? new int[] {bos} : new int[0], addEos ? new int[] {eos} : new int[0]);
        }
        return new HuggingFaceTokenizer(model, normalizer, pre, post, decoder, added, config, extraEog);
    }

    private static List<AddedToken> addedTokens(JsonSource src, JsonNode root) {
        List<AddedToken> out = new ArrayList<>();
        JsonNode list = JsonSource.optional(root, "added_tokens");
        if (list == null) {
            return out;
        }
        if (!list.isArray()) {
            throw src.error("added_tokens", "expected an array, found " + list.getNodeType());
        }
        for (int i = 0; i < list.size(); i++) {
            String path = "added_tokens[" + i + "]";
            JsonNode t = list.get(i);
            int id = src.integer(t, "id", path, -1);
            if (id < 0) {
                throw src.error(path + ".id", "required: a non-negative integer");
            }
            out.add(addedToken(src, t, path, id));
        }
        return out;
    }

    private static AddedToken addedToken(JsonSource src, JsonNode t, String path, int id) {
        boolean special = src.bool(t, "special", path, false);
        return new AddedToken(id, src.string(t, "content", path), special, src.bool(t, "lstrip", path, false),
                src.bool(t, "rstrip", path, false), src.bool(t, "normalized", path, !special),
                src.bool(t, "single_word", path, false));
    }

    /** The {@code added_tokens_decoder} of {@code tokenizer_config.json}: id → token definition. */
    private static List<AddedToken> addedTokensDecoder(Path cfg) {
        JsonSource src = new JsonSource(cfg);
        JsonNode map = JsonSource.optional(parse(cfg), "added_tokens_decoder");
        List<AddedToken> out = new ArrayList<>();
        if (map == null) {
            return out;
        }
        map.properties().forEach(e -> {
            String path = "added_tokens_decoder." + e.getKey();
            int id;
            try {
                id = Integer.parseInt(e.getKey());
            } catch (NumberFormatException x) {
                throw src.error(path, "expected a token id as the key");
            }
            out.add(addedToken(src, e.getValue(), path, id));
        });
        return out;
    }

    /** A special token given as a string or as an AddedToken object ({@code {"content": ...}}). */
    private static String tokenText(JsonSource src, JsonNode root, String field) {
        JsonNode v = JsonSource.optional(root, field);
        if (v == null) {
            return null;
        }
        if (v.isTextual()) {
            return v.asText();
        }
        if (v.isObject()) {
            return src.string(v, "content", field);
        }
        throw src.error(field, "expected a string or an object with content, found " + v.getNodeType());
    }

    private static Boolean optionalBool(JsonSource src, JsonNode root, String field) {
        return JsonSource.optional(root, field) == null ? null : src.bool(root, field, "", false);
    }

    private static List<Integer> generationEosIds(Path gen) {
        JsonNode v = JsonSource.optional(parse(gen), "eos_token_id");
        List<Integer> out = new ArrayList<>();
        if (v != null && v.canConvertToInt()) {
            out.add(v.asInt());
        } else if (v != null && v.isArray()) {
            v.forEach(x -> out.add(x.asInt()));
        }
        return out;
    }

    private static JsonNode parse(Path file) {
        try {
            JsonNode n = JSON.readTree(file.toFile());
            if (n == null || n.isMissingNode()) {
                throw new ModelFormatException(file, -1, "(root)", "the file is empty");
            }
            return n;
        } catch (JsonProcessingException e) {
            long offset = e.getLocation() == null ? -1 : e.getLocation().getCharOffset();
            throw new ModelFormatException(file, offset, "(json)", "not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static String readString(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p, e);
        }
    }
}

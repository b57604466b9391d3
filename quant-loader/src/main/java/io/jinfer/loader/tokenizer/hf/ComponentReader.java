package io.jinfer.loader.tokenizer.hf;

import com.fasterxml.jackson.databind.JsonNode;
import io.jinfer.loader.tokenizer.text.PrecompiledCharsMap;
import java.text.Normalizer.Form;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.ToIntFunction;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads the pipeline components of a {@code tokenizer.json} (normalizer, pre-tokenizer, decoder,
 * post-processor) by their {@code type}; an unknown type is an error naming it and the file.
 */
final class ComponentReader {
    static final List<String> NORMALIZERS = List.of("NFC", "NFD", "NFKC", "NFKD", "Lowercase", "Prepend", "Replace",
            "Strip", "StripAccents", "BertNormalizer", "Precompiled", "Nmt", "ByteLevel", "Sequence");
    static final List<String> PRE_TOKENIZERS = List.of("ByteLevel", "Split", "Metaspace", "Whitespace",
            "WhitespaceSplit", "CharDelimiterSplit", "Digits", "Punctuation", "BertPreTokenizer", "Sequence");
    static final List<String> DECODERS = List.of("ByteLevel", "Metaspace", "ByteFallback", "Fuse", "Strip",
            "Replace", "WordPiece", "BPEDecoder", "Sequence");
    static final List<String> POST_PROCESSORS = List.of("TemplateProcessing", "BertProcessing",
            "RobertaProcessing", "ByteLevel", "Sequence");

    private final JsonSource src;

    ComponentReader(JsonSource src) {
        this.src = src;
    }

    private String type(JsonNode node, String path, List<String> supported, String what) {
        String type = src.string(node, "type", path);
        if (!supported.contains(type)) {
            throw src.error(JsonSource.join(path, "type"), "unsupported " + what + " type '" + type
                    + "' (supported: " + String.join(", ", supported) + ")");
        }
        return type;
    }

    private static String at(String path, int i) {
        return path + "[" + i + "]";
    }

    Normalizer normalizer(JsonNode n, String path) {
        if (n == null || n.isNull()) {
            return null;
        }
        return switch (type(n, path, NORMALIZERS, "normalizer")) {
            case "NFC" -> new Normalizer.Unicode(Form.NFC);
            case "NFD" -> new Normalizer.Unicode(Form.NFD);
            case "NFKC" -> new Normalizer.Unicode(Form.NFKC);
            case "NFKD" -> new Normalizer.Unicode(Form.NFKD);
            case "Lowercase" -> new Normalizer.Lowercase();
            case "Prepend" -> new Normalizer.Prepend(src.string(n, "prepend", path));
            case "Replace" -> {
                String content = src.string(n, "content", path);
                JsonNode pattern = src.require(n, "pattern", path);
                String literal = literal(pattern, path + ".pattern");
                yield literal != null ? new Normalizer.ReplaceString(literal, content)
                        : new Normalizer.ReplaceRegex(regex(pattern, path + ".pattern"), content);
            }
            case "Strip" -> new Normalizer.Strip(src.bool(n, "strip_left", path, false),
                    src.bool(n, "strip_right", path, false));
            case "StripAccents" -> new Normalizer.StripAccents();
            case "BertNormalizer" -> {
                boolean lowercase = src.bool(n, "lowercase", path, true);
                JsonNode strip = JsonSource.optional(n, "strip_accents");
                yield new Normalizer.Bert(src.bool(n, "clean_text", path, true),
                        src.bool(n, "handle_chinese_chars", path, true),
                        strip == null ? lowercase : src.bool(n, "strip_accents", path, lowercase), lowercase);
            }
            case "Precompiled" -> {
                String b64 = src.string(n, "precompiled_charsmap", path);
                try {
                    yield new Normalizer.Precompiled(new PrecompiledCharsMap(Base64.getDecoder().decode(b64)));
                } catch (IllegalArgumentException e) {
                    throw src.error(path + ".precompiled_charsmap", e.getMessage());
                }
            }
            case "Nmt" -> new Normalizer.Nmt();
            case "ByteLevel" -> new Normalizer.ByteLevel();
            case "Sequence" -> {
                List<Normalizer> steps = new ArrayList<>();
                List<JsonNode> items = src.array(n, "normalizers", path);
                for (int i = 0; i < items.size(); i++) {
                    steps.add(normalizer(items.get(i), at(path + ".normalizers", i)));
                }
                yield new Normalizer.Sequence(steps);
            }
            default -> throw new IllegalStateException();
        };
    }

    PreTokenizer preTokenizer(JsonNode n, String path) {
        if (n == null || n.isNull()) {
            return null;
        }
        return switch (type(n, path, PRE_TOKENIZERS, "pre-tokenizer")) {
            case "ByteLevel" -> new PreTokenizer.ByteLevel(src.bool(n, "add_prefix_space", path, true),
                    src.bool(n, "use_regex", path, true));
            case "Split" -> {
                JsonNode pattern = src.require(n, "pattern", path);
                String literal = literal(pattern, path + ".pattern");
                yield new PreTokenizer.Split(literal == null ? regex(pattern, path + ".pattern") : null, literal,
                        behavior(n, path, "Isolated"), src.bool(n, "invert", path, false));
            }
            case "Metaspace" -> new PreTokenizer.Metaspace(replacement(n, path), prependScheme(n, path),
                    src.bool(n, "split", path, true));
            case "Whitespace" -> new PreTokenizer.Whitespace();
            case "WhitespaceSplit" -> new PreTokenizer.WhitespaceSplit();
            case "CharDelimiterSplit" -> {
                String d = src.string(n, "delimiter", path);
                if (d.codePointCount(0, d.length()) != 1) {
                    throw src.error(path + ".delimiter", "expected one character, found '" + d + "'");
                }
                yield new PreTokenizer.CharDelimiterSplit(d.codePointAt(0));
            }
            case "Digits" -> new PreTokenizer.Digits(src.bool(n, "individual_digits", path, false));
            case "Punctuation" -> new PreTokenizer.Punctuation(behavior(n, path, "Isolated"));
            case "BertPreTokenizer" -> new PreTokenizer.Bert();
            case "Sequence" -> {
                List<PreTokenizer> steps = new ArrayList<>();
                List<JsonNode> items = src.array(n, "pretokenizers", path);
                for (int i = 0; i < items.size(); i++) {
                    steps.add(preTokenizer(items.get(i), at(path + ".pretokenizers", i)));
                }
                yield new PreTokenizer.Sequence(steps);
            }
            default -> throw new IllegalStateException();
        };
    }

    Decoder decoder(JsonNode n, String path) {
        if (n == null || n.isNull()) {
            return null;
        }
        return switch (type(n, path, DECODERS, "decoder")) {
            case "ByteLevel" -> new Decoder.ByteLevel();
            case "Metaspace" -> new Decoder.Metaspace(replacement(n, path),
                    prependScheme(n, path) != PreTokenizer.Metaspace.PrependScheme.NEVER);
            case "ByteFallback" -> new Decoder.ByteFallback();
            case "Fuse" -> new Decoder.Fuse();
            case "Strip" -> new Decoder.Strip(src.string(n, "content", path, " "), src.integer(n, "start", path, 0),
                    src.integer(n, "stop", path, 0));
            case "Replace" -> {
                String content = src.string(n, "content", path);
                JsonNode pattern = src.require(n, "pattern", path);
                String literal = literal(pattern, path + ".pattern");
                yield new Decoder.Replace(literal, literal == null ? regex(pattern, path + ".pattern") : null, content);
            }
            case "WordPiece" -> new Decoder.WordPiece(src.string(n, "prefix", path, "##"),
                    src.bool(n, "cleanup", path, true));
            case "BPEDecoder" -> new Decoder.BpeSuffix(src.string(n, "suffix", path, "</w>"));
            case "Sequence" -> {
                List<Decoder> steps = new ArrayList<>();
                List<JsonNode> items = src.array(n, "decoders", path);
                for (int i = 0; i < items.size(); i++) {
                    steps.add(decoder(items.get(i), at(path + ".decoders", i)));
                }
                yield new Decoder.Sequence(steps);
            }
            default -> throw new IllegalStateException();
        };
    }

    /**
     * @param idOf resolves a token text to its id (-1 when absent)
     */
    PostProcessor postProcessor(JsonNode n, String path, ToIntFunction<String> idOf) {
        if (n == null || n.isNull()) {
            return null;
        }
        return switch (type(n, path, POST_PROCESSORS, "post-processor")) {
            case "TemplateProcessing" -> template(n, path);
            case "BertProcessing", "RobertaProcessing" -> new PostProcessor.Template(
                    new int[] {tokenPair(n, "cls", path, idOf)}, new int[] {tokenPair(n, "sep", path, idOf)});
            case "ByteLevel" -> new PostProcessor.Template(new int[0], new int[0]);
            case "Sequence" -> {
                List<PostProcessor> steps = new ArrayList<>();
                List<JsonNode> items = src.array(n, "processors", path);
                for (int i = 0; i < items.size(); i++) {
                    steps.add(postProcessor(items.get(i), at(path + ".processors", i), idOf));
                }
                yield new PostProcessor.Sequence(steps);
            }
            default -> throw new IllegalStateException();
        };
    }

    /** The single-sequence template: special tokens before and after {@code $A}. */
    private PostProcessor template(JsonNode n, String path) {
        JsonNode specials = JsonSource.optional(n, "special_tokens");
        List<JsonNode> single = src.array(n, "single", path);
        IdList before = new IdList(2);
        IdList after = new IdList(2);
        boolean seenSequence = false;
        for (int i = 0; i < single.size(); i++) {
            String p = at(path + ".single", i);
            JsonNode item = single.get(i);
            if (item.has("Sequence")) {
                seenSequence = true;
                continue;
            }
            JsonNode special = item.get("SpecialToken");
            if (special == null) {
                throw src.error(p, "expected a Sequence or SpecialToken item, found " + item);
            }
            String name = src.string(special, "id", p + ".SpecialToken");
            JsonNode def = specials == null ? null : specials.get(name);
            if (def == null) {
                throw src.error(path + ".special_tokens", "the template uses '" + name + "', which is not defined here");
            }
            for (JsonNode id : src.array(def, "ids", path + ".special_tokens." + name)) {
                (seenSequence ? after : before).add(id.asInt());
            }
        }
        if (!seenSequence) {
            throw src.error(path + ".single", "the template has no Sequence item ($A)");
        }
        return new PostProcessor.Template(before.toArray(), after.toArray());
    }

    private int tokenPair(JsonNode n, String name, String path, ToIntFunction<String> idOf) {
        JsonNode pair = src.require(n, name, path);
        if (!pair.isArray() || pair.size() != 2 || !pair.get(1).canConvertToInt()) {
            throw src.error(path + "." + name, "expected [token, id], found " + pair);
        }
        return pair.get(1).asInt();
    }

    private SplitBehavior behavior(JsonNode n, String path, String fallback) {
        String name = src.string(n, "behavior", path, fallback);
        SplitBehavior b = SplitBehavior.of(name);
        if (b == null) {
            throw src.error(path + ".behavior", "unsupported split behavior '" + name
                    + "' (supported: Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous)");
        }
        return b;
    }

    private String replacement(JsonNode n, String path) {
        String r = src.string(n, "replacement", path, "\u2581");
        if (r.codePointCount(0, r.length()) != 1) {
            throw src.error(path + ".replacement", "expected one character, found '" + r + "'");
        }
        return r;
    }

    private PreTokenizer.Metaspace.PrependScheme prependScheme(JsonNode n, String path) {
        JsonNode scheme = JsonSource.optional(n, "prepend_scheme");
        if (scheme == null) {
            // files from before prepend_scheme existed say add_prefix_space
            return src.bool(n, "add_prefix_space", path, true) ? PreTokenizer.Metaspace.PrependScheme.ALWAYS
                    : PreTokenizer.Metaspace.PrependScheme.NEVER;
        }
        return switch (scheme.asText()) {
            case "always" -> PreTokenizer.Metaspace.PrependScheme.ALWAYS;
            case "first" -> PreTokenizer.Metaspace.PrependScheme.FIRST;
            case "never" -> PreTokenizer.Metaspace.PrependScheme.NEVER;
            default -> throw src.error(path + ".prepend_scheme", "expected always, first or never, found "
                    + scheme);
        };
    }

    /** @return the literal of a {@code {"String": ...}} pattern, or null for a {@code {"Regex": ...}} one */
    private String literal(JsonNode pattern, String path) {
        if (pattern.has("String")) {
            return src.string(pattern, "String", path);
        }
        if (!pattern.has("Regex")) {
            throw src.error(path, "expected {\"String\": ...} or {\"Regex\": ...}, found " + pattern);
        }
        return null;
    }

    private Pattern regex(JsonNode pattern, String path) {
        String r = src.string(pattern, "Regex", path);
        try {
            return OnigRegex.compile(r);
        } catch (PatternSyntaxException e) {
            throw src.error(path + ".Regex", "cannot compile regex '" + r + "': " + e.getDescription());
        }
    }
}

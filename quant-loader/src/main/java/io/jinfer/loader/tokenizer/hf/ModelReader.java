package io.jinfer.loader.tokenizer.hf;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reads the {@code model} of a {@code tokenizer.json}: BPE, Unigram, WordPiece or WordLevel. */
final class ModelReader {
    static final List<String> MODELS = List.of("BPE", "Unigram", "WordPiece", "WordLevel");

    private final JsonSource src;
    private final TokenizerJsonParser.LargeParts parts;

    /**
     * @param parts the vocabulary and merges when they were read apart from the tree (their tree
     *     nodes are then empty placeholders)
     */
    ModelReader(JsonSource src, TokenizerJsonParser.LargeParts parts) {
        this.src = src;
        this.parts = parts;
    }

    TokenModel read(JsonNode root) {
        JsonNode m = src.require(root, "model", "");
        if (!m.isObject()) {
            throw src.error("model", "expected an object, found " + m.getNodeType());
        }
        String type = JsonSource.optional(m, "type") != null ? src.string(m, "type", "model") : guessType(m);
        return switch (type) {
            case "BPE" -> bpe(m);
            case "Unigram" -> unigram(m);
            case "WordPiece" -> wordPiece(m);
            case "WordLevel" -> {
                Vocab vocab = new Vocab(vocabObject(m));
                yield new WordLevelModel(vocab, vocab.id(src.string(m, "unk_token", "model", "<unk>")));
            }
            default -> throw src.error("model.type", "unsupported model type '" + type + "' (supported: "
                    + String.join(", ", MODELS) + ")");
        };
    }

    /** Files written by old library versions leave the type out; the fields tell. */
    private String guessType(JsonNode m) {
        if (m.has("merges")) {
            return "BPE";
        }
        if (m.has("vocab") && m.get("vocab").isArray()) {
            return "Unigram";
        }
        if (m.has("continuing_subword_prefix") && m.has("max_input_chars_per_word")) {
            return "WordPiece";
        }
        throw src.error("model.type", "required but missing, and the model's fields match no known type");
    }

    private Map<String, Integer> vocabObject(JsonNode m) {
        JsonNode v = src.require(m, "vocab", "model");
        if (parts.vocabIds != null) {
            return parts.vocabIds;
        }
        if (!v.isObject()) {
            throw src.error("model.vocab", "expected an object of token → id, found " + v.getNodeType());
        }
        Map<String, Integer> ids = new HashMap<>(v.size() * 2);
        v.properties().forEach(e -> {
            if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0) {
                throw src.error("model.vocab", "token '" + e.getKey() + "' has id " + e.getValue()
                        + ", expected a non-negative integer");
            }
            ids.put(e.getKey(), e.getValue().asInt());
        });
        return ids;
    }

    private int optionalTokenId(Vocab vocab, JsonNode m, String field) {
        String unk = src.string(m, field, "model", null);
        if (unk == null) {
            return -1;
        }
        int id = vocab.id(unk);
        if (id < 0) {
            throw src.error("model." + field, "'" + unk + "' is not in the vocabulary");
        }
        return id;
    }

    private TokenModel bpe(JsonNode m) {
        Vocab vocab = new Vocab(vocabObject(m));
        List<JsonNode> mergeNodes = src.array(m, "merges", "model");
        List<String[]> merges = parts.merges != null ? parts.merges : new ArrayList<>(mergeNodes.size());
        for (int i = 0; i < mergeNodes.size(); i++) {
            JsonNode x = mergeNodes.get(i);
            String[] pair;
            if (x.isTextual()) {
                String s = x.asText();
                // a merge is two tokens separated by a space; the first token is never empty
                int sp = s.indexOf(' ', 1);
                pair = sp < 0 ? null : new String[] {s.substring(0, sp), s.substring(sp + 1)};
            } else if (x.isArray() && x.size() == 2 && x.get(0).isTextual() && x.get(1).isTextual()) {
                pair = new String[] {x.get(0).asText(), x.get(1).asText()};
            } else {
                pair = null;
            }
            if (pair == null) {
                throw src.error("model.merges[" + i + "]", "expected \"left right\" or [left, right], found " + x);
            }
            merges.add(pair);
        }
        return new BpeModel(vocab, merges, optionalTokenId(vocab, m, "unk_token"),
                src.string(m, "continuing_subword_prefix", "model", null),
                src.string(m, "end_of_word_suffix", "model", null), src.bool(m, "fuse_unk", "model", false),
                src.bool(m, "byte_fallback", "model", false), src.bool(m, "ignore_merges", "model", false));
    }

    private TokenModel unigram(JsonNode m) {
        List<JsonNode> entries = src.array(m, "vocab", "model");
        List<String> pieces = parts.pieces != null ? parts.pieces : new ArrayList<>(entries.size());
        float[] scores = parts.scores != null ? parts.scores : new float[entries.size()];
        for (int i = 0; i < entries.size(); i++) {
            JsonNode e = entries.get(i);
            if (!e.isArray() || e.size() != 2 || !e.get(0).isTextual() || !e.get(1).isNumber()) {
                throw src.error("model.vocab[" + i + "]", "expected [piece, score], found " + e);
            }
            pieces.add(e.get(0).asText());
            scores[i] = (float) e.get(1).asDouble();
        }
        int unk = src.integer(m, "unk_id", "model", -1);
        if (unk >= pieces.size()) {
            throw src.error("model.unk_id", unk + " is out of range [0, " + pieces.size() + ")");
        }
        return new UnigramModel(pieces, scores, unk, src.bool(m, "byte_fallback", "model", false));
    }

    private TokenModel wordPiece(JsonNode m) {
        Vocab vocab = new Vocab(vocabObject(m));
        String unkText = src.string(m, "unk_token", "model", "[UNK]");
        return new WordPieceModel(vocab, vocab.id(unkText), src.string(m, "continuing_subword_prefix", "model", "##"),
                src.integer(m, "max_input_chars_per_word", "model", 100));
    }
}

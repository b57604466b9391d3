package io.jinfer.loader.tokenizer.hf;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jinfer.api.ModelFormatException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a {@code tokenizer.json} into a JSON tree, except for the model's vocabulary and merges,
 * which are read straight into Java collections: they hold hundreds of thousands of entries, and a
 * tree node per entry would dominate the load time. The tree keeps empty placeholders in their place.
 */
final class TokenizerJsonParser {
    /** The model's large parts; each is null when the file does not have it in that form. */
    static final class LargeParts {
        /** BPE, WordPiece, WordLevel: token → id. */
        Map<String, Integer> vocabIds;
        /** Unigram: the pieces, by id. */
        List<String> pieces;
        /** Unigram: their scores. */
        float[] scores;
        /** BPE: the merges in rank order, each {left, right}. */
        List<String[]> merges;
    }

    /** The tree and the large parts. */
    record Parsed(ObjectNode root, LargeParts parts) {}

    private final ObjectMapper mapper;
    private final JsonSource src;

    TokenizerJsonParser(ObjectMapper mapper, JsonSource src) {
        this.mapper = mapper;
        this.src = src;
    }

    Parsed parse() {
        Path file = src.file();
        try (JsonParser p = mapper.createParser(file.toFile())) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw src.error("(root)", "the file is empty");
            }
            if (first != JsonToken.START_OBJECT) {
                throw src.error("(root)", "expected a JSON object, found " + first.asString());
            }
            ObjectNode root = mapper.createObjectNode();
            LargeParts parts = new LargeParts();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (name.equals("model") && value == JsonToken.START_OBJECT) {
                    root.set(name, model(p, parts));
                } else {
                    root.set(name, tree(p));
                }
            }
            return new Parsed(root, parts);
        } catch (JsonProcessingException e) {
            long offset = e.getLocation() == null ? -1 : e.getLocation().getCharOffset();
            throw new ModelFormatException(file, offset, "(json)", "not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private JsonNode tree(JsonParser p) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return NullNode.getInstance();
        }
        JsonNode n = mapper.readTree(p);
        return n == null ? NullNode.getInstance() : n;
    }

    private ObjectNode model(JsonParser p, LargeParts parts) throws IOException {
        ObjectNode m = mapper.createObjectNode();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            if (name.equals("vocab") && value == JsonToken.START_OBJECT) {
                parts.vocabIds = vocabObject(p);
                m.putObject(name);
            } else if (name.equals("vocab") && value == JsonToken.START_ARRAY) {
                vocabArray(p, parts);
                m.putArray(name);
            } else if (name.equals("merges") && value == JsonToken.START_ARRAY) {
                parts.merges = merges(p);
                m.putArray(name);
            } else {
                m.set(name, tree(p));
            }
        }
        return m;
    }

    private Map<String, Integer> vocabObject(JsonParser p) throws IOException {
        Map<String, Integer> ids = new HashMap<>(1 << 16);
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String token = p.currentName();
            JsonToken t = p.nextToken();
            if (t != JsonToken.VALUE_NUMBER_INT || p.getLongValue() < 0 || p.getLongValue() > Integer.MAX_VALUE) {
                throw src.error("model.vocab", "token '" + token + "' has id " + text(p)
                        + ", expected a non-negative integer");
            }
            ids.put(token, p.getIntValue());
        }
        return ids;
    }

    private void vocabArray(JsonParser p, LargeParts parts) throws IOException {
        List<String> pieces = new ArrayList<>(1 << 15);
        float[] scores = new float[1 << 15];
        int i = 0;
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken(), i++) {
            String path = "model.vocab[" + i + "]";
            if (t != JsonToken.START_ARRAY || p.nextToken() != JsonToken.VALUE_STRING) {
                throw src.error(path, "expected [piece, score], found " + text(p));
            }
            String piece = p.getText();
            JsonToken s = p.nextToken();
            if ((s != JsonToken.VALUE_NUMBER_FLOAT && s != JsonToken.VALUE_NUMBER_INT)) {
                throw src.error(path, "expected [piece, score], found a score of " + text(p));
            }
            float score = p.getFloatValue();
            if (p.nextToken() != JsonToken.END_ARRAY) {
                throw src.error(path, "expected [piece, score], found more after the score");
            }
            if (i == scores.length) {
                scores = java.util.Arrays.copyOf(scores, i * 2);
            }
            pieces.add(piece);
            scores[i] = score;
        }
        parts.pieces = pieces;
        parts.scores = java.util.Arrays.copyOf(scores, i);
    }

    private List<String[]> merges(JsonParser p) throws IOException {
        List<String[]> merges = new ArrayList<>(1 << 16);
        int i = 0;
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken(), i++) {
            String[] pair = null;
            if (t == JsonToken.VALUE_STRING) {
                String s = p.getText();
                // a merge is two tokens separated by a space; the first token is never empty
                int sp = s.indexOf(' ', 1);
                pair = sp < 0 ? null : new String[] {s.substring(0, sp), s.substring(sp + 1)};
            } else if (t == JsonToken.START_ARRAY && p.nextToken() == JsonToken.VALUE_STRING) {
                String left = p.getText();
                if (p.nextToken() == JsonToken.VALUE_STRING) {
                    String right = p.getText();
                    if (p.nextToken() == JsonToken.END_ARRAY) {
                        pair = new String[] {left, right};
                    }
                }
            }
            if (pair == null) {
                throw src.error("model.merges[" + i + "]", "expected \"left right\" or [left, right], found "
                        + text(p));
            }
            merges.add(pair);
        }
        return merges;
    }

    private static String text(JsonParser p) throws IOException {
        return p.currentToken() == null ? "nothing" : p.getText();
    }
}

package io.jinfer.loader.tokenizer.hf;

import com.fasterxml.jackson.databind.JsonNode;
import io.jinfer.api.ModelFormatException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads fields of one JSON file and turns every problem into a {@link ModelFormatException} that
 * names the file and the field's path (such as {@code pre_tokenizer.pretokenizers[1].pattern}).
 */
final class JsonSource {
    private final Path file;

    JsonSource(Path file) {
        this.file = file;
    }

    Path file() {
        return file;
    }

    ModelFormatException error(String field, String problem) {
        return new ModelFormatException(file, -1, field, problem);
    }

    /** @return the child, which must be present and not null */
    JsonNode require(JsonNode node, String name, String path) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            throw error(join(path, name), "required but missing");
        }
        return v;
    }

    /** @return the child, or null when missing or JSON null */
    static JsonNode optional(JsonNode node, String name) {
        JsonNode v = node == null ? null : node.get(name);
        return v == null || v.isNull() ? null : v;
    }

    String string(JsonNode node, String name, String path) {
        JsonNode v = require(node, name, path);
        if (!v.isTextual()) {
            throw error(join(path, name), "expected a string, found " + v.getNodeType());
        }
        return v.asText();
    }

    String string(JsonNode node, String name, String path, String fallback) {
        JsonNode v = optional(node, name);
        if (v == null) {
            return fallback;
        }
        if (!v.isTextual()) {
            throw error(join(path, name), "expected a string, found " + v.getNodeType());
        }
        return v.asText();
    }

    boolean bool(JsonNode node, String name, String path, boolean fallback) {
        JsonNode v = optional(node, name);
        if (v == null) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw error(join(path, name), "expected true or false, found " + v);
        }
        return v.asBoolean();
    }

    int integer(JsonNode node, String name, String path, int fallback) {
        JsonNode v = optional(node, name);
        if (v == null) {
            return fallback;
        }
        if (!v.canConvertToInt()) {
            throw error(join(path, name), "expected an integer, found " + v);
        }
        return v.asInt();
    }

    /** @return the elements of a required array */
    List<JsonNode> array(JsonNode node, String name, String path) {
        JsonNode v = require(node, name, path);
        if (!v.isArray()) {
            throw error(join(path, name), "expected an array, found " + v.getNodeType());
        }
        List<JsonNode> out = new ArrayList<>(v.size());
        v.forEach(out::add);
        return out;
    }

    static String join(String path, String name) {
        return path == null || path.isEmpty() ? name : path + "." + name;
    }
}

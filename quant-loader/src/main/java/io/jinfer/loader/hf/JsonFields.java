package io.jinfer.loader.hf;

import com.fasterxml.jackson.databind.JsonNode;
import io.jinfer.api.ModelFormatException;
import java.nio.file.Path;

/** Typed, checked reads of JSON fields, each failure naming the file and the key. */
final class JsonFields {
    private final Path file;
    private final String prefix;

    JsonFields(Path file, String prefix) {
        this.file = file;
        this.prefix = prefix;
    }

    JsonFields child(String more) {
        return new JsonFields(file, prefix + more);
    }

    ModelFormatException error(String key, String problem) {
        return new ModelFormatException(file, -1, prefix + key, problem);
    }

    static boolean present(JsonNode node, String key) {
        JsonNode v = node.get(key);
        return v != null && !v.isNull();
    }

    int positiveInt(JsonNode node, String key) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            throw error(key, "required value is missing");
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() <= 0 || v.intValue() > (1 << 24)) {
            throw error(key, "expected an integer in [1, 16777216], found " + v);
        }
        return v.intValue();
    }

    int positiveInt(JsonNode node, String key, int fallback) {
        return present(node, key) ? positiveInt(node, key) : fallback;
    }

    double positiveNumber(JsonNode node, String key, double fallback) {
        if (!present(node, key)) {
            return fallback;
        }
        JsonNode v = node.get(key);
        if (!v.isNumber() || !(v.doubleValue() > 0) || Double.isInfinite(v.doubleValue())) {
            throw error(key, "expected a positive number, found " + v);
        }
        return v.doubleValue();
    }

    boolean bool(JsonNode node, String key, boolean fallback) {
        if (!present(node, key)) {
            return fallback;
        }
        JsonNode v = node.get(key);
        if (!v.isBoolean()) {
            throw error(key, "expected true or false, found " + v);
        }
        return v.booleanValue();
    }

    String string(JsonNode node, String key, String fallback) {
        if (!present(node, key)) {
            if (fallback == null) {
                throw error(key, "required value is missing");
            }
            return fallback;
        }
        JsonNode v = node.get(key);
        if (!v.isTextual()) {
            throw error(key, "expected a string, found " + v);
        }
        return v.textValue();
    }
}

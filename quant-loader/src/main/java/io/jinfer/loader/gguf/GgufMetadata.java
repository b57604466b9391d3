package io.jinfer.loader.gguf;

import io.jinfer.api.ModelFormatException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The key/value metadata of a GGUF file, in file order.
 *
 * <p>Values are Java objects: every integer scalar is a {@link Long} (unsigned types widened,
 * UINT64 kept as raw bits), FLOAT32/FLOAT64 a {@link Double}, BOOL a {@link Boolean}, STRING a
 * {@link String}. Arrays are {@code long[]} (integers), {@code float[]} (FLOAT32), {@code double[]}
 * (FLOAT64), {@code boolean[]}, {@code List<String>} (strings) and {@code List<Object>} (arrays of
 * arrays). The typed getters throw a {@link ModelFormatException} naming the key when a required
 * value is missing or of the wrong type.
 */
public final class GgufMetadata {
    /**
     * A value with the type it had in the file, so writers can reproduce it exactly.
     *
     * @param type the value's GGUF type
     * @param elementType for an {@link GgufValueType#ARRAY}, the type of its elements; {@code null} for scalars
     * @param value the value, as a Java object of the form described on {@link GgufMetadata}
     */
    public record Entry(GgufValueType type, GgufValueType elementType, Object value) {}

    private final Path file;
    private final Map<String, Entry> entries;

    /**
     * Wraps already-decoded entries; the map is copied, so later changes to it do not show here.
     *
     * @param file where the metadata came from (for error messages), may be null
     * @param entries the entries in file order
     */
    public GgufMetadata(Path file, Map<String, Entry> entries) {
        this.file = file;
        this.entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    }

    /**
     * Returns the file the metadata was read from, used in error messages.
     *
     * @return the file the metadata came from, or {@code null} for in-memory data
     */
    public Path file() {
        return file;
    }

    /**
     * Returns the keys, in the order the file stores them.
     *
     * @return an unmodifiable set of keys in file order
     */
    public Set<String> keys() {
        return entries.keySet();
    }

    /**
     * Returns every entry with its GGUF type, in file order.
     *
     * @return an unmodifiable map from key to entry, in file order
     */
    public Map<String, Entry> entries() {
        return entries;
    }

    /**
     * Returns the values without their GGUF types, e.g. for {@link io.jinfer.api.Model#metadata()}.
     *
     * @return an unmodifiable map from key to value, in file order
     */
    public Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        entries.forEach((k, e) -> m.put(k, e.value()));
        return Collections.unmodifiableMap(m);
    }

    /**
     * Tells whether a key is present, whatever its type.
     *
     * @param key a key
     * @return whether the file has it
     */
    public boolean has(String key) {
        return entries.containsKey(key);
    }

    /**
     * Looks a value up without checking its type.
     *
     * @param key a key
     * @return the raw value, or empty
     */
    public Optional<Object> get(String key) {
        Entry e = entries.get(key);
        return e == null ? Optional.empty() : Optional.of(e.value());
    }

    private Object require(String key) {
        Entry e = entries.get(key);
        if (e == null) {
            throw new ModelFormatException(file, -1, key, "required metadata key is missing");
        }
        return e.value();
    }

    private <T> T typed(String key, Object v, Class<T> type, String expected) {
        if (!type.isInstance(v)) {
            throw new ModelFormatException(file, -1, key,
                    "expected " + expected + ", found " + describe(v));
        }
        return type.cast(v);
    }

    private static String describe(Object v) {
        return v == null ? "nothing" : v.getClass().getSimpleName();
    }

    /**
     * Reads a required string value.
     *
     * @param key a metadata key, e.g. {@code general.architecture}
     * @return its string value
     * @throws ModelFormatException when the key is missing or its value is not a string
     */
    public String getString(String key) {
        return typed(key, require(key), String.class, "a string");
    }

    /**
     * Reads an optional string value.
     *
     * @param key a metadata key
     * @return its string value, or empty when the key is absent
     * @throws ModelFormatException when the key is present but its value is not a string
     */
    public Optional<String> findString(String key) {
        return has(key) ? Optional.of(getString(key)) : Optional.empty();
    }

    /**
     * Reads a required integer value of any GGUF integer type.
     *
     * @param key a metadata key
     * @return its integer value (UINT64 as raw bits)
     * @throws ModelFormatException when the key is missing or its value is not an integer
     */
    public long getLong(String key) {
        return typed(key, require(key), Long.class, "an integer");
    }

    /**
     * Reads a required integer value that must fit an {@code int}, such as a dimension or count.
     *
     * @param key a key
     * @return its integer value as an int
     * @throws ModelFormatException when missing, not an integer, or out of int range
     */
    public int getInt(String key) {
        long v = getLong(key);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new ModelFormatException(file, -1, key, "expected a 32-bit integer, found " + v);
        }
        return (int) v;
    }

    /**
     * Reads an optional integer value that must fit an {@code int}.
     *
     * @param key a metadata key
     * @param fallback the value to return when the key is absent
     * @return the int value, or {@code fallback} when the key is absent
     * @throws ModelFormatException when the key is present but not an integer or out of {@code int} range
     */
    public int getInt(String key, int fallback) {
        return has(key) ? getInt(key) : fallback;
    }

    /**
     * Reads a required number; integers are accepted and widened.
     *
     * @param key a metadata key, e.g. {@code llama.rope.freq_base}
     * @return its numeric value
     * @throws ModelFormatException when the key is missing or its value is not a number
     */
    public double getDouble(String key) {
        Object v = require(key);
        if (v instanceof Long l) {
            return l;
        }
        return typed(key, v, Double.class, "a number");
    }

    /**
     * Reads an optional number; integers are accepted and widened.
     *
     * @param key a metadata key
     * @param fallback the value to return when the key is absent
     * @return the numeric value, or {@code fallback} when the key is absent
     * @throws ModelFormatException when the key is present but its value is not a number
     */
    public double getDouble(String key, double fallback) {
        return has(key) ? getDouble(key) : fallback;
    }

    /**
     * Reads an optional boolean value.
     *
     * @param key a metadata key
     * @param fallback the value to return when the key is absent
     * @return the boolean value, or {@code fallback} when the key is absent
     * @throws ModelFormatException when the key is present but its value is not a bool
     */
    public boolean getBoolean(String key, boolean fallback) {
        return has(key) ? typed(key, require(key), Boolean.class, "a bool") : fallback;
    }

    /**
     * Reads a required array of strings, such as the vocabulary's token texts.
     *
     * @param key a metadata key, e.g. {@code tokenizer.ggml.tokens}
     * @return its strings, as stored (not copied)
     * @throws ModelFormatException when the key is missing or its value is not an array of strings
     */
    public List<String> getStringArray(String key) {
        Entry e = entries.get(key);
        if (e == null) {
            require(key);
        }
        if (e.type() != GgufValueType.ARRAY || e.elementType() != GgufValueType.STRING) {
            throw new ModelFormatException(file, -1, key, "expected an array of strings, found " + e.type()
                    + (e.elementType() == null ? "" : " of " + e.elementType()));
        }
        @SuppressWarnings("unchecked")
        List<String> list = (List<String>) e.value();
        return list;
    }

    /**
     * Reads a required FLOAT32 array, such as token scores.
     *
     * @param key a metadata key, e.g. {@code tokenizer.ggml.scores}
     * @return its values, as stored (not copied)
     * @throws ModelFormatException when the key is missing or its value is not a FLOAT32 array
     */
    public float[] getFloatArray(String key) {
        return typed(key, require(key), float[].class, "an array of float32");
    }

    /**
     * Reads a required array of integers of any GGUF integer type, such as token types.
     *
     * @param key a metadata key, e.g. {@code tokenizer.ggml.token_type}
     * @return its values widened to {@code long}, as stored (not copied)
     * @throws ModelFormatException when the key is missing or its value is not an integer array
     */
    public long[] getLongArray(String key) {
        return typed(key, require(key), long[].class, "an array of integers");
    }
}

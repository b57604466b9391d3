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
    /** A value with the type it had in the file. */
    public record Entry(GgufValueType type, GgufValueType elementType, Object value) {}

    private final Path file;
    private final Map<String, Entry> entries;

    /**
     * @param file where the metadata came from (for error messages), may be null
     * @param entries the entries in file order
     */
    public GgufMetadata(Path file, Map<String, Entry> entries) {
        this.file = file;
        this.entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    }

    /** @return the file the metadata came from, or null */
    public Path file() {
        return file;
    }

    /** @return keys in file order */
    public Set<String> keys() {
        return entries.keySet();
    }

    /** @return every entry, in file order */
    public Map<String, Entry> entries() {
        return entries;
    }

    /** @return key → value, in file order */
    public Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        entries.forEach((k, e) -> m.put(k, e.value()));
        return Collections.unmodifiableMap(m);
    }

    /**
     * @param key a key
     * @return whether the file has it
     */
    public boolean has(String key) {
        return entries.containsKey(key);
    }

    /**
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

    /** @param key a key @return its string value @throws ModelFormatException when missing or not a string */
    public String getString(String key) {
        return typed(key, require(key), String.class, "a string");
    }

    /** @param key a key @return its string value, if present */
    public Optional<String> findString(String key) {
        return has(key) ? Optional.of(getString(key)) : Optional.empty();
    }

    /** @param key a key @return its integer value @throws ModelFormatException when missing or not an integer */
    public long getLong(String key) {
        return typed(key, require(key), Long.class, "an integer");
    }

    /**
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

    /** @param key a key @param fallback used when absent @return the int value or the fallback */
    public int getInt(String key, int fallback) {
        return has(key) ? getInt(key) : fallback;
    }

    /** @param key a key @return its numeric value @throws ModelFormatException when missing or not a number */
    public double getDouble(String key) {
        Object v = require(key);
        if (v instanceof Long l) {
            return l;
        }
        return typed(key, v, Double.class, "a number");
    }

    /** @param key a key @param fallback used when absent @return the numeric value or the fallback */
    public double getDouble(String key, double fallback) {
        return has(key) ? getDouble(key) : fallback;
    }

    /** @param key a key @param fallback used when absent @return the boolean value or the fallback */
    public boolean getBoolean(String key, boolean fallback) {
        return has(key) ? typed(key, require(key), Boolean.class, "a bool") : fallback;
    }

    /** @param key a key @return its array of strings @throws ModelFormatException when missing or not one */
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

    /** @param key a key @return its FLOAT32 array @throws ModelFormatException when missing or not one */
    public float[] getFloatArray(String key) {
        return typed(key, require(key), float[].class, "an array of float32");
    }

    /** @param key a key @return its integer array @throws ModelFormatException when missing or not one */
    public long[] getLongArray(String key) {
        return typed(key, require(key), long[].class, "an array of integers");
    }
}

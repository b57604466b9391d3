package io.jinfer.cli;

import io.jinfer.loader.gguf.GgufMetadata;
import io.jinfer.loader.gguf.GgufValueType;
import java.util.List;
import java.util.Locale;
import java.util.function.IntFunction;

/**
 * Renders GGUF metadata values on one line each: strings quoted and escaped, long arrays cut to
 * their first items followed by the count.
 */
public final class MetadataFormatter {
    /** Array items shown before the rest is summarised. */
    public static final int ARRAY_ITEMS_SHOWN = 8;
    /** Characters of a string shown before the rest is summarised. */
    public static final int STRING_CHARS_SHOWN = 400;
    private static final int ITEM_CHARS_SHOWN = 64;

    private MetadataFormatter() {}

    /**
     * Describes an entry's GGUF type for the {@code inspect} listing.
     *
     * @param e a metadata entry
     * @return its type as written in the file, e.g. {@code uint32} or {@code array<string>[512]}
     */
    public static String typeName(GgufMetadata.Entry e) {
        if (e.type() == GgufValueType.ARRAY) {
            return "array<" + lower(e.elementType()) + ">[" + length(e.value()) + "]";
        }
        return lower(e.type());
    }

    /**
     * Formats an entry's value for the {@code inspect} listing; long arrays are shortened.
     *
     * @param e a metadata entry
     * @return its value on one line
     */
    public static String value(GgufMetadata.Entry e) {
        if (e.type() == GgufValueType.ARRAY) {
            return array(e.elementType(), e.value());
        }
        return scalar(e.type(), e.value(), STRING_CHARS_SHOWN);
    }

    private static String lower(GgufValueType t) {
        return t.name().toLowerCase(Locale.ROOT);
    }

    private static String scalar(GgufValueType type, Object v, int maxChars) {
        return switch (type) {
            case STRING -> quote((String) v, maxChars);
            case UINT64 -> Long.toUnsignedString((Long) v);
            // Stored widened to double; print the float32 it was so 0.1 does not show as 0.10000000149.
            case FLOAT32 -> Float.toString(((Number) v).floatValue());
            default -> String.valueOf(v);
        };
    }

    private static String array(GgufValueType elem, Object v) {
        int n = length(v);
        IntFunction<String> item = switch (v) {
            case long[] a -> i -> elem == GgufValueType.UINT64 ? Long.toUnsignedString(a[i]) : Long.toString(a[i]);
            case float[] a -> i -> Float.toString(a[i]);
            case double[] a -> i -> Double.toString(a[i]);
            case boolean[] a -> i -> Boolean.toString(a[i]);
            case List<?> a -> i -> a.get(i) instanceof String s ? quote(s, ITEM_CHARS_SHOWN)
                    : "array[" + length(a.get(i)) + "]";
            default -> i -> "?";
        };
        StringBuilder sb = new StringBuilder("[");
        int shown = Math.min(n, ARRAY_ITEMS_SHOWN);
        for (int i = 0; i < shown; i++) {
            sb.append(i == 0 ? "" : ", ").append(item.apply(i));
        }
        if (shown < n) {
            sb.append(", ... (").append(n).append(" items)");
        }
        return sb.append(']').toString();
    }

    private static int length(Object v) {
        return switch (v) {
            case long[] a -> a.length;
            case float[] a -> a.length;
            case double[] a -> a.length;
            case boolean[] a -> a.length;
            case List<?> a -> a.size();
            default -> 1;
        };
    }

    /**
     * @param s a string
     * @param maxChars characters shown before the rest is summarised
     * @return the string in double quotes with control characters, quotes and backslashes escaped
     */
    static String quote(String s, int maxChars) {
        StringBuilder sb = new StringBuilder("\"");
        int shown = Math.min(s.length(), maxChars);
        for (int i = 0; i < shown; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
        if (shown < s.length()) {
            sb.append(" ... (").append(s.length()).append(" chars)");
        }
        return sb.toString();
    }
}

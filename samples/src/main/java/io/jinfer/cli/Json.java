package io.jinfer.cli;

/**
 * Just enough JSON writing for the command line's outputs, so the launcher needs no JSON library.
 * Floats are written with {@link Float#toString(float)}, the shortest text that reads back to the same
 * float; NaN and infinities, which JSON cannot express, become {@code null}.
 */
public final class Json {
    private Json() {}

    /**
     * Appends a float as a JSON number, in its shortest round-trip form.
     *
     * @param sb where to append
     * @param v a float; NaN and infinities are written as {@code null}
     * @return {@code sb}
     */
    public static StringBuilder number(StringBuilder sb, float v) {
        return Float.isFinite(v) ? sb.append(v) : sb.append("null");
    }

    /**
     * Appends a double as a JSON number, in its shortest round-trip form.
     *
     * @param sb where to append
     * @param v a double; NaN and infinities are written as {@code null}
     * @return {@code sb}
     */
    public static StringBuilder number(StringBuilder sb, double v) {
        return Double.isFinite(v) ? sb.append(v) : sb.append("null");
    }

    /**
     * Appends floats as a JSON array of numbers.
     *
     * @param sb where to append
     * @param values floats
     * @return {@code sb}
     */
    public static StringBuilder array(StringBuilder sb, float[] values) {
        sb.append('[');
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            number(sb, values[i]);
        }
        return sb.append(']');
    }

    /**
     * Appends doubles as a JSON array of numbers.
     *
     * @param sb where to append
     * @param values doubles
     * @return {@code sb}
     */
    public static StringBuilder array(StringBuilder sb, double[] values) {
        sb.append('[');
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            number(sb, values[i]);
        }
        return sb.append(']');
    }

    /**
     * Appends integers as a JSON array.
     *
     * @param sb where to append
     * @param values integers
     * @return {@code sb}
     */
    public static StringBuilder array(StringBuilder sb, int[] values) {
        sb.append('[');
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(values[i]);
        }
        return sb.append(']');
    }

    /**
     * Appends a string as a JSON string literal.
     *
     * @param sb where to append
     * @param s a string
     * @return {@code sb} with the string quoted and escaped
     */
    public static StringBuilder string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"');
    }

    /**
     * Writes {@code {"tokens":[...],"logits":[[...],...]}}: row {@code i} holds the logits after token
     * {@code i}. Rows are written one at a time so a long sequence is not built in memory twice.
     *
     * @param out where to write
     * @param tokens the token ids
     * @param logits one row per token
     */
    public static void writeLogits(Appendable out, int[] tokens, float[][] logits) {
        try {
            StringBuilder sb = new StringBuilder("{\"tokens\":");
            array(sb, tokens).append(",\"logits\":[");
            for (int i = 0; i < logits.length; i++) {
                if (i > 0) {
                    sb.append(',');
                }
                array(sb, logits[i]);
                out.append(sb);
                sb.setLength(0);
            }
            sb.append("]}\n");
            out.append(sb);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}

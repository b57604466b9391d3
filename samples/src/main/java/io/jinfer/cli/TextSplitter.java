package io.jinfer.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a file of test cases separated by marker lines, the layout of llama.cpp's tokenizer test
 * inputs: each case ends with {@code "\n" + marker + "\n"}.
 */
public final class TextSplitter {
    private TextSplitter() {}

    /**
     * Splits {@code text} exactly on {@code "\n" + marker + "\n"}. Every piece between two separators is
     * a case, even an empty one; the piece after the last separator is a case only when it is not
     * empty (a file that ends with the separator has no trailing empty case). Nothing is trimmed.
     *
     * @param text the whole file
     * @param marker the separator line, without its newlines
     * @return the cases in order
     */
    public static List<String> split(String text, String marker) {
        String separator = "\n" + marker + "\n";
        List<String> pieces = new ArrayList<>();
        int start = 0;
        while (true) {
            int at = text.indexOf(separator, start);
            if (at < 0) {
                break;
            }
            pieces.add(text.substring(start, at));
            start = at + separator.length();
        }
        if (start < text.length()) {
            pieces.add(text.substring(start));
        }
        return pieces;
    }
}

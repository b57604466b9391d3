package io.jinfer.loader.tokenizer.hf;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Compiles the regexes of {@code tokenizer.json} (written for Oniguruma with Ruby syntax, as the
 * {@code tokenizers} library runs them) into Java patterns with the same meaning.
 *
 * <p>Where the two dialects differ: Oniguruma's {@code \s}, {@code \d}, {@code \w} are Unicode-aware
 * on UTF-8 text (Java's are ASCII unless {@link Pattern#UNICODE_CHARACTER_CLASS}); {@code ^} and
 * {@code $} match at every line break in Ruby syntax and {@code .} excludes only {@code \n};
 * {@code \h} is a hex digit in Ruby but horizontal space in Java; and Oniguruma accepts bare script
 * names such as {@code \p{Han}}, which Java spells {@code \p{IsHan}}, and negates with {@code \p{^L}}, which
 * Java spells {@code \P{L}}. Lookaheads, possessive and
 * atomic forms and inline flags such as {@code (?i:...)} mean the same in both.
 */
final class OnigRegex {
    private static final int FLAGS = Pattern.UNICODE_CHARACTER_CLASS | Pattern.MULTILINE | Pattern.UNIX_LINES;

    private OnigRegex() {}

    /**
     * @param regex the Oniguruma regex
     * @return the Java pattern
     * @throws PatternSyntaxException when the regex is not valid after translation
     */
    static Pattern compile(String regex) {
        return Pattern.compile(translate(regex), FLAGS);
    }

    /** Rewrites the constructs whose meaning differs; everything else is copied. */
    static String translate(String regex) {
        StringBuilder sb = new StringBuilder(regex.length() + 16);
        int depth = 0; // character-class nesting
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '\\' && i + 1 < regex.length()) {
                char e = regex.charAt(i + 1);
                if (e == 'h' || e == 'H') {
                    String hex = "0-9a-fA-F";
                    sb.append(depth > 0
                            ? (e == 'h' ? hex : "&&[^" + hex + "]")
                            : (e == 'h' ? "[" + hex + "]" : "[^" + hex + "]"));
                    i++;
                    continue;
                }
                if ((e == 'p' || e == 'P') && i + 2 < regex.length() && regex.charAt(i + 2) == '{') {
                    int close = regex.indexOf('}', i + 3);
                    if (close > 0) {
                        String name = regex.substring(i + 3, close);
                        // Oniguruma negates with \p{^X}; Java with \P{X}
                        char kind = e;
                        if (name.startsWith("^")) {
                            name = name.substring(1);
                            kind = e == 'p' ? 'P' : 'p';
                        }
                        sb.append('\\').append(kind).append('{').append(javaPropertyName(name)).append('}');
                        i = close;
                        continue;
                    }
                }
                sb.append(c).append(e);
                i++;
                continue;
            }
            if (c == '[') {
                depth++;
            } else if (c == ']' && depth > 0) {
                depth--;
            }
            sb.append(c);
        }
        return sb.toString();
    }

    /** A property name Java knows as is, or else as a script/binary property with the "Is" prefix. */
    private static String javaPropertyName(String name) {
        if (name.isEmpty() || knows(name)) {
            return name;
        }
        String is = "Is" + name;
        return knows(is) ? is : name;
    }

    private static boolean knows(String property) {
        try {
            Pattern.compile("\\p{" + property + "}");
            return true;
        } catch (PatternSyntaxException e) {
            return false;
        }
    }
}

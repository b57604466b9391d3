package io.jinfer.loader.tokenizer;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A pre-tokenizer stage given by a regex. Each match becomes a span, and so does each stretch of text
 * between matches.
 *
 * <p>A regex that uses Unicode categories ({@code \p{L}} and friends) runs, as in llama.cpp, over a
 * "collapsed" copy of the text in which every non-ASCII code point is replaced by a marker of its
 * category, and each category in the regex by a class of its marker plus its ASCII members. This pins
 * {@code \s}, {@code \p{..}} and friends to exactly llama.cpp's meaning. A regex without categories
 * runs over the code points themselves, with non-ASCII whitespace turned into a vertical tab so that
 * the ASCII-only {@code \s} still sees it.
 */
final class RegexSplitter implements SplitStep {
    /** ASCII members of each category, as Java character-class text. */
    private static final Map<String, String> CATEGORY_CLASSES = Map.of(
            "N", CodepointClasses.COLLAPSED_NUMBER + "0-9",
            "L", CodepointClasses.COLLAPSED_LETTER + "A-Za-z",
            "Lu", CodepointClasses.COLLAPSED_LETTER + "A-Za-z",
            "Ll", CodepointClasses.COLLAPSED_LETTER + "A-Za-z",
            "Lt", CodepointClasses.COLLAPSED_LETTER + "A-Za-z",
            "Lm", CodepointClasses.COLLAPSED_LETTER + "A-Za-z",
            "Lo", CodepointClasses.COLLAPSED_LETTER + "A-Za-z",
            "P", CodepointClasses.COLLAPSED_PUNCTUATION + "!-#%-*,-/:-;?-@\\[-\\]_\\{\\}",
            "M", String.valueOf(CodepointClasses.COLLAPSED_MARK),
            "S", CodepointClasses.COLLAPSED_SYMBOL + "\\$\\+<->\\^`\\|");

    private final String source;
    private final Pattern pattern;
    private final boolean collapsed;

    /** @param regex the regex, using {@code \p{L}, \p{N}, \p{P}, \p{M}, \p{S}} and {@code \p{Lu}}-style names */
    RegexSplitter(String regex) {
        this.source = regex;
        this.collapsed = regex.contains("\\p{");
        this.pattern = Pattern.compile(collapsed ? collapseRegex(regex) : regex);
    }

    /** Rewrites each {@code \p{X}} into a class of the collapsed marker and the ASCII members. */
    static String collapseRegex(String regex) {
        StringBuilder sb = new StringBuilder(regex.length() + 64);
        boolean insideClass = false;
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            boolean escaped = i > 0 && regex.charAt(i - 1) == '\\';
            if (c == '[' && !escaped) {
                insideClass = true;
                sb.append(c);
                continue;
            }
            if (c == ']' && insideClass && !escaped) {
                insideClass = false;
                sb.append(c);
                continue;
            }
            if (c == '\\' && regex.startsWith("p{", i + 1)) {
                int close = regex.indexOf('}', i + 3);
                String cls = close < 0 ? null : CATEGORY_CLASSES.get(regex.substring(i + 3, close));
                if (cls == null) {
                    throw new IllegalArgumentException("unsupported Unicode category in " + regex);
                }
                sb.append(insideClass ? cls : "[" + cls + "]");
                i = close;
                continue;
            }
            sb.append(c);
        }
        return sb.toString();
    }

    @Override
    public void splitRange(int[] cps, int from, int to, IntList out) {
        // charStart[k] = index in the subject string of the k-th code point of the range
        int[] charStart = new int[to - from + 1];
        StringBuilder subject = new StringBuilder(to - from);
        for (int i = from; i < to; i++) {
            charStart[i - from] = subject.length();
            int cp = cps[i];
            if (collapsed) {
                subject.append(CodepointClasses.collapse(cp));
            } else if (cp >= 0x80 && CodepointClasses.isWhitespace(cp)) {
                subject.append((char) 0x0B);
            } else {
                subject.appendCodePoint(cp);
            }
        }
        charStart[to - from] = subject.length();
        Matcher m = pattern.matcher(subject);
        int last = 0;
        while (m.find()) {
            if (m.start() > last) {
                out.add(cpIndex(charStart, m.start()) - cpIndex(charStart, last));
            }
            if (m.end() > m.start()) {
                out.add(cpIndex(charStart, m.end()) - cpIndex(charStart, m.start()));
            }
            last = m.end();
        }
        if (last < subject.length()) {
            out.add((to - from) - cpIndex(charStart, last));
        }
    }

    private static int cpIndex(int[] charStart, int charIndex) {
        int k = java.util.Arrays.binarySearch(charStart, charIndex);
        if (k < 0) {
            throw new IllegalStateException("match boundary inside a code point");
        }
        // a run of equal entries cannot occur: every code point takes at least one char
        return k;
    }

    @Override
    public String toString() {
        return source;
    }
}

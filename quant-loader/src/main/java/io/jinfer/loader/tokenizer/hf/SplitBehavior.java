package io.jinfer.loader.tokenizer.hf;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a splitting pre-tokenizer does with the pieces of text its pattern matches, named as in
 * {@code tokenizer.json} ({@code "Isolated"} and so on). Pieces that come out empty are dropped.
 */
enum SplitBehavior {
    /** Matches are dropped; the text between them is kept. */
    REMOVED,
    /** Matches and the text between them each become a piece. */
    ISOLATED,
    /** A match joins the piece before it. */
    MERGED_WITH_PREVIOUS,
    /** A match joins the piece after it. */
    MERGED_WITH_NEXT,
    /** Adjacent matches join into one piece. */
    CONTIGUOUS;

    /** @return the behaviour of a {@code tokenizer.json} name, or null when it is not one */
    static SplitBehavior of(String name) {
        return switch (name) {
            case "Removed" -> REMOVED;
            case "Isolated" -> ISOLATED;
            case "MergedWithPrevious" -> MERGED_WITH_PREVIOUS;
            case "MergedWithNext" -> MERGED_WITH_NEXT;
            case "Contiguous" -> CONTIGUOUS;
            default -> null;
        };
    }

    /** A range of the text and whether the pattern matched it. */
    record Range(int start, int end, boolean match) {}

    /** @return the ranges of a regex's matches and of the text between them, in order */
    static List<Range> regexRanges(String text, Pattern pattern) {
        List<Range> out = new ArrayList<>();
        Matcher m = pattern.matcher(text);
        int prev = 0;
        while (m.find()) {
            if (m.start() != prev) {
                out.add(new Range(prev, m.start(), false));
            }
            out.add(new Range(m.start(), m.end(), true));
            prev = m.end();
        }
        if (prev != text.length()) {
            out.add(new Range(prev, text.length(), false));
        }
        return out;
    }

    /** @return the ranges of a literal string's occurrences and of the text between them */
    static List<Range> literalRanges(String text, String literal) {
        List<Range> out = new ArrayList<>();
        if (literal.isEmpty()) {
            out.add(new Range(0, text.length(), false));
            return out;
        }
        int prev = 0;
        for (int at = text.indexOf(literal); at >= 0; at = text.indexOf(literal, at + literal.length())) {
            if (at != prev) {
                out.add(new Range(prev, at, false));
            }
            out.add(new Range(at, at + literal.length(), true));
            prev = at + literal.length();
        }
        if (prev != text.length()) {
            out.add(new Range(prev, text.length(), false));
        }
        return out;
    }

    /** @return one range per code point that {@code test} accepts, and the text between them */
    static List<Range> codePointRanges(String text, IntPredicate test) {
        List<Range> out = new ArrayList<>();
        int prev = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int next = i + Character.charCount(cp);
            if (test.test(cp)) {
                if (i != prev) {
                    out.add(new Range(prev, i, false));
                }
                out.add(new Range(i, next, true));
                prev = next;
            }
            i = next;
        }
        if (prev != text.length()) {
            out.add(new Range(prev, text.length(), false));
        }
        return out;
    }

    /**
     * Cuts the text into pieces as this behaviour says.
     *
     * @param text the text the ranges cover
     * @param ranges its ranges, in order
     * @param invert whether the pattern's matches and non-matches swap roles
     * @param out receives the non-empty pieces
     */
    void apply(String text, List<Range> ranges, boolean invert, List<String> out) {
        List<int[]> pieces = new ArrayList<>(ranges.size());
        boolean previousMatch = false;
        switch (this) {
            case ISOLATED -> ranges.forEach(r -> pieces.add(new int[] {r.start, r.end}));
            case REMOVED -> {
                for (Range r : ranges) {
                    if (r.match != !invert) {
                        pieces.add(new int[] {r.start, r.end});
                    }
                }
            }
            case MERGED_WITH_PREVIOUS -> {
                for (Range r : ranges) {
                    boolean match = r.match != invert;
                    if (match && !previousMatch && !pieces.isEmpty()) {
                        pieces.getLast()[1] = r.end;
                    } else {
                        pieces.add(new int[] {r.start, r.end});
                    }
                    previousMatch = match;
                }
            }
            case MERGED_WITH_NEXT -> {
                for (int k = ranges.size() - 1; k >= 0; k--) {
                    Range r = ranges.get(k);
                    boolean match = r.match != invert;
                    if (match && !previousMatch && !pieces.isEmpty()) {
                        pieces.getLast()[0] = r.start;
                    } else {
                        pieces.add(new int[] {r.start, r.end});
                    }
                    previousMatch = match;
                }
                java.util.Collections.reverse(pieces);
            }
            case CONTIGUOUS -> {
                for (Range r : ranges) {
                    boolean match = r.match != invert;
                    if (match == previousMatch && !pieces.isEmpty()) {
                        pieces.getLast()[1] = r.end;
                    } else {
                        pieces.add(new int[] {r.start, r.end});
                    }
                    previousMatch = match;
                }
            }
        }
        for (int[] p : pieces) {
            if (p[1] > p[0]) {
                out.add(text.substring(p[0], p[1]));
            }
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}

package io.jinfer.loader.tokenizer.hf;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds added tokens in a text as the library's added vocabulary does: leftmost match first, the
 * longest at that position; a single-word token beside a word character is skipped; lstrip/rstrip
 * tokens swallow the whitespace next to them.
 */
final class AddedTokenSplitter {
    /** A piece of the text: a token id, or the range {@code [start, end)} of text still to encode. */
    record Piece(int token, int start, int end) {
        boolean isText() {
            return token < 0;
        }
    }

    /** Tokens by their first char, longest first. */
    private final Map<Character, List<Candidate>> byFirstChar = new HashMap<>();
    /** Whether some token starts with a char: a quick test before the map lookup. */
    private final java.util.BitSet firstChars = new java.util.BitSet(128);

    private record Candidate(AddedToken token, String text) {}

    /**
     * @param tokens the tokens to find
     * @param matchTexts the text to look for, per token (its content, normalized where it applies to
     *     normalized text)
     */
    AddedTokenSplitter(List<AddedToken> tokens, List<String> matchTexts) {
        for (int i = 0; i < tokens.size(); i++) {
            String t = matchTexts.get(i);
            if (!t.isEmpty()) {
                byFirstChar.computeIfAbsent(t.charAt(0), c -> new ArrayList<>()).add(new Candidate(tokens.get(i), t));
                firstChars.set(t.charAt(0));
            }
        }
        byFirstChar.values().forEach(l -> l.sort(Comparator.comparingInt((Candidate c) -> -c.text.length())));
    }

    boolean isEmpty() {
        return byFirstChar.isEmpty();
    }

    /**
     * @param text the text
     * @param parseSpecial whether special tokens are matched
     * @return the pieces, covering the text in order (text pieces are never empty)
     */
    List<Piece> split(String text, boolean parseSpecial) {
        List<Piece> out = new ArrayList<>();
        if (byFirstChar.isEmpty()) {
            if (!text.isEmpty()) {
                out.add(new Piece(-1, 0, text.length()));
            }
            return out;
        }
        int textStart = 0;
        int i = 0;
        while (i < text.length()) {
            Candidate hit = longestAt(text, i, parseSpecial);
            if (hit == null) {
                i++;
                continue;
            }
            int end = i + hit.text.length();
            AddedToken t = hit.token;
            if (t.singleWord() && (isWordBefore(text, i) || isWordAfter(text, end))) {
                i = end; // the match is consumed as plain text, as the library's automaton does
                continue;
            }
            int start = i;
            if (t.lstrip()) {
                while (start > textStart && Chars.isWhitespace(text.codePointBefore(start))) {
                    start -= Character.charCount(text.codePointBefore(start));
                }
            }
            if (t.rstrip()) {
                while (end < text.length() && Chars.isWhitespace(text.codePointAt(end))) {
                    end += Character.charCount(text.codePointAt(end));
                }
            }
            if (start > textStart) {
                out.add(new Piece(-1, textStart, start));
            }
            out.add(new Piece(t.id(), start, end));
            textStart = end;
            i = end;
        }
        if (textStart < text.length()) {
            out.add(new Piece(-1, textStart, text.length()));
        }
        return out;
    }

    private Candidate longestAt(String text, int i, boolean parseSpecial) {
        if (!firstChars.get(text.charAt(i))) {
            return null;
        }
        List<Candidate> list = byFirstChar.get(text.charAt(i));
        if (list == null) {
            return null;
        }
        for (Candidate c : list) {
            if ((parseSpecial || !c.token.special()) && text.startsWith(c.text, i)) {
                return c;
            }
        }
        return null;
    }

    private static boolean isWordBefore(String text, int i) {
        return i > 0 && isWordChar(text.codePointBefore(i));
    }

    private static boolean isWordAfter(String text, int i) {
        return i < text.length() && isWordChar(text.codePointAt(i));
    }

    private static boolean isWordChar(int cp) {
        return Chars.isAlphanumeric(cp) || cp == '_';
    }
}

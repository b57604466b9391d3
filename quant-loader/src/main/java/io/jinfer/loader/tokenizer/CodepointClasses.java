package io.jinfer.loader.tokenizer;

/**
 * The Unicode classes the pre-tokenizers test: letters ({@code \p{L}}), numbers ({@code \p{N}}),
 * punctuation, marks, symbols and the White_Space property, from the JDK's Unicode tables.
 */
final class CodepointClasses {
    /** Stand-ins for non-ASCII code points in the "collapsed" text that category regexes run on. */
    static final char COLLAPSED_OTHER = '\uE0D0';
    static final char COLLAPSED_NUMBER = '\uE0D1';
    static final char COLLAPSED_LETTER = '\uE0D2';
    static final char COLLAPSED_PUNCTUATION = '\uE0D3';
    static final char COLLAPSED_MARK = '\uE0D4';
    static final char COLLAPSED_SYMBOL = '\uE0D5';

    private CodepointClasses() {}

    /** @return whether {@code cp} has the Unicode White_Space property */
    static boolean isWhitespace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }

    /** @return whether {@code cp} is in general category L (Lu, Ll, Lt, Lm, Lo) */
    static boolean isLetter(int cp) {
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                    Character.MODIFIER_LETTER, Character.OTHER_LETTER -> true;
            default -> false;
        };
    }

    /** @return whether {@code cp} is in general category N (Nd, Nl, No) */
    static boolean isNumber(int cp) {
        return switch (Character.getType(cp)) {
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> true;
            default -> false;
        };
    }

    /**
     * The one-character stand-in for a code point in collapsed text: ASCII stays itself, other
     * whitespace becomes a vertical tab (which {@code \s} matches), and everything else becomes the
     * marker of its general category, so that a regex over ASCII plus the markers classifies every
     * code point as {@code \p{..}} would.
     */
    static char collapse(int cp) {
        if (cp < 0x80) {
            return (char) cp;
        }
        if (isWhitespace(cp)) {
            return 0x0B;
        }
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                    Character.MODIFIER_LETTER, Character.OTHER_LETTER -> COLLAPSED_LETTER;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER ->
                    COLLAPSED_NUMBER;
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                    Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                    Character.FINAL_QUOTE_PUNCTUATION, Character.OTHER_PUNCTUATION -> COLLAPSED_PUNCTUATION;
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK ->
                    COLLAPSED_MARK;
            case Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL,
                    Character.OTHER_SYMBOL -> COLLAPSED_SYMBOL;
            default -> COLLAPSED_OTHER;
        };
    }

    /** @return the simple lowercase mapping of {@code cp} */
    static int toLower(int cp) {
        return Character.toLowerCase(cp);
    }
}

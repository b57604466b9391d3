package io.jinfer.loader.tokenizer.hf;

import io.jinfer.loader.tokenizer.text.PrecompiledCharsMap;
import java.text.Normalizer.Form;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A {@code tokenizer.json} normalizer: rewrites the text before it is split into words. */
sealed interface Normalizer {
    /**
     * @param text the text
     * @return the normalized text
     */
    String normalize(String text);

    /** Unicode normalization form NFC, NFD, NFKC or NFKD. */
    record Unicode(Form form) implements Normalizer {
        @Override
        public String normalize(String text) {
            return java.text.Normalizer.normalize(text, form);
        }
    }

    /** Full Unicode lowercasing, independent of the default locale. */
    record Lowercase() implements Normalizer {
        @Override
        public String normalize(String text) {
            return text.toLowerCase(Locale.ROOT);
        }
    }

    /** Puts a string in front of non-empty text. */
    record Prepend(String prefix) implements Normalizer {
        @Override
        public String normalize(String text) {
            return text.isEmpty() ? text : prefix + text;
        }
    }

    /** Replaces every occurrence of a literal string. */
    record ReplaceString(String target, String content) implements Normalizer {
        @Override
        public String normalize(String text) {
            return target.isEmpty() ? text : text.replace(target, content);
        }
    }

    /** Replaces every match of a regex (the replacement is literal text). */
    record ReplaceRegex(Pattern pattern, String content) implements Normalizer {
        @Override
        public String normalize(String text) {
            return pattern.matcher(text).replaceAll(Matcher.quoteReplacement(content));
        }
    }

    /** Removes whitespace at either end. */
    record Strip(boolean left, boolean right) implements Normalizer {
        @Override
        public String normalize(String text) {
            int from = 0;
            int to = text.length();
            while (left && from < to && Chars.isWhitespace(text.codePointAt(from))) {
                from += Character.charCount(text.codePointAt(from));
            }
            while (right && to > from && Chars.isWhitespace(text.codePointBefore(to))) {
                to -= Character.charCount(text.codePointBefore(to));
            }
            return text.substring(from, to);
        }
    }

    /** Removes combining marks (accents, once the text is decomposed). */
    record StripAccents() implements Normalizer {
        @Override
        public String normalize(String text) {
            StringBuilder sb = new StringBuilder(text.length());
            text.codePoints().filter(cp -> !Chars.isMark(cp)).forEach(sb::appendCodePoint);
            return sb.toString();
        }
    }

    /**
     * BERT's normalizer: drops control characters and turns whitespace into spaces, puts spaces
     * around CJK ideographs, and optionally strips accents (after NFD) and lowercases.
     */
    record Bert(boolean cleanText, boolean chineseChars, boolean stripAccents, boolean lowercase)
            implements Normalizer {
        @Override
        public String normalize(String text) {
            StringBuilder sb = new StringBuilder(text.length() + 8);
            text.codePoints().forEach(cp -> {
                if (cleanText) {
                    if (cp == 0 || cp == 0xFFFD || isBertControl(cp)) {
                        return;
                    }
                    if (isBertWhitespace(cp)) {
                        sb.append(' ');
                        return;
                    }
                }
                if (chineseChars && isCjkIdeograph(cp)) {
                    sb.append(' ').appendCodePoint(cp).append(' ');
                } else {
                    sb.appendCodePoint(cp);
                }
            });
            String s = sb.toString();
            if (stripAccents) {
                s = new StripAccents().normalize(java.text.Normalizer.normalize(s, Form.NFD));
            }
            return lowercase ? s.toLowerCase(Locale.ROOT) : s;
        }

        static boolean isBertWhitespace(int cp) {
            return Chars.isWhitespace(cp);
        }

        private static boolean isBertControl(int cp) {
            if (cp == '\t' || cp == '\n' || cp == '\r') {
                return false;
            }
            int t = Character.getType(cp);
            return t == Character.CONTROL || t == Character.FORMAT || t == Character.PRIVATE_USE
                    || t == Character.UNASSIGNED || t == Character.SURROGATE;
        }

        static boolean isCjkIdeograph(int cp) {
            return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF)
                    || (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F)
                    || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF)
                    || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
        }
    }

    /** SentencePiece's precompiled normalization map (the {@code Precompiled} normalizer). */
    record Precompiled(PrecompiledCharsMap map) implements Normalizer {
        @Override
        public String normalize(String text) {
            return map.normalize(text);
        }
    }

    /** SentencePiece's nmt_nfkc clean-up: drops control characters, turns odd spaces into spaces. */
    record Nmt() implements Normalizer {
        @Override
        public String normalize(String text) {
            StringBuilder sb = new StringBuilder(text.length());
            text.codePoints().forEach(cp -> {
                if ((cp >= 0x01 && cp <= 0x08) || cp == 0x0B || (cp >= 0x0E && cp <= 0x1F) || cp == 0x7F
                        || cp == 0x8F || cp == 0x9F) {
                    return;
                }
                boolean space = cp == 0x09 || cp == 0x0A || cp == 0x0C || cp == 0x0D || cp == 0x1680
                        || (cp >= 0x200B && cp <= 0x200F) || cp == 0x2028 || cp == 0x2029 || cp == 0x2581
                        || cp == 0xFEFF || cp == 0xFFFD;
                sb.appendCodePoint(space ? ' ' : cp);
            });
            return sb.toString();
        }
    }

    /** GPT-2's byte characters: the text's UTF-8 bytes, each spelled as one character. */
    record ByteLevel() implements Normalizer {
        @Override
        public String normalize(String text) {
            return io.jinfer.loader.tokenizer.text.ByteLevelMapping.encode(
                    text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    /** Several normalizers, applied in order. */
    record Sequence(List<Normalizer> steps) implements Normalizer {
        @Override
        public String normalize(String text) {
            String s = text;
            for (Normalizer n : steps) {
                s = n.normalize(s);
            }
            return s;
        }
    }
}

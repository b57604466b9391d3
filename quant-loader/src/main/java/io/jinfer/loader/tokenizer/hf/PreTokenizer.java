package io.jinfer.loader.tokenizer.hf;

import io.jinfer.loader.tokenizer.text.ByteLevelMapping;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** A {@code tokenizer.json} pre-tokenizer: cuts normalized text into the words the model encodes. */
sealed interface PreTokenizer {
    /** GPT-2's word regex, which the ByteLevel pre-tokenizer uses when {@code use_regex} is set. */
    Pattern GPT2_WORDS = OnigRegex.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");
    /** The Whitespace pre-tokenizer's regex: runs of word characters, runs of other non-spaces. */
    Pattern WORDS_AND_SYMBOLS = OnigRegex.compile("\\w+|[^\\w\\s]+");

    /**
     * @param text a piece of text
     * @param atInputStart whether the piece starts the input (no added token or earlier text before it)
     * @param out receives the words, in order
     */
    void split(String text, boolean atInputStart, List<String> out);

    /** Splits on a regex or a literal string. */
    record Split(Pattern regex, String literal, SplitBehavior behavior, boolean invert) implements PreTokenizer {
        @Override
        public void split(String text, boolean atInputStart, List<String> out) {
            var ranges = regex != null ? SplitBehavior.regexRanges(text, regex)
                    : SplitBehavior.literalRanges(text, literal);
            behavior.apply(text, ranges, invert, out);
        }
    }

    /**
     * GPT-2's byte-level step: optionally a space in front, optionally GPT-2's word regex, and then
     * every word's UTF-8 bytes spelled with the byte characters.
     */
    record ByteLevel(boolean addPrefixSpace, boolean useRegex) implements PreTokenizer {
        @Override
        public void split(String text, boolean atInputStart, List<String> out) {
            String s = addPrefixSpace && !text.startsWith(" ") ? " " + text : text;
            List<String> words = new ArrayList<>();
            if (useRegex) {
                SplitBehavior.ISOLATED.apply(s, SplitBehavior.regexRanges(s, GPT2_WORDS), false, words);
            } else if (!s.isEmpty()) {
                words.add(s);
            }
            for (String w : words) {
                out.add(ByteLevelMapping.encode(w.getBytes(StandardCharsets.UTF_8)));
            }
        }
    }

    /** SentencePiece's word boundaries: spaces become the replacement character, which starts each word. */
    record Metaspace(String replacement, PrependScheme prepend, boolean splitWords) implements PreTokenizer {
        /** When a replacement character is put in front of the text. */
        enum PrependScheme {
            /** Always. */
            ALWAYS,
            /** Only in front of the start of the input. */
            FIRST,
            /** Never. */
            NEVER
        }

        @Override
        public void split(String text, boolean atInputStart, List<String> out) {
            String s = text.replace(" ", replacement);
            boolean prefix = switch (prepend) {
                case ALWAYS -> true;
                case FIRST -> atInputStart;
                case NEVER -> false;
            };
            if (prefix && !s.startsWith(replacement)) {
                s = replacement + s;
            }
            if (splitWords) {
                SplitBehavior.MERGED_WITH_NEXT.apply(s, SplitBehavior.literalRanges(s, replacement), false, out);
            } else if (!s.isEmpty()) {
                out.add(s);
            }
        }
    }

    /** Runs of word characters and runs of other non-space characters; spaces are dropped. */
    record Whitespace() implements PreTokenizer {
        @Override
        public void split(String text, boolean atInputStart, List<String> out) {
            SplitBehavior.REMOVED.apply(text, SplitBehavior.regexRanges(text, WORDS_AND_SYMBOLS), true, out);
        }
    }

    /** Splits on whitespace, which is dropped. */
    record WhitespaceSplit() implements PreTokenizer {
        @Override
        public void split(String text, boolean atInputStart, List<String> out) {
            SplitBehavior.REMOVED.apply(text, SplitBehavior.codePointRanges(text, Chars::isWhitespace), false, out);
        }
    }

    /** Splits on one delimiter character, which is dropped. */
    record CharDelimiterSplit(int delimiter) implements PreTokenizer {
        @Override
        public void split(String text, boolean atInputStart, List<String> out) {
            SplitBehavior.REMOVED.apply(text, SplitBehavior.codePointRanges(text, cp -> cp == delimiter), false, out);
        }
    }

    /** Separates numbers from other text: each digit alone, or runs of digits together. */
    record Digits(boolean individualDigits) implements PreTokenizer {
        @Override
        public void split(String text, boolean atInputStart, List<String> out) {
            var ranges = SplitBehavior.codePointRanges(text, Chars::isNumeric);
            (individualDigits ? SplitBehavior.ISOLATED : SplitBehavior.CONTIGUOUS).apply(text, ranges, false, out);
        }
    }

    /** Separates punctuation characters from other text. */
    record Punctuation(SplitBehavior behavior) implements PreTokenizer {
        @Override
        public void split(String text, boolean atInputStart, List<String> out) {
            behavior.apply(text, SplitBehavior.codePointRanges(text, Chars::isPunctuation), false, out);
        }
    }

    /** BERT's pre-tokenizer: split on whitespace (dropped), then every punctuation character alone. */
    record Bert() implements PreTokenizer {
        @Override
        public void split(String text, boolean atInputStart, List<String> out) {
            List<String> words = new ArrayList<>();
            new WhitespaceSplit().split(text, atInputStart, words);
            for (String w : words) {
                SplitBehavior.ISOLATED.apply(w, SplitBehavior.codePointRanges(w, Chars::isPunctuation), false, out);
            }
        }
    }

    /** Several pre-tokenizers, each applied to every piece the previous ones left. */
    record Sequence(List<PreTokenizer> steps) implements PreTokenizer {
        @Override
        public void split(String text, boolean atInputStart, List<String> out) {
            List<String> pieces = List.of(text);
            for (PreTokenizer step : steps) {
                List<String> next = new ArrayList<>(pieces.size() * 2);
                for (int i = 0; i < pieces.size(); i++) {
                    // only the first piece can start the input (text a step removes in front of it is
                    // not tracked, a simplification of the library's offset bookkeeping)
                    step.split(pieces.get(i), atInputStart && i == 0, next);
                }
                pieces = next;
            }
            out.addAll(pieces);
        }
    }
}

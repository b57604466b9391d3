package io.jinfer.loader.tokenizer;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;

/**
 * BERT's WordPiece as llama.cpp runs it for {@code tokenizer.ggml.model = bert}: the text is
 * decomposed (NFD), accents, control characters and NUL dropped, lowercased, and cut into words at
 * whitespace, with every punctuation character, ASCII symbol and CJK ideograph a word of its own.
 * Each word, with U+2581 in front, is covered greedily by the longest vocabulary pieces (GGUF BERT
 * vocabularies spell word-start pieces with U+2581 and continuation pieces bare); a word that cannot
 * be covered becomes the unknown token. BOS ({@code [CLS]}) and the separator ({@code [SEP]}) frame
 * the sequence.
 */
final class WpmTokenizer extends GgufTokenizer {
    private static final String WORD_START = "\u2581";
    private final int maxTokenChars;

    WpmTokenizer(Vocabulary vocab) {
        super(vocab, t -> t.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8));
        int max = 1;
        for (String t : vocab.texts) {
            max = Math.max(max, t.length());
        }
        this.maxTokenChars = max;
    }

    @Override
    void encodeText(String text, boolean afterSpecial, IntList out) {
        for (String word : words(text)) {
            String w = WORD_START + word;
            int before = out.size();
            boolean covered = true;
            for (int i = 0; i < w.length() && covered; ) {
                covered = false;
                for (int j = Math.min(w.length(), i + maxTokenChars); j > i; j--) {
                    int id = vocab.id(w.substring(i, j));
                    if (id >= 0) {
                        out.add(id);
                        i = j;
                        covered = true;
                        break;
                    }
                }
            }
            if (!covered) {
                out.truncate(before);
            }
            if (out.size() == before) {
                out.add(vocab.unk);
            }
        }
    }

    /** BERT's basic tokenization: normalized words, punctuation and CJK characters alone. */
    static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        String nfd = Normalizer.normalize(text, Normalizer.Form.NFD);
        for (int i = 0; i < nfd.length(); ) {
            int cp = nfd.codePointAt(i);
            i += Character.charCount(cp);
            if (CodepointClasses.isWhitespace(cp)) {
                flush(word, words);
                continue;
            }
            int type = Character.getType(cp);
            // dropped: NUL, U+FFFD, category C (controls, format, unassigned...) and, as accents, category M
            if (cp == 0 || cp == 0xFFFD || type == Character.CONTROL || type == Character.FORMAT
                    || type == Character.SURROGATE || type == Character.PRIVATE_USE || type == Character.UNASSIGNED
                    || type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
                    || type == Character.ENCLOSING_MARK) {
                continue;
            }
            int lower = CodepointClasses.toLower(cp);
            if (isPunctuation(type) || (cp < 0x7F && isSymbol(type)) || isChinese(cp)) {
                flush(word, words);
                words.add(new String(Character.toChars(lower)));
            } else {
                word.appendCodePoint(lower);
            }
        }
        flush(word, words);
        return words;
    }

    private static void flush(StringBuilder word, List<String> words) {
        if (!word.isEmpty()) {
            words.add(word.toString());
            word.setLength(0);
        }
    }

    private static boolean isPunctuation(int type) {
        return type == Character.CONNECTOR_PUNCTUATION || type == Character.DASH_PUNCTUATION
                || type == Character.START_PUNCTUATION || type == Character.END_PUNCTUATION
                || type == Character.INITIAL_QUOTE_PUNCTUATION || type == Character.FINAL_QUOTE_PUNCTUATION
                || type == Character.OTHER_PUNCTUATION;
    }

    private static boolean isSymbol(int type) {
        return type == Character.MATH_SYMBOL || type == Character.CURRENCY_SYMBOL
                || type == Character.MODIFIER_SYMBOL || type == Character.OTHER_SYMBOL;
    }

    /** CJK ideographs, with the extension range as the reference implementation has it (from U+2B920). */
    private static boolean isChinese(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF)
                || (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F)
                || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }

    /** A WordPiece text never keeps the word-start space of its first token. */
    @Override
    boolean dropsFirstSpace() {
        return true;
    }

    /**
     * {@inheritDoc}
     *
     * <p>As llama.cpp does for BERT, the spaces the word-start marks put before punctuation and
     * contractions are taken out: " ?", " !", " .", " ," lose their space, a lone " ' " closes up,
     * and " 's", " 'm", " 're", " 've" attach to the word before.
     */
    @Override
    public String decode(int[] tokens) {
        return cleanUpSpaces(super.decode(tokens));
    }

    static String cleanUpSpaces(String text) {
        StringBuilder a = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (i > 0 && text.charAt(i - 1) == ' ' && (c == '?' || c == '!' || c == '.' || c == ',') && !a.isEmpty()) {
                a.setLength(a.length() - 1);
            }
            a.append(c);
        }
        StringBuilder b = new StringBuilder(a.length());
        for (int i = 0; i < a.length(); i++) {
            char c = a.charAt(i);
            if (c == '\'' && i > 0 && i + 1 < a.length() && a.charAt(i - 1) == ' ' && a.charAt(i + 1) == ' ') {
                b.setLength(b.length() - 1);
                b.append(c);
                i++; // the space after goes too
                continue;
            }
            b.append(c);
        }
        StringBuilder out = new StringBuilder(b.length());
        for (int i = 0; i < b.length(); i++) {
            char c = b.charAt(i);
            if (c == '\'' && i > 0 && b.charAt(i - 1) == ' ' && i + 1 < b.length()) {
                String rest = b.substring(i + 1, Math.min(b.length(), i + 3));
                if (rest.startsWith("s") || rest.startsWith("m") || rest.equals("re") || rest.equals("ve")) {
                    out.setLength(out.length() - 1);
                }
            }
            out.append(c);
        }
        return out.toString();
    }
}

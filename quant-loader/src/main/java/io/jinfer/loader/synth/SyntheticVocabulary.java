package io.jinfer.loader.synth;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A SentencePiece-style vocabulary ({@code tokenizer.ggml.model = "llama"}) for synthetic models:
 * {@code <unk>}, {@code <s>}, {@code </s>}, the 256 byte tokens {@code <0x00>..<0xFF>} (so any text
 * can be tokenised by byte fallback), then ordinary pieces in merge order, best score first: the
 * word boundary {@code ▁}, single characters, common English words built up one character at a
 * time (so that the score-driven merges of llama.cpp's tokenizer can reach each whole word) and
 * common suffixes; the rest is filled with unique made-up words.
 *
 * @param tokens the pieces, indexed by token id
 * @param scores one score per token (0 for special and byte tokens, then 0, -1, -2, …)
 * @param types one llama.cpp token type per token
 */
public record SyntheticVocabulary(List<String> tokens, float[] scores, int[] types) {
    /** Token type of ordinary pieces. */
    public static final int TYPE_NORMAL = 1;
    /** Token type of {@code <unk>}. */
    public static final int TYPE_UNKNOWN = 2;
    /** Token type of {@code <s>} and {@code </s>}. */
    public static final int TYPE_CONTROL = 3;
    /** Token type of the byte-fallback tokens. */
    public static final int TYPE_BYTE = 6;
    /** Id of {@code <unk>}. */
    public static final int UNK_ID = 0;
    /** Id of {@code <s>}, the beginning-of-sequence token. */
    public static final int BOS_ID = 1;
    /** Id of {@code </s>}, the end-of-sequence token. */
    public static final int EOS_ID = 2;
    /** Id of {@code <0x00>}; byte b is token {@code FIRST_BYTE_ID + b}. */
    public static final int FIRST_BYTE_ID = 3;
    /** The smallest vocabulary: three special tokens and the 256 byte tokens. */
    public static final int MIN_SIZE = FIRST_BYTE_ID + 256;
    /** SentencePiece's word-boundary mark (U+2581), which stands for a space. */
    public static final String SPACE = "\u2581";

    private static final String LETTERS = "etaoinshrdlucmfwypvbgkjqxzETAOINSHRDLUCMFWYPVBGKJQXZ";
    private static final String OTHER_CHARACTERS = ".,!?'\"-:;()0123456789";
    private static final String[] WORDS = ("the and a to was he she it of in they Once The She He They It Lily "
            + "her his said you with on that "
            + "for is had day one big little time once upon there were so but all play happy friend saw went "
            + "very wanted liked loved mom girl boy named dog cat tree park ball sun what not have be at this "
            + "from or as by we can up out are no do if my me an will when then them about would like go get "
            + "make see look know could into some over just new back good house away home came asked "
            + "sky bird fish water red blue green small long old find help run jump fun toy book car made "
            + "thought felt smiled took gave told started found always every after too than its our "
            + "One Tom Max Sue Ben Mia").split(" ");
    private static final String[] SUFFIXES = {"ing", "ed", "er", "ly", "es", "est", "s", "y", "ful", "tion"};
    private static final String FILLER_CONSONANTS = "bdfgklmnprstvz";
    private static final String FILLER_VOWELS = "aeiou";

    /**
     * Checks that there is one score and one type per token. The arrays are kept, not copied: the
     * record is built once and handed to the GGUF writer.
     */
    public SyntheticVocabulary {
        if (tokens.size() != scores.length || tokens.size() != types.length) {
            throw new IllegalArgumentException("tokens, scores and types differ in length: " + tokens.size()
                    + ", " + scores.length + ", " + types.length);
        }
    }

    /**
     * Returns the number of tokens in the vocabulary.
     *
     * @return the number of tokens
     */
    public int size() {
        return tokens.size();
    }

    /**
     * Builds a vocabulary of exactly {@code size} tokens. Deterministic: the same size always gives
     * the same vocabulary, and a smaller one is a prefix of a larger one.
     *
     * @param size number of tokens, at least {@link #MIN_SIZE}
     * @return the vocabulary
     */
    public static SyntheticVocabulary build(int size) {
        if (size < MIN_SIZE) {
            throw new IllegalArgumentException("a vocabulary needs at least " + MIN_SIZE + " tokens, got " + size);
        }
        Builder b = new Builder(size);
        b.add("<unk>", TYPE_UNKNOWN);
        b.add("<s>", TYPE_CONTROL);
        b.add("</s>", TYPE_CONTROL);
        for (int i = 0; i < 256; i++) {
            b.add(String.format("<0x%02X>", i), TYPE_BYTE);
        }
        b.piece(SPACE);
        for (char c : (LETTERS + OTHER_CHARACTERS).toCharArray()) {
            b.piece(String.valueOf(c));
        }
        for (String w : WORDS) {
            // Every prefix of "▁word" becomes a piece, so a chain of merges leads to the whole word.
            for (int k = 2; k <= w.length() + 1; k++) {
                b.piece((SPACE + w).substring(0, k));
            }
        }
        for (String s : SUFFIXES) {
            for (int k = 2; k <= s.length(); k++) {
                b.piece(s.substring(0, k));
            }
        }
        for (int syllables = 2; !b.full(); syllables++) {
            fill(b, syllables);
        }
        return b.build();
    }

    /** Adds made-up words of {@code syllables} consonant-vowel syllables until full. */
    private static void fill(Builder b, int syllables) {
        int kinds = FILLER_CONSONANTS.length() * FILLER_VOWELS.length();
        long combinations = (long) Math.pow(kinds, syllables);
        StringBuilder sb = new StringBuilder();
        for (long n = 0; n < combinations && !b.full(); n++) {
            sb.setLength(0);
            sb.append(SPACE);
            long rest = n;
            for (int s = 0; s < syllables; s++) {
                int k = (int) (rest % kinds);
                rest /= kinds;
                sb.append(FILLER_CONSONANTS.charAt(k / FILLER_VOWELS.length()));
                sb.append(FILLER_VOWELS.charAt(k % FILLER_VOWELS.length()));
            }
            b.piece(sb.toString());
        }
    }

    /** Collects tokens up to the requested size, skipping duplicates. */
    private static final class Builder {
        private final int size;
        private final List<String> tokens;
        private final float[] scores;
        private final int[] types;
        private final Set<String> seen = new HashSet<>();
        private int normal;

        Builder(int size) {
            this.size = size;
            this.tokens = new ArrayList<>(size);
            this.scores = new float[size];
            this.types = new int[size];
        }

        boolean full() {
            return tokens.size() == size;
        }

        void add(String text, int type) {
            if (full() || !seen.add(text)) {
                return;
            }
            types[tokens.size()] = type;
            tokens.add(text);
        }

        /** An ordinary piece; earlier pieces score higher, as merges learned earlier do. */
        void piece(String text) {
            if (full() || seen.contains(text)) {
                return;
            }
            scores[tokens.size()] = -normal++;
            add(text, TYPE_NORMAL);
        }

        SyntheticVocabulary build() {
            return new SyntheticVocabulary(List.copyOf(tokens), scores, types);
        }
    }
}

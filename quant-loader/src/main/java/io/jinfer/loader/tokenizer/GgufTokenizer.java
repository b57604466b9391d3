package io.jinfer.loader.tokenizer;

import io.jinfer.loader.tokenizer.text.Utf8StreamDecoder;
import io.jinfer.api.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.Function;

/**
 * What SentencePiece and byte-level BPE tokenizers share: special-token splitting, BOS/EOS,
 * and decoding through precomputed per-token bytes. Subclasses tokenize plain text and say what bytes
 * a normal token stands for.
 */
abstract sealed class GgufTokenizer implements Tokenizer permits SpmTokenizer, BpeTokenizer, WpmTokenizer, UgmTokenizer {
    final Vocabulary vocab;
    private final SpecialTokenSplitter specials;
    /** Bytes of each token as generated text (empty for control, unknown and unused tokens). */
    private final byte[][] pieces;

    /**
     * @param vocab the vocabulary
     * @param normalTokenBytes the bytes a normal token's vocabulary text stands for
     */
    GgufTokenizer(Vocabulary vocab, Function<String, byte[]> normalTokenBytes) {
        this.vocab = vocab;
        this.specials = new SpecialTokenSplitter(vocab);
        byte[][] p = new byte[vocab.size()][];
        for (int i = 0; i < p.length; i++) {
            p[i] = switch (vocab.types[i]) {
                case NORMAL -> normalTokenBytes.apply(vocab.texts[i]);
                case USER_DEFINED -> vocab.texts[i].getBytes(StandardCharsets.UTF_8);
                case BYTE -> new byte[] {(byte) byteValue(i)};
                case CONTROL, UNKNOWN, UNUSED, UNDEFINED -> new byte[0];
            };
        }
        this.pieces = p;
    }

    /** @return the byte a {@code <0xXX>} token stands for */
    private int byteValue(int id) {
        String t = vocab.texts[id];
        if (t.length() == 6 && t.startsWith("<0x") && t.endsWith(">")) {
            int hi = Character.digit(t.charAt(3), 16);
            int lo = Character.digit(t.charAt(4), 16);
            if (hi >= 0 && lo >= 0) {
                return hi * 16 + lo;
            }
        }
        throw VocabularyReader.error(VocabularyReader.TOKEN_TYPE,
                "token " + id + " is a byte token but its text '" + t + "' is not of the form <0xXX>");
    }

    /**
     * Tokenizes plain text (no special tokens inside).
     *
     * @param text the text, never empty
     * @param afterSpecial whether it starts the input or follows a special token
     * @param out where ids go
     */
    abstract void encodeText(String text, boolean afterSpecial, IntList out);

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        Objects.requireNonNull(text, "text");
        String clean = withoutLoneSurrogates(text);
        IntList out = new IntList(clean.length() / 3 + 4);
        if (addSpecial && vocab.addBos) {
            out.add(vocab.bos);
        }
        boolean afterSpecial = true;
        for (SpecialTokenSplitter.Fragment f : specials.split(clean, parseSpecial)) {
            if (f.isText()) {
                encodeText(clean.substring(f.start(), f.end()), afterSpecial, out);
                afterSpecial = false;
            } else {
                out.add(f.token());
                afterSpecial = true;
            }
        }
        if (addSpecial && vocab.addEos) {
            out.add(vocab.eos);
        }
        if (addSpecial && vocab.extras.addSep()) {
            out.add(vocab.extras.sep());
        }
        return out.toArray();
    }

    /** A Java string may hold unpaired surrogates, which have no UTF-8 form; they become U+FFFD. */
    private static String withoutLoneSurrogates(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                StringBuilder sb = new StringBuilder(s.length());
                s.codePoints().forEach(cp -> sb.appendCodePoint(
                        cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE ? 0xFFFD : cp));
                return sb.toString();
            }
        }
        return s;
    }

    @Override
    public byte[] tokenBytes(int token) {
        return pieces[checked(token)].clone();
    }

    /**
     * {@inheritDoc}
     *
     * <p>As llama.cpp's detokenizer does, when the vocabulary adds a space prefix the first token
     * (after an optional leading BOS) loses one leading space, so that {@code decode(encode(x))}
     * gives back {@code x}. Control tokens give no text. No other clean-up is applied.
     */
    @Override
    public String decode(int[] tokens) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(tokens.length * 4);
        for (int i = 0; i < tokens.length; i++) {
            byte[] p = pieces[checked(tokens[i])];
            boolean first = i == 0 || (i == 1 && tokens[0] == vocab.bos);
            int from = dropsFirstSpace() && first && p.length > 0 && p[0] == ' ' ? 1 : 0;
            buf.write(p, from, p.length - from);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    /** @return whether decoding drops the space the first token starts with (its word-start mark) */
    boolean dropsFirstSpace() {
        return vocab.addSpacePrefix;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Each token's bytes are emitted as they are (no space is stripped, as when llama.cpp prints
     * generated tokens one at a time).
     */
    @Override
    public StreamDecoder newStreamDecoder() {
        return new Utf8StreamDecoder(t -> pieces[checked(t)]);
    }

    @Override
    public int vocabularySize() {
        return vocab.size();
    }

    @Override
    public int bosToken() {
        return vocab.bos;
    }

    @Override
    public int eosToken() {
        return vocab.eos;
    }

    @Override
    public boolean isEndOfGeneration(int token) {
        return token >= 0 && token < vocab.size() && vocab.endOfGeneration[token];
    }

    @Override
    public String tokenText(int token) {
        return vocab.texts[checked(token)];
    }

    private int checked(int token) {
        if (token < 0 || token >= vocab.size()) {
            throw new IllegalArgumentException("token id " + token + " is out of range [0, " + vocab.size() + ")");
        }
        return token;
    }
}

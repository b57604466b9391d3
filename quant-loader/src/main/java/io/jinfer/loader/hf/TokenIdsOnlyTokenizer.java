package io.jinfer.loader.hf;

import io.jinfer.api.JinferException;
import io.jinfer.api.Tokenizer;
import java.util.List;

/**
 * The tokenizer of a checkpoint whose text vocabulary jinfer cannot read: it knows the vocabulary size
 * and the special ids from {@code config.json}, refuses text, and decodes every token to no text, so
 * generation still reports token ids.
 */
public final class TokenIdsOnlyTokenizer implements Tokenizer {
    private final int vocabularySize;
    private final int bos;
    private final List<Integer> eos;
    private final String reason;

    /**
     * Creates the tokenizer.
     *
     * @param vocabularySize rows of the embedding table
     * @param bos beginning-of-sequence id or -1
     * @param eos end-of-sequence ids
     * @param reason why text is refused, said in every refusal
     */
    public TokenIdsOnlyTokenizer(int vocabularySize, int bos, List<Integer> eos, String reason) {
        this.vocabularySize = vocabularySize;
        this.bos = bos;
        this.eos = List.copyOf(eos);
        this.reason = reason;
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        throw new JinferException(reason);
    }

    @Override
    public byte[] tokenBytes(int token) {
        check(token);
        return new byte[0];
    }

    @Override
    public String decode(int[] tokens) {
        for (int t : tokens) {
            check(t);
        }
        return "";
    }

    @Override
    public StreamDecoder newStreamDecoder() {
        return new StreamDecoder() {
            @Override
            public String accept(int token) {
                check(token);
                return "";
            }

            @Override
            public String flush() {
                return "";
            }
        };
    }

    @Override
    public int vocabularySize() {
        return vocabularySize;
    }

    @Override
    public int bosToken() {
        return bos;
    }

    @Override
    public int eosToken() {
        return eos.isEmpty() ? -1 : eos.get(0);
    }

    @Override
    public boolean isEndOfGeneration(int token) {
        return eos.contains(token);
    }

    @Override
    public String tokenText(int token) {
        check(token);
        return "<" + token + ">";
    }

    private void check(int token) {
        if (token < 0 || token >= vocabularySize) {
            throw new IllegalArgumentException("token " + token + " is outside the vocabulary of " + vocabularySize);
        }
    }
}

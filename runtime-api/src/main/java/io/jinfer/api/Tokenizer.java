package io.jinfer.api;

/**
 * Turns text into token ids and back, as the model's vocabulary defines.
 *
 * <p>Implementations are immutable and safe to share between threads.
 */
public interface Tokenizer {

    /**
     * Encodes text.
     *
     * @param text the text
     * @param addSpecial whether to add the vocabulary's BOS/EOS tokens as its metadata asks
     * @param parseSpecial whether special-token texts such as {@code <s>} inside {@code text} become
     *     their special ids instead of being tokenized as plain text
     * @return token ids
     */
    int[] encode(String text, boolean addSpecial, boolean parseSpecial);

    /**
     * Encodes text with the vocabulary's BOS/EOS rules and special-token parsing, as llama.cpp does by
     * default.
     *
     * @param text the text
     * @return token ids
     */
    default int[] encode(String text) {
        return encode(text, true, true);
    }

    /**
     * The bytes a token stands for when it is part of generated text (byte-fallback tokens give one
     * raw byte, which may be part of a multi-byte UTF-8 character).
     *
     * @param token a token id
     * @return the token's bytes; empty for control tokens
     */
    byte[] tokenBytes(int token);

    /**
     * Decodes a whole sequence of tokens to text; broken UTF-8 becomes U+FFFD.
     *
     * @param tokens token ids
     * @return the text
     */
    String decode(int[] tokens);

    /** @return a new decoder for streaming: text comes out only as whole characters */
    StreamDecoder newStreamDecoder();

    /** @return number of tokens in the vocabulary */
    int vocabularySize();

    /** @return the beginning-of-sequence token id, or -1 when there is none */
    int bosToken();

    /** @return the end-of-sequence token id, or -1 when there is none */
    int eosToken();

    /**
     * @param token a token id
     * @return whether generating this token ends the sequence (EOS, EOT and similar)
     */
    boolean isEndOfGeneration(int token);

    /**
     * @param token a token id
     * @return the token's text as stored in the vocabulary
     */
    String tokenText(int token);

    /**
     * Turns tokens into text one at a time without ever emitting a partial UTF-8 character.
     * Not thread-safe; one per stream.
     */
    interface StreamDecoder {
        /**
         * @param token the next token
         * @return the text that is complete after this token (possibly empty)
         */
        String accept(int token);

        /** @return whatever is still held back, with broken bytes as U+FFFD */
        String flush();
    }
}

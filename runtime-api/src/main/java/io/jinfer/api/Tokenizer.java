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

    /**
     * Creates a decoder for streaming generated tokens; text comes out only as whole characters.
     *
     * @return a new decoder, to be used by one stream (thread) only
     */
    StreamDecoder newStreamDecoder();

    /**
     * Returns the size of the vocabulary; valid token ids are {@code 0} to {@code vocabularySize() - 1}.
     *
     * @return number of tokens in the vocabulary
     */
    int vocabularySize();

    /**
     * Returns the token the vocabulary puts at the start of a sequence.
     *
     * @return the beginning-of-sequence token id, or -1 when there is none
     */
    int bosToken();

    /**
     * Returns the token that marks the end of a sequence.
     *
     * @return the end-of-sequence token id, or -1 when there is none
     */
    int eosToken();

    /**
     * Tells whether generating a token ends generation.
     *
     * @param token a token id
     * @return whether generating this token ends the sequence (EOS, EOT and similar)
     */
    boolean isEndOfGeneration(int token);

    /**
     * Returns a token's raw vocabulary entry, e.g. with SentencePiece's U+2581 in place of spaces; use
     * {@link #decode(int[])} for display text.
     *
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
         * Feeds the next token and returns the text it completes.
         *
         * @param token the next token
         * @return the text that is complete after this token (possibly empty)
         */
        String accept(int token);

        /**
         * Ends the stream and returns whatever is still held back.
         *
         * @return the held-back text, with incomplete UTF-8 bytes as U+FFFD; empty when nothing is held
         */
        String flush();
    }
}

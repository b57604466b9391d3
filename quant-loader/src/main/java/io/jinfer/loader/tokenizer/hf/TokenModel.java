package io.jinfer.loader.tokenizer.hf;

/** The {@code model} of a {@code tokenizer.json}: turns one pre-tokenized word into token ids. */
sealed interface TokenModel permits BpeModel, UnigramModel, WordPieceModel, WordLevelModel {
    /**
     * @param word one word from the pre-tokenizer, never empty
     * @return its token ids
     */
    int[] encode(String word);

    /** @return the vocabulary text of a token id, or null when the model has no such id */
    String token(int id);

    /** @return the id of a vocabulary text, or -1 */
    int id(String token);

    /** @return one more than the largest id in the model's vocabulary */
    int size();
}

package io.jinfer.api;

/**
 * One conversation with a model: owns a KV cache and the position in it. Not thread-safe: use one
 * session per concurrent stream. Closing frees the KV cache; using a closed session is an error.
 */
public interface Session extends AutoCloseable {

    /**
     * Processes the prompt after what the session already holds, then generates tokens, streaming
     * each to {@code listener}.
     *
     * @param request prompt, sampling and stop conditions
     * @param listener receives each token as it is produced
     * @return the generated text, tokens, finish reason and timings
     * @throws ContextOverflowException when the prompt does not fit in the remaining context
     */
    GenerationResult generate(GenerationRequest request, TokenListener listener);

    /**
     * Feeds tokens (prefill in batches) and returns the logits after each of them, computed as
     * generation computes them.
     *
     * @param tokens token ids to append
     * @return {@code tokens.length} rows of {@link Model#vocabularySize()} logits
     * @throws ContextOverflowException when the tokens do not fit in the remaining context
     */
    float[][] evaluate(int[] tokens);

    /**
     * Computes a text embedding: runs {@code tokens} from position 0 and returns the mean over all of
     * them of the final hidden state after the output norm (the vector the output projection reads).
     * It replaces whatever the session held: afterwards the session is empty, as after {@link #reset()}.
     * The vector is not normalised; callers that compare by cosine scale it to unit length.
     *
     * @param tokens token ids, at least one
     * @return the mean-pooled hidden state, {@code embedding_length} values
     * @throws ContextOverflowException when the tokens do not fit in the context
     * @throws UnsupportedOperationException when the implementation has no embeddings
     */
    default float[] embed(int[] tokens) {
        throw new UnsupportedOperationException("this session does not compute embeddings");
    }

    /**
     * Returns how many context positions the prompt and generated tokens have filled so far.
     *
     * @return positions used so far, from 0 to {@link #contextLength()}
     */
    int position();

    /**
     * Returns the capacity of this session's KV cache; a request that needs more positions fails with
     * {@link ContextOverflowException}.
     *
     * @return positions the context holds
     */
    int contextLength();

    /** Forgets everything: the next call starts at position 0. */
    void reset();

    /** Frees the KV cache. Closing twice is an error. */
    @Override
    void close();
}

package io.jinfer.executor;

import java.util.List;

/**
 * The outcome of a {@link Perplexity} run: one entry per chunk and the final estimate.
 *
 * @param contextLength tokens per chunk ({@code n_ctx})
 * @param textTokens tokens the whole text gave (BOS included when the vocabulary adds it)
 * @param chunks the evaluated chunks, in order
 * @param tokensScored tokens whose probability entered the estimate, over all chunks
 * @param perplexity {@code exp} of the mean negative log-likelihood of the scored tokens
 * @param uncertainty llama.cpp's standard error of {@code perplexity}: {@code perplexity} times the
 *     standard error of the mean negative log-likelihood; {@code NaN} when it is undefined (fewer than
 *     two scored tokens, or a variance that is not positive, as for logits that never change)
 */
public record PerplexityResult(int contextLength, int textTokens, List<Chunk> chunks, int tokensScored,
        double perplexity, double uncertainty) {

    /** Copies the chunk list. */
    public PerplexityResult {
        chunks = List.copyOf(chunks);
    }

    /**
     * Tells whether the standard error could be computed; it cannot for fewer than two scored tokens or a
     * zero variance.
     *
     * @return whether {@link #uncertainty()} is a number
     */
    public boolean hasUncertainty() {
        return !Double.isNaN(uncertainty);
    }

    /**
     * One chunk of {@code contextLength} tokens, evaluated from an empty context.
     *
     * @param index 0-based chunk number
     * @param firstToken index in the text's tokens of the chunk's first token
     * @param negLogLikelihood sum over the chunk's scored tokens of {@code -ln p(token)}
     * @param tokensScored how many of the chunk's tokens were scored
     * @param runningPerplexity the estimate over this chunk and all before it (what llama.cpp prints
     *     as {@code [index+1]value})
     */
    public record Chunk(int index, int firstToken, double negLogLikelihood, int tokensScored,
            double runningPerplexity) {

        /**
         * Returns this chunk's perplexity on its own, without the chunks before it.
         *
         * @return the perplexity of this chunk alone
         */
        public double perplexity() {
            return StrictMath.exp(negLogLikelihood / tokensScored);
        }
    }
}

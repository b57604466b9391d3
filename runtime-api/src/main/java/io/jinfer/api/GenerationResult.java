package io.jinfer.api;

/**
 * The outcome of one generation.
 *
 * @param text the generated text (without a matched stop string)
 * @param tokens the generated token ids
 * @param finishReason why generation ended
 * @param promptTokens number of prompt tokens processed
 * @param prefillNanos time spent on the prompt
 * @param decodeNanos time spent generating after the first token's logits
 */
public record GenerationResult(
        String text, int[] tokens, FinishReason finishReason, int promptTokens, long prefillNanos, long decodeNanos) {

    /** Copies the token array. */
    public GenerationResult {
        tokens = tokens.clone();
    }

    /**
     * Returns a copy of the generated token ids, so callers cannot change the result.
     *
     * @return the generated token ids, in generation order
     */
    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    /**
     * Returns how many tokens were generated.
     *
     * @return number of generated tokens
     */
    public int generatedTokens() {
        return tokens.length;
    }

    /**
     * Returns the prefill speed: prompt tokens processed per second of prefill time.
     *
     * @return prompt tokens per second, or 0 when nothing was timed
     */
    public double prefillTokensPerSecond() {
        return prefillNanos <= 0 ? 0 : promptTokens * 1e9 / prefillNanos;
    }

    /**
     * Tokens per second after the first generated token (the first comes from the prefill's logits).
     *
     * @return decode tokens per second, or 0 when fewer than two tokens were generated
     */
    public double decodeTokensPerSecond() {
        return decodeNanos <= 0 || tokens.length < 2 ? 0 : (tokens.length - 1) * 1e9 / decodeNanos;
    }
}

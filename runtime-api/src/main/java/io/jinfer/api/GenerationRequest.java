package io.jinfer.api;

import java.util.List;

/**
 * One generation: a prompt (text or token ids), how to sample and when to stop.
 *
 * @param prompt prompt text, or {@code null} when {@code promptTokens} is given
 * @param promptTokens prompt token ids, or {@code null} when {@code prompt} is given
 * @param addSpecialTokens whether the tokenizer adds BOS/EOS to a text prompt
 * @param sampling sampling parameters
 * @param maxTokens the most tokens to generate
 * @param stopStrings generation ends when the text ends with one of these (it is not returned)
 * @param stopAtEndOfGeneration whether EOS/EOT tokens end generation
 */
public record GenerationRequest(
        String prompt,
        int[] promptTokens,
        boolean addSpecialTokens,
        SamplingParams sampling,
        int maxTokens,
        List<String> stopStrings,
        boolean stopAtEndOfGeneration) {

    /** Validates the request. */
    public GenerationRequest {
        if ((prompt == null) == (promptTokens == null)) {
            throw new IllegalArgumentException("give exactly one of prompt text or prompt tokens");
        }
        if (promptTokens != null) {
            promptTokens = promptTokens.clone();
        }
        if (sampling == null) {
            throw new IllegalArgumentException("sampling must not be null");
        }
        if (maxTokens < 0) {
            throw new IllegalArgumentException("maxTokens must be >= 0, got " + maxTokens);
        }
        stopStrings = List.copyOf(stopStrings == null ? List.of() : stopStrings);
        for (String s : stopStrings) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("stop strings must not be empty");
            }
        }
    }

    /**
     * Returns a copy of the prompt token ids, so callers cannot change the request.
     *
     * @return the prompt token ids, or {@code null} when the prompt is text
     */
    @Override
    public int[] promptTokens() {
        return promptTokens == null ? null : promptTokens.clone();
    }

    /**
     * Starts building a request whose prompt is text, tokenized by the model's tokenizer.
     *
     * @param prompt the prompt text
     * @return a builder for a request with this prompt
     */
    public static Builder builder(String prompt) {
        return new Builder(prompt, null);
    }

    /**
     * Starts building a request whose prompt is already tokenized.
     *
     * @param promptTokens the prompt token ids, used as they are
     * @return a builder for a request with these tokens
     */
    public static Builder builder(int[] promptTokens) {
        return new Builder(null, promptTokens);
    }

    /** Builder: greedy, 128 tokens, stop at end of generation. */
    public static final class Builder {
        private final String prompt;
        private final int[] tokens;
        private boolean addSpecial = true;
        private SamplingParams sampling = SamplingParams.GREEDY;
        private int maxTokens = 128;
        private List<String> stops = List.of();
        private boolean stopAtEog = true;

        private Builder(String prompt, int[] tokens) {
            this.prompt = prompt;
            this.tokens = tokens;
        }

        /**
         * Sets whether the tokenizer adds the model's BOS/EOS tokens to a text prompt (default
         * {@code true}); ignored for a token prompt.
         *
         * @param v {@code true} to add special tokens
         * @return this builder
         */
        public Builder addSpecialTokens(boolean v) { addSpecial = v; return this; }
        /**
         * Sets how tokens are chosen (default {@link SamplingParams#GREEDY}).
         *
         * @param v the sampling parameters; {@code null} makes {@link #build()} throw
         * @return this builder
         */
        public Builder sampling(SamplingParams v) { sampling = v; return this; }
        /**
         * Sets the most tokens to generate (default 128); generation may stop earlier at a stop string or
         * end-of-generation token.
         *
         * @param v the token limit, at least 0; a negative value makes {@link #build()} throw
         * @return this builder
         */
        public Builder maxTokens(int v) { maxTokens = v; return this; }
        /**
         * Sets the strings that end generation when the generated text ends with one of them; the matched
         * stop string is not part of the result.
         *
         * @param v the stop strings, none of them empty; {@code null} means none
         * @return this builder
         */
        public Builder stopStrings(List<String> v) { stops = v; return this; }
        /**
         * Sets whether an end-of-generation token (EOS, EOT) ends generation (default {@code true}).
         *
         * @param v {@code false} to keep generating past EOS/EOT until the token limit
         * @return this builder
         */
        public Builder stopAtEndOfGeneration(boolean v) { stopAtEog = v; return this; }

        /**
         * Builds and validates the request.
         *
         * @return the validated request
         * @throws IllegalArgumentException when a setting is out of range
         */
        public GenerationRequest build() {
            return new GenerationRequest(prompt, tokens, addSpecial, sampling, maxTokens, stops, stopAtEog);
        }
    }
}

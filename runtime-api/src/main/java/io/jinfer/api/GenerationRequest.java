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

    @Override
    public int[] promptTokens() {
        return promptTokens == null ? null : promptTokens.clone();
    }

    /**
     * @param prompt the prompt text
     * @return a builder for a request with this prompt
     */
    public static Builder builder(String prompt) {
        return new Builder(prompt, null);
    }

    /**
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

        /** @param v whether BOS/EOS are added to a text prompt @return this */
        public Builder addSpecialTokens(boolean v) { addSpecial = v; return this; }
        /** @param v sampling parameters @return this */
        public Builder sampling(SamplingParams v) { sampling = v; return this; }
        /** @param v most tokens to generate @return this */
        public Builder maxTokens(int v) { maxTokens = v; return this; }
        /** @param v stop strings @return this */
        public Builder stopStrings(List<String> v) { stops = v; return this; }
        /** @param v whether EOS/EOT end generation @return this */
        public Builder stopAtEndOfGeneration(boolean v) { stopAtEog = v; return this; }

        /** @return the validated request */
        public GenerationRequest build() {
            return new GenerationRequest(prompt, tokens, addSpecial, sampling, maxTokens, stops, stopAtEog);
        }
    }
}

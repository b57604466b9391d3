package io.jinfer.api;

/**
 * How the next token is chosen from the logits. Penalties apply first, then top-k, top-p and min-p
 * filter the candidates, then temperature scales them and one is drawn. A temperature of 0 is
 * greedy (argmax).
 *
 * @param temperature 0 for greedy; otherwise logits are divided by it
 * @param topK keep the k most likely tokens; 0 keeps all
 * @param topP keep the smallest set whose probability reaches p; 1 keeps all
 * @param minP drop tokens less likely than {@code minP} times the most likely; 0 keeps all
 * @param repetitionPenalty divide positive (multiply negative) logits of recent tokens; 1 is off
 * @param frequencyPenalty subtract {@code count * f} from each recent token's logit; 0 is off
 * @param presencePenalty subtract {@code p} from each token seen recently; 0 is off
 * @param penaltyWindow how many recent tokens the penalties look at
 * @param seed seed of the random generator; the same seed gives the same tokens
 */
public record SamplingParams(
        float temperature,
        int topK,
        float topP,
        float minP,
        float repetitionPenalty,
        float frequencyPenalty,
        float presencePenalty,
        int penaltyWindow,
        long seed) {

    /** Greedy decoding. */
    public static final SamplingParams GREEDY = builder().temperature(0).build();

    /** Checks every parameter and names the first one out of range. */
    public SamplingParams {
        require(Float.isFinite(temperature) && temperature >= 0, "temperature", temperature, ">= 0");
        require(topK >= 0, "topK", topK, ">= 0");
        require(topP > 0 && topP <= 1, "topP", topP, "in (0, 1]");
        require(minP >= 0 && minP <= 1, "minP", minP, "in [0, 1]");
        require(Float.isFinite(repetitionPenalty) && repetitionPenalty > 0, "repetitionPenalty", repetitionPenalty, "> 0");
        require(Float.isFinite(frequencyPenalty), "frequencyPenalty", frequencyPenalty, "finite");
        require(Float.isFinite(presencePenalty), "presencePenalty", presencePenalty, "finite");
        require(penaltyWindow >= 0, "penaltyWindow", penaltyWindow, ">= 0");
    }

    private static void require(boolean ok, String name, Object value, String rule) {
        if (!ok) {
            throw new IllegalArgumentException(name + " must be " + rule + ", got " + value);
        }
    }

    /**
     * Tells whether this samples greedily, i.e. always picks the most likely token.
     *
     * @return {@code true} when the temperature is 0
     */
    public boolean isGreedy() {
        return temperature == 0;
    }

    /**
     * Starts building sampling parameters from llama.cpp's defaults: temperature 0.8, top-k 40,
     * top-p 0.95, min-p 0.05, penalties off, a penalty window of 64 tokens and a fixed seed.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Builder with llama.cpp's defaults. */
    public static final class Builder {
        private float temperature = 0.8f;
        private int topK = 40;
        private float topP = 0.95f;
        private float minP = 0.05f;
        private float repetitionPenalty = 1f;
        private float frequencyPenalty = 0f;
        private float presencePenalty = 0f;
        private int penaltyWindow = 64;
        private long seed = 0xC0FFEEL;

        private Builder() {}

        /**
         * Sets the temperature that divides the logits; higher values flatten the distribution.
         *
         * @param v the temperature, finite and at least 0; 0 means greedy (argmax)
         * @return this builder
         */
        public Builder temperature(float v) { temperature = v; return this; }
        /**
         * Sets how many of the most likely tokens are kept before drawing.
         *
         * @param v the number of tokens kept, at least 0; 0 keeps all
         * @return this builder
         */
        public Builder topK(int v) { topK = v; return this; }
        /**
         * Sets the nucleus (top-p) threshold: the smallest set of tokens whose total probability reaches it
         * is kept.
         *
         * @param v the probability threshold, in (0, 1]; 1 keeps all
         * @return this builder
         */
        public Builder topP(float v) { topP = v; return this; }
        /**
         * Sets the min-p threshold: tokens less likely than this fraction of the most likely token are dropped.
         *
         * @param v the fraction, in [0, 1]; 0 keeps all
         * @return this builder
         */
        public Builder minP(float v) { minP = v; return this; }
        /**
         * Sets the repetition penalty: logits of recently seen tokens are divided by it when positive and
         * multiplied by it when negative.
         *
         * @param v the penalty, finite and greater than 0; 1 is off
         * @return this builder
         */
        public Builder repetitionPenalty(float v) { repetitionPenalty = v; return this; }
        /**
         * Sets the frequency penalty: each recent token's logit is lowered by this times its count in the
         * penalty window.
         *
         * @param v the penalty, finite; 0 is off
         * @return this builder
         */
        public Builder frequencyPenalty(float v) { frequencyPenalty = v; return this; }
        /**
         * Sets the presence penalty: the logit of every token seen in the penalty window is lowered by it once.
         *
         * @param v the penalty, finite; 0 is off
         * @return this builder
         */
        public Builder presencePenalty(float v) { presencePenalty = v; return this; }
        /**
         * Sets how many of the most recent tokens the penalties look at.
         *
         * @param v the window in tokens, at least 0
         * @return this builder
         */
        public Builder penaltyWindow(int v) { penaltyWindow = v; return this; }
        /**
         * Sets the seed of the random generator; the same seed and inputs give the same tokens.
         *
         * @param v the seed, any value
         * @return this builder
         */
        public Builder seed(long v) { seed = v; return this; }

        /**
         * Builds and validates the parameters.
         *
         * @return the sampling parameters
         * @throws IllegalArgumentException naming the first parameter out of range
         */
        public SamplingParams build() {
            return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, frequencyPenalty,
                    presencePenalty, penaltyWindow, seed);
        }
    }
}

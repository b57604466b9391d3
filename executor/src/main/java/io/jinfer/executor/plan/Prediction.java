package io.jinfer.executor.plan;

/**
 * Predicted speed and cost of a plan.
 *
 * @param prefillTokensPerSecond prompt tokens per second of one sequence
 * @param decodeTokensPerSecond generated tokens per second of all {@code batch} sequences together
 * @param decodeStepSeconds time of one decode step (one token for each sequence)
 * @param transferSecondsPerStep of which activation transfers at split boundaries
 * @param usdPerHour price of the devices
 */
public record Prediction(double prefillTokensPerSecond, double decodeTokensPerSecond, double decodeStepSeconds,
        double transferSecondsPerStep, double usdPerHour) {

    /**
     * Returns the cost of a million prompt tokens.
     *
     * @return USD per million prefill tokens
     */
    public double prefillUsdPerMillion() {
        return usdPerHour / 3600 / prefillTokensPerSecond * 1e6;
    }

    /**
     * Returns the cost of a million generated tokens.
     *
     * @return USD per million decode tokens
     */
    public double decodeUsdPerMillion() {
        return usdPerHour / 3600 / decodeTokensPerSecond * 1e6;
    }
}

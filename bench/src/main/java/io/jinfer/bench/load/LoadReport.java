package io.jinfer.bench.load;

import java.util.Map;

/**
 * What a load run measured. Latencies are in milliseconds; percentiles are nearest-rank.
 *
 * @param concurrency clients that streamed at once
 * @param sent requests sent
 * @param completed requests answered 200 whose stream ended with {@code [DONE]}
 * @param errors failed requests by HTTP status, or by {@code "io"} / {@code "stream"} for broken
 *     connections and streams that ended without {@code [DONE]}
 * @param tokens content chunks received over all completed streams (one per generated token)
 * @param seconds wall time of the run
 * @param ttftP50 time to first token, median
 * @param ttftP99 time to first token, 99th percentile
 * @param interTokenP50 gap between consecutive chunks of a stream, median
 * @param latencyP50 whole request, median
 * @param latencyP99 whole request, 99th percentile
 * @param serverRssKiB server resident memory sampled at 0 %, 25 %, 50 %, 75 % and 100 % of the
 *     requests (empty when no server process was given)
 * @param errorExamples the first message seen for each key of {@code errors}, to tell a refused
 *     connection from a reset one or a stream cut short
 */
public record LoadReport(int concurrency, int sent, int completed, Map<String, Integer> errors, long tokens,
        double seconds, double ttftP50, double ttftP99, double interTokenP50, double latencyP50, double latencyP99,
        long[] serverRssKiB, Map<String, String> errorExamples) {

    /**
     * Returns the aggregate generation throughput.
     *
     * @return tokens per second over all streams
     */
    public double tokensPerSecond() {
        return seconds <= 0 ? 0 : tokens / seconds;
    }

    /**
     * Formats the report as one human-readable block.
     *
     * @return the text
     */
    public String format() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("concurrency %d: %d sent, %d completed, errors %s%n", concurrency, sent, completed,
                errors.isEmpty() ? "none" : errors));
        sb.append(String.format("  %.1f tokens/s aggregate (%d tokens in %.1f s), %.2f requests/s%n",
                tokensPerSecond(), tokens, seconds, seconds <= 0 ? 0 : completed / seconds));
        sb.append(String.format("  time to first token p50 %.0f ms, p99 %.0f ms; inter-token p50 %.1f ms%n",
                ttftP50, ttftP99, interTokenP50));
        sb.append(String.format("  request latency p50 %.0f ms, p99 %.0f ms%n", latencyP50, latencyP99));
        errorExamples.forEach((k, m) -> sb.append(String.format("  first %s error: %s%n", k, m)));
        if (serverRssKiB.length > 0) {
            sb.append("  server RSS MiB at 0/25/50/75/100 %:");
            for (long kib : serverRssKiB) {
                sb.append(String.format(" %.0f", kib / 1024.0));
            }
            sb.append(System.lineSeparator());
        }
        return sb.toString();
    }
}

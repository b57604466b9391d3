package io.jinfer.bench.load;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;

/**
 * What the load tool sends. It only ever talks to the local machine and always stops: requests and
 * time are both bounded.
 *
 * @param baseUrl the server, e.g. {@code http://127.0.0.1:8080} (loopback addresses only)
 * @param concurrency how many clients stream at once
 * @param requests how many requests to send in total
 * @param maxTokens {@code max_tokens} of each request
 * @param timeLimit the run stops starting requests after this long
 * @param prompt the user message (each request appends its number so prompts differ)
 * @param model the {@code model} field
 * @param apiKey sent as a bearer token when not null
 * @param serverPid process whose resident memory is sampled while the load runs, or 0 for none
 */
public record LoadOptions(URI baseUrl, int concurrency, int requests, int maxTokens, Duration timeLimit,
        String prompt, String model, String apiKey, long serverPid) {

    /** Upper bound on {@link #requests()}. */
    public static final int MAX_REQUESTS = 1_000_000;
    /** Upper bound on {@link #timeLimit()}. */
    public static final Duration MAX_TIME = Duration.ofHours(1);

    /** Rejects remote hosts and unbounded or absurd runs with a message naming the parameter. */
    public LoadOptions {
        if (baseUrl == null || baseUrl.getHost() == null || !"http".equals(baseUrl.getScheme())) {
            throw new IllegalArgumentException("--url must be an http:// URL with a host, got " + baseUrl);
        }
        if (!isLoopback(baseUrl.getHost())) {
            throw new IllegalArgumentException("--url must point at this machine (loopback), got " + baseUrl.getHost());
        }
        if (concurrency < 1 || concurrency > 1024) {
            throw new IllegalArgumentException("--concurrency must be in [1, 1024], got " + concurrency);
        }
        if (requests < 1 || requests > MAX_REQUESTS) {
            throw new IllegalArgumentException("--requests must be in [1, " + MAX_REQUESTS + "], got " + requests);
        }
        if (maxTokens < 1 || maxTokens > 100_000) {
            throw new IllegalArgumentException("--max-tokens must be in [1, 100000], got " + maxTokens);
        }
        if (timeLimit == null || timeLimit.isNegative() || timeLimit.isZero() || timeLimit.compareTo(MAX_TIME) > 0) {
            throw new IllegalArgumentException("--time-limit-s must be in (0, 3600], got " + timeLimit);
        }
        if (prompt == null || prompt.isEmpty()) {
            throw new IllegalArgumentException("--prompt must not be empty");
        }
        if (model == null || model.isEmpty()) {
            throw new IllegalArgumentException("--model must not be empty");
        }
        if (serverPid < 0) {
            throw new IllegalArgumentException("--server-pid must be >= 0, got " + serverPid);
        }
    }

    private static boolean isLoopback(String host) {
        try {
            for (InetAddress a : InetAddress.getAllByName(host)) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}

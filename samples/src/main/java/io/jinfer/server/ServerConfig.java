package io.jinfer.server;

/**
 * How the server listens and what it accepts.
 *
 * @param host the address to bind, e.g. {@code 127.0.0.1}
 * @param port the port, 0 for any free one
 * @param apiKey the key clients must send as {@code Authorization: Bearer KEY}, or {@code null} for none
 * @param modelId the id clients name the model by (in {@code model} fields and {@code /v1/models})
 * @param maxBodyBytes the largest request body accepted; larger ones get 413
 * @param retryAfterSeconds the {@code Retry-After} a 429 suggests
 */
public record ServerConfig(String host, int port, String apiKey, String modelId, long maxBodyBytes,
        int retryAfterSeconds) {

    /** The default body limit: 8 MiB, far above any prompt a 4096-token context holds. */
    public static final long DEFAULT_MAX_BODY = 8L << 20;

    /** Checks every value. */
    public ServerConfig {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host must not be blank");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
        }
        if (apiKey != null && apiKey.isBlank()) {
            throw new IllegalArgumentException("an API key must not be blank");
        }
        if (modelId == null || modelId.isBlank()) {
            throw new IllegalArgumentException("modelId must not be blank");
        }
        if (maxBodyBytes < 1) {
            throw new IllegalArgumentException("maxBodyBytes must be >= 1, got " + maxBodyBytes);
        }
        if (retryAfterSeconds < 0) {
            throw new IllegalArgumentException("retryAfterSeconds must be >= 0, got " + retryAfterSeconds);
        }
    }

    /**
     * Returns a loopback configuration on a free port, no key, the default limits.
     *
     * @param modelId the id of the served model
     * @return the configuration
     */
    public static ServerConfig loopback(String modelId) {
        return new ServerConfig("127.0.0.1", 0, null, modelId, DEFAULT_MAX_BODY, 1);
    }

    /**
     * Returns a copy with another API key.
     *
     * @param key the key, or {@code null} for none
     * @return the new configuration
     */
    public ServerConfig withApiKey(String key) {
        return new ServerConfig(host, port, key, modelId, maxBodyBytes, retryAfterSeconds);
    }

    /**
     * Returns a copy with another body limit.
     *
     * @param bytes the largest body accepted
     * @return the new configuration
     */
    public ServerConfig withMaxBodyBytes(long bytes) {
        return new ServerConfig(host, port, apiKey, modelId, bytes, retryAfterSeconds);
    }
}

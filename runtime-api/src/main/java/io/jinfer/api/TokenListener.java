package io.jinfer.api;

/** Receives generated tokens as they are produced. */
@FunctionalInterface
public interface TokenListener {
    /** A listener that ignores every token. */
    TokenListener NONE = (token, text) -> true;

    /**
     * Called once per generated token, on the generating thread.
     *
     * @param token the token id
     * @param text the text that became complete with this token (may be empty while a multi-byte
     *     character is still incomplete)
     * @return {@code true} to continue, {@code false} to stop generation after this token
     */
    boolean onToken(int token, String text);
}

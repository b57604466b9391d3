package io.jinfer.api;

/** Base class of every exception jinfer throws on purpose. */
public class JinferException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what went wrong, in words a user can act on */
    public JinferException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong
     * @param cause the underlying failure
     */
    public JinferException(String message, Throwable cause) {
        super(message, cause);
    }
}

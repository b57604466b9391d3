package io.jinfer.api;

/** Base class of every exception jinfer throws on purpose. */
public class JinferException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message only.
     *
     * @param message what went wrong, in words a user can act on
     */
    public JinferException(String message) {
        super(message);
    }

    /**
     * Creates an exception that wraps a lower-level failure, such as an I/O error.
     *
     * @param message what went wrong
     * @param cause the underlying failure
     */
    public JinferException(String message, Throwable cause) {
        super(message, cause);
    }
}

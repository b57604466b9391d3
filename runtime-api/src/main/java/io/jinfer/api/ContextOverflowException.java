package io.jinfer.api;

/** A request needs more positions than the session's context holds. */
public final class ContextOverflowException extends JinferException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception with a message giving both position counts.
     *
     * @param needed positions the request needs
     * @param capacity positions the context holds
     */
    public ContextOverflowException(long needed, long capacity) {
        super("request needs " + needed + " positions but the context holds " + capacity);
    }
}

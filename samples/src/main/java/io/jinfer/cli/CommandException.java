package io.jinfer.cli;

/** A command failed for a reason the user can act on (missing file, unreadable input): exit code 1. */
public final class CommandException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception whose message is shown to the user.
     *
     * @param message one line that says what went wrong
     */
    public CommandException(String message) {
        super(message);
    }

    /**
     * Creates an exception that wraps a lower-level failure, such as an I/O error.
     *
     * @param message one line that says what went wrong
     * @param cause the underlying failure, shown with {@code --verbose}
     */
    public CommandException(String message, Throwable cause) {
        super(message, cause);
    }
}

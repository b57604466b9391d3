package io.jinfer.cli;

/** A command failed for a reason the user can act on (missing file, unreadable input): exit code 1. */
public final class CommandException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message one line that says what went wrong */
    public CommandException(String message) {
        super(message);
    }

    /**
     * @param message one line that says what went wrong
     * @param cause the underlying failure, shown with {@code --verbose}
     */
    public CommandException(String message, Throwable cause) {
        super(message, cause);
    }
}

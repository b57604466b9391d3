package io.jinfer.cli;

/** The command line is wrong (unknown option, bad value, missing argument): exit code 2. */
public final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception whose message is shown to the user, followed by the command's usage.
     *
     * @param message what is wrong, naming the option
     */
    public UsageException(String message) {
        super(message);
    }
}

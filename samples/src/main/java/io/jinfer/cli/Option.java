package io.jinfer.cli;

/**
 * One command-line option a command accepts.
 *
 * @param name the option as typed, e.g. {@code --model} or {@code -n}
 * @param valueName the placeholder of its value in the usage text, or {@code null} for a flag
 * @param help one line for the usage text
 */
public record Option(String name, String valueName, String help) {

    /** Checks the name. */
    public Option {
        if (name == null || !name.startsWith("-")) {
            throw new IllegalArgumentException("option names start with '-': " + name);
        }
    }

    /**
     * Declares an option that takes a value, e.g. {@code --model FILE}.
     *
     * @param name the option
     * @param valueName placeholder of its value
     * @param help one line of help
     * @return an option that takes a value
     */
    public static Option value(String name, String valueName, String help) {
        return new Option(name, valueName, help);
    }

    /**
     * Declares a flag, an option without a value, e.g. {@code --verbose}.
     *
     * @param name the option
     * @param help one line of help
     * @return an option without a value
     */
    public static Option flag(String name, String help) {
        return new Option(name, null, help);
    }

    /**
     * Tells whether the option is followed by a value on the command line.
     *
     * @return whether the option takes a value
     */
    public boolean takesValue() {
        return valueName != null;
    }
}

package io.jinfer.cli;

import java.io.PrintStream;
import java.util.List;

/** One sub-command of {@code jinfer}. */
public interface Command {

    /**
     * Returns the sub-command's name, as typed after {@code jinfer}.
     *
     * @return the name typed after {@code jinfer}, e.g. {@code run}
     */
    String name();

    /**
     * Returns the arguments part of the usage line.
     *
     * @return the arguments in the synopsis line, e.g. {@code --model FILE [-n N]}
     */
    String synopsis();

    /**
     * Returns a one-line summary, shown in the usage text and the list of commands.
     *
     * @return one line that says what the command does
     */
    String summary();

    /**
     * Returns the options the command accepts; any other option is a usage error.
     *
     * @return the options the command accepts, in the order of the usage text
     */
    List<Option> options();

    /**
     * Runs the command.
     *
     * @param args the parsed arguments
     * @param out standard output: the command's result
     * @param err standard error: progress, timings and diagnostics
     * @return the exit code (0 on success)
     * @throws UsageException when an argument is wrong
     * @throws CommandException when the command fails for a reason the user can act on
     */
    int execute(Args args, PrintStream out, PrintStream err);

    /**
     * Builds the usage text printed for {@code --help} and after a usage error.
     *
     * @return the usage text: synopsis, summary and one line per option
     */
    default String usage() {
        StringBuilder sb = new StringBuilder();
        sb.append("usage: jinfer ").append(name()).append(' ').append(synopsis()).append('\n');
        sb.append(summary()).append("\n\noptions:\n");
        int width = 0;
        for (Option o : options()) {
            width = Math.max(width, label(o).length());
        }
        width = Math.max(width, label(Args.VERBOSE).length());
        for (Option o : options()) {
            sb.append(String.format("  %-" + width + "s  %s%n", label(o), o.help()));
        }
        sb.append(String.format("  %-" + width + "s  %s%n", label(Args.VERBOSE), Args.VERBOSE.help()));
        sb.append(String.format("  %-" + width + "s  %s%n", label(Args.HELP), Args.HELP.help()));
        return sb.toString();
    }

    private static String label(Option o) {
        return o.takesValue() ? o.name() + " " + o.valueName() : o.name();
    }
}

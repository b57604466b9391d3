package io.jinfer.cli;

import io.jinfer.api.JinferException;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code jinfer} command line: {@code run}, {@code inspect}, {@code tokenize}, {@code logits},
 * {@code bench}, {@code perplexity}, {@code quantize} and {@code serve}. Exit codes: 0 success, 1 the command
 * failed (bad model file, missing file), 2 bad arguments.
 */
public final class Main {
    /** Exit code of a failed command. */
    public static final int EXIT_FAILURE = 1;
    /** Exit code of a bad command line. */
    public static final int EXIT_USAGE = 2;

    private static final List<Command> COMMANDS = List.of(
            new RunCommand(), new InspectCommand(), new TokenizeCommand(), new LogitsCommand(), new BenchCommand(),
            new PerplexityCommand(), new QuantizeCommand(), new ServeCommand(), new PlanCommand());

    private Main() {}

    /**
     * Runs jinfer with standard output and error in UTF-8 and exits with its exit code.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        // Buffered, flushed explicitly: generated text is flushed per token, big JSON is not slowed down.
        PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16),
                false, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        int code = run(args, out, err);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /**
     * Runs one command line without exiting: the entry point for tests and embedding.
     *
     * @param args the command line, command name first
     * @param out where results go
     * @param err where progress, timings and errors go
     * @return the exit code
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        boolean verbose = Arrays.asList(args).contains(Args.VERBOSE.name());
        if (args.length == 0) {
            err.print(usage());
            return EXIT_USAGE;
        }
        String name = args[0];
        if (name.equals("--help") || name.equals("-h") || name.equals("help")) {
            if (args.length > 1 && find(args[1]) != null) {
                out.print(find(args[1]).usage());
            } else {
                out.print(usage());
            }
            out.flush();
            return 0;
        }
        Command command = find(name);
        if (command == null) {
            err.println("jinfer: unknown command '" + name + "'");
            err.print(usage());
            return EXIT_USAGE;
        }
        try {
            Args parsed = Args.parse(Arrays.asList(args).subList(1, args.length), command.options());
            if (parsed.has(Args.HELP.name())) {
                out.print(command.usage());
                return 0;
            }
            return command.execute(parsed, out, err);
        } catch (UsageException e) {
            err.println("jinfer " + name + ": " + e.getMessage());
            err.print(command.usage());
            return EXIT_USAGE;
        } catch (CommandException | JinferException e) {
            return fail(err, e.getMessage(), e, verbose);
        } catch (UncheckedIOException e) {
            return fail(err, describe(e.getCause()), e, verbose);
        } catch (RuntimeException e) {
            return fail(err, "internal error: " + e, e, verbose);
        } finally {
            out.flush();
            err.flush();
        }
    }

    private static int fail(PrintStream err, String message, Throwable e, boolean verbose) {
        err.println("jinfer: " + message);
        if (verbose) {
            e.printStackTrace(err);
        }
        return EXIT_FAILURE;
    }

    /**
     * @param e an I/O failure
     * @return one line that names the file and the problem
     */
    static String describe(IOException e) {
        return switch (e) {
            case java.nio.file.NoSuchFileException n -> "file not found: " + n.getFile();
            case java.nio.file.AccessDeniedException a -> "permission denied: " + a.getFile();
            case java.nio.charset.CharacterCodingException c -> "the file is not valid UTF-8 text";
            default -> e.getMessage() == null ? e.toString() : e.getMessage();
        };
    }

    private static Command find(String name) {
        for (Command c : COMMANDS) {
            if (c.name().equals(name)) {
                return c;
            }
        }
        return null;
    }

    /** @return the general usage text listing every command */
    static String usage() {
        StringBuilder sb = new StringBuilder("usage: jinfer <command> [options]\n\ncommands:\n");
        for (Command c : COMMANDS) {
            sb.append(String.format("  %-9s %s%n", c.name(), c.summary()));
        }
        sb.append("\nRun 'jinfer <command> --help' for the options of a command.\n");
        return sb.toString();
    }
}

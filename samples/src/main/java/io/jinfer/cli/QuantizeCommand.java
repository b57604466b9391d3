package io.jinfer.cli;

import io.jinfer.api.QuantFormat;
import io.jinfer.loader.quant.ModelQuantizer;
import io.jinfer.loader.quant.ModelQuantizerOptions;
import io.jinfer.loader.quant.QuantMix;
import io.jinfer.loader.quant.ModelQuantizerReport;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code jinfer quantize}: converts an F32, F16 or BF16 GGUF model to another format as
 * {@code llama-quantize --pure} does (see {@link ModelQuantizer}), with a progress line per tensor on
 * standard error and the conversion error per tensor kind as a table on standard output. Ctrl-C
 * stops the run and removes the partly written temporary file; the output appears only when complete.
 */
public final class QuantizeCommand implements Command {
    /** How long Ctrl-C waits for the temporary file to be removed before the JVM exits anyway. */
    private static final long CLEANUP_SECONDS = 10;
    /** Exit code when the JVM is stopped mid-way (128 + SIGINT, as shells report Ctrl-C). */
    static final int EXIT_STOPPED = 130;

    private final boolean terminal;

    /** A command that redraws its progress line in place when standard error is a terminal. */
    public QuantizeCommand() {
        this(QuantizeProgress.stderrIsTerminal());
    }

    /** @param terminal whether to redraw the progress line in place instead of printing a line per tensor */
    QuantizeCommand(boolean terminal) {
        this.terminal = terminal;
    }

    /**
     * What {@code quantize} was asked to do.
     *
     * @param input the model to read
     * @param output the file to write
     * @param type the target format
     * @param threads worker threads
     * @param mix the llama.cpp mix asked for (its base format is {@code type}), or null
     */
    public record Settings(Path input, Path output, QuantFormat type, int threads, QuantMix mix) {

        /**
         * Checks the arguments of {@code jinfer quantize} and turns them into settings.
         *
         * @param args the parsed arguments
         * @return the settings, checked
         * @throws UsageException naming the first bad argument
         */
        public static Settings parse(Args args) {
            args.expectPositionals(2, "IN and OUT (the model to read and the file to write)");
            String type = args.string("--type");
            if (type == null) {
                throw new UsageException("--type is required: one of " + String.join(", ", ModelQuantizer.targetNames()));
            }
            QuantMix mix = QuantMix.parse(type).orElse(null);
            QuantFormat format;
            try {
                format = mix != null ? mix.base() : ModelQuantizer.parseTarget(type);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--type: " + e.getMessage() + ", or a mix: " + mixNames());
            }
            List<String> p = args.positionals();
            for (String file : p) {
                if (file.isEmpty()) {
                    throw new UsageException("expected file names for IN and OUT, got an empty one");
                }
            }
            return new Settings(Path.of(p.get(0)), Path.of(p.get(1)), format, Threads.parse(args), mix);
        }
    }

    private static String mixNames() {
        return String.join(", ", java.util.Arrays.stream(QuantMix.values()).map(QuantMix::cliName).toList());
    }

    @Override
    public String name() {
        return "quantize";
    }

    @Override
    public String synopsis() {
        return "IN OUT --type T [--threads N]";
    }

    @Override
    public String summary() {
        return "Convert an F32/F16/BF16 GGUF model to another format or llama.cpp mix, as llama-quantize does.";
    }

    @Override
    public List<Option> options() {
        return List.of(
                Option.value("--type", "T", "format of the weight matrices: " + String.join(", ",
                        ModelQuantizer.targetNames()) + "; or llama.cpp's mixes: " + mixNames()),
                Threads.OPTION);
    }

    @Override
    public int execute(Args args, PrintStream out, PrintStream err) {
        Settings s = Settings.parse(args);
        String type = s.mix() != null ? s.mix().cliName() : ModelQuantizer.targetName(s.type());
        err.printf(Locale.ROOT, "quantize: %s -> %s as %s, %d threads%n", s.input(), s.output(), type, s.threads());
        QuantizeProgress progress = new QuantizeProgress(err, terminal);
        ModelQuantizer quantizer = new ModelQuantizer((s.mix() != null ? ModelQuantizerOptions.builder(s.mix())
                : ModelQuantizerOptions.builder(s.type()))
                .threads(s.threads())
                .listener(progress)
                .build());
        try (StopOnShutdown stop = new StopOnShutdown(Thread.currentThread())) {
            ModelQuantizerReport report;
            try {
                report = quantizer.quantize(s.input(), s.output());
            } catch (RuntimeException e) {
                progress.endLine();
                if (!stop.stopping()) {
                    throw e;
                }
                // Said here, before the shutdown hook lets the JVM exit, instead of by Main.
                err.println("jinfer: " + e.getMessage());
                err.flush();
                return EXIT_STOPPED;
            }
            progress.endLine();
            for (ModelQuantizerReport.TensorStats t : report.fallbacks()) {
                err.printf(Locale.ROOT, "jinfer: warning: %s has rows of %d values, not a whole number of %s "
                        + "blocks; written as %s%n", t.name(), t.shape()[0], type,
                        ModelQuantizer.targetName(t.format()));
            }
            QuantizeReportTable.print(out, report);
            out.flush();
            return 0;
        }
    }

    /**
     * While open, a JVM shutdown (Ctrl-C, SIGTERM) interrupts the quantising thread and waits until
     * this is closed, so that the library can delete its temporary file and the command can say
     * why it stopped before the JVM exits.
     */
    private static final class StopOnShutdown implements AutoCloseable {
        private final CountDownLatch finished = new CountDownLatch(1);
        private final AtomicBoolean stopping = new AtomicBoolean();
        private final Thread hook;

        StopOnShutdown(Thread worker) {
            hook = new Thread(() -> {
                stopping.set(true);
                worker.interrupt();
                try {
                    finished.await(CLEANUP_SECONDS, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "jinfer-quantize-stop");
            Runtime.getRuntime().addShutdownHook(hook);
        }

        /** @return whether the JVM is shutting down and has interrupted the work */
        boolean stopping() {
            return stopping.get();
        }

        @Override
        public void close() {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running and now returns.
            }
        }
    }
}

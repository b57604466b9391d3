package io.jinfer.cli;

import io.jinfer.api.QuantFormat;
import io.jinfer.loader.quant.ModelOptExporter;
import io.jinfer.loader.quant.ModelOptOptions;
import io.jinfer.loader.quant.ModelQuantizer;
import io.jinfer.loader.quant.ModelQuantizerOptions;
import io.jinfer.loader.quant.ModelQuantizerReport;
import io.jinfer.loader.quant.QuantMix;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code jinfer quantize}: converts an F32, F16 or BF16 model, a GGUF file or a Hugging Face
 * safetensors directory, either to a GGUF file of another format as {@code llama-quantize --pure}
 * does (see {@link ModelQuantizer}; a directory is converted as llama.cpp's
 * {@code convert_hf_to_gguf.py} does on the way) or to an FP8 or NVFP4 checkpoint directory in
 * NVIDIA ModelOpt's layout (see {@link ModelOptExporter}): {@code --type fp8}, or {@code --type nvfp4}
 * with an OUT that does not end in {@code .gguf}. A progress line per tensor goes to standard error,
 * the conversion error per tensor kind as a table to standard output. Ctrl-C stops the run and
 * removes the partly written temporary file or directory; the output appears only when complete.
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
     * @param output the file (GGUF) or directory (ModelOpt) to write
     * @param type the target format of a GGUF output; null for a ModelOpt checkpoint
     * @param modelOpt the ModelOpt algorithm, or null for a GGUF output
     * @param granularity what one FP8 weight scale covers
     * @param threads worker threads
     * @param mix the llama.cpp mix asked for (its base format is {@code type}), or null
     */
    public record Settings(Path input, Path output, QuantFormat type, ModelOptOptions.Algorithm modelOpt,
            ModelOptOptions.Granularity granularity, int threads, QuantMix mix) {

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
                throw new UsageException("--type is required: one of " + typeList());
            }
            List<String> p = args.positionals();
            for (String file : p) {
                if (file.isEmpty()) {
                    throw new UsageException("expected file names for IN and OUT, got an empty one");
                }
            }
            String lower = type.toLowerCase(Locale.ROOT);
            boolean ggufOut = p.get(1).toLowerCase(Locale.ROOT).endsWith(".gguf");
            ModelOptOptions.Algorithm modelOpt = lower.equals("fp8") ? ModelOptOptions.Algorithm.FP8
                    : lower.equals("nvfp4") && !ggufOut ? ModelOptOptions.Algorithm.NVFP4 : null;
            if (modelOpt == ModelOptOptions.Algorithm.FP8 && ggufOut) {
                throw new UsageException("--type fp8 writes a ModelOpt safetensors directory; give OUT a name "
                        + "that does not end in .gguf");
            }
            String g = args.choice("--granularity", "tensor", List.of("tensor", "channel"));
            if (args.has("--granularity") && modelOpt != ModelOptOptions.Algorithm.FP8) {
                throw new UsageException("--granularity applies to --type fp8 only");
            }
            ModelOptOptions.Granularity granularity = g.equals("channel") ? ModelOptOptions.Granularity.CHANNEL
                    : ModelOptOptions.Granularity.TENSOR;
            QuantFormat format = null;
            QuantMix mix = QuantMix.parse(type).orElse(null);
            if (modelOpt == null) {
                try {
                    format = mix != null ? mix.base() : ModelQuantizer.parseTarget(type);
                } catch (IllegalArgumentException e) {
                    throw new UsageException("--type: " + e.getMessage() + ", a mix (" + mixNames()
                            + ") or fp8 (ModelOpt safetensors)");
                }
            }
            return new Settings(Path.of(p.get(0)), Path.of(p.get(1)), format, modelOpt, granularity,
                    Threads.parse(args), mix);
        }

        /** @return what the command writes, for its first line */
        String describe() {
            return modelOpt == null ? (mix != null ? mix.cliName() : ModelQuantizer.targetName(type)) + " GGUF"
                    : "ModelOpt " + modelOpt + (modelOpt == ModelOptOptions.Algorithm.FP8
                            ? " (" + granularity.name().toLowerCase(Locale.ROOT) + " scales)" : "") + " safetensors";
        }
    }

    private static String typeList() {
        return String.join(", ", ModelQuantizer.targetNames()) + " or llama.cpp's mixes " + mixNames()
                + " (GGUF); fp8, nvfp4 (ModelOpt safetensors directory when OUT does not end in .gguf)";
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
        return "Convert an F32/F16/BF16 GGUF model or Hugging Face directory to a GGUF format (as llama-quantize "
                + "--pure does) or to a ModelOpt FP8/NVFP4 safetensors checkpoint.";
    }

    @Override
    public List<Option> options() {
        return List.of(
                Option.value("--type", "T", "format of the weight matrices: " + typeList()),
                Option.value("--granularity", "G", "FP8 weight scales per tensor (default) or per output channel: "
                        + "tensor, channel"),
                Threads.OPTION);
    }

    @Override
    public int execute(Args args, PrintStream out, PrintStream err) {
        Settings s = Settings.parse(args);
        String type = s.type() == null ? s.modelOpt().name().toLowerCase(Locale.ROOT) : ModelQuantizer.targetName(s.type());
        err.printf(Locale.ROOT, "quantize: %s -> %s as %s, %d threads%n", s.input(), s.output(), s.describe(),
                s.threads());
        QuantizeProgress progress = new QuantizeProgress(err, terminal);
        try (StopOnShutdown stop = new StopOnShutdown(Thread.currentThread())) {
            ModelQuantizerReport report;
            try {
                if (s.modelOpt() != null) {
                    report = new ModelOptExporter(ModelOptOptions.of(s.modelOpt()).withGranularity(s.granularity())
                            .withListener(progress)).export(s.input(), s.output());
                } else {
                    report = new ModelQuantizer((s.mix() != null ? ModelQuantizerOptions.builder(s.mix())
                            : ModelQuantizerOptions.builder(s.type()))
                            .threads(s.threads())
                            .listener(progress)
                            .build()).quantize(s.input(), s.output());
                }
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

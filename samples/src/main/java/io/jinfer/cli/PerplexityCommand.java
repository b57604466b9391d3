package io.jinfer.cli;

import io.jinfer.api.Model;
import io.jinfer.api.Runtime;
import io.jinfer.executor.Perplexity;
import io.jinfer.executor.PerplexityResult;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code jinfer perplexity}: the perplexity of a model on a text file, computed and printed as
 * llama.cpp's {@code llama-perplexity} does (see {@link Perplexity}): the running estimate after each
 * chunk as {@code [1]12.3456,[2]...} on one line, then {@code Final estimate: PPL = X +/- Y}.
 */
public final class PerplexityCommand implements Command {
    /** Creates the command; it keeps no state between runs. */
    public PerplexityCommand() {}

    /** Largest {@code --ctx} accepted on the command line (the session checks its own limit too). */
    static final int MAX_CONTEXT = 1 << 20;

    /**
     * What {@code perplexity} was asked to do.
     *
     * @param model the model file
     * @param file the text file
     * @param contextLength tokens per chunk, or 0 for llama.cpp's default (512, or the model's trained
     *     context when smaller)
     * @param threads worker threads
     * @param chunks the most chunks to evaluate, or {@link Perplexity#ALL_CHUNKS}
     */
    public record Settings(Path model, Path file, int contextLength, int threads, int chunks) {

        /**
         * Checks the options of {@code jinfer perplexity} and turns them into settings.
         *
         * @param args the parsed arguments
         * @return the settings, checked
         * @throws UsageException naming the first bad option
         */
        public static Settings parse(Args args) {
            args.expectPositionals(0, "no arguments");
            Path model = args.path("--model");
            if (model == null) {
                throw new UsageException("--model is required");
            }
            Path file = args.path("--file");
            if (file == null) {
                throw new UsageException("--file is required (the text to score)");
            }
            return new Settings(model, file,
                    args.intValue("--ctx", 0, Perplexity.MIN_CONTEXT, MAX_CONTEXT),
                    Threads.parse(args),
                    args.intValue("--chunks", Perplexity.ALL_CHUNKS, 1, Integer.MAX_VALUE));
        }
    }

    @Override
    public String name() {
        return "perplexity";
    }

    @Override
    public String synopsis() {
        return "--model FILE --file TEXT [--ctx N] [--threads N] [--chunks K]";
    }

    @Override
    public String summary() {
        return "Perplexity of a model on a text file, computed as llama.cpp's llama-perplexity does.";
    }

    @Override
    public List<Option> options() {
        return List.of(
                Option.value("--model", "FILE", "GGUF model"),
                Option.value("--file", "TEXT", "UTF-8 text file to score (one final newline is dropped, as "
                        + "llama.cpp does); it must give at least 2 * ctx tokens"),
                Option.value("--ctx", "N", "tokens per chunk; the second half of each is scored (default "
                        + Perplexity.DEFAULT_CONTEXT + ", or the model's trained context when smaller)"),
                Threads.OPTION,
                Option.value("--chunks", "K", "evaluate at most K chunks (default: every whole chunk of the text)"));
    }

    @Override
    public int execute(Args args, PrintStream out, PrintStream err) {
        Settings s = Settings.parse(args);
        ModelSource source = ModelSource.file(s.model());
        String text = readText(s.file());
        try (Runtime runtime = Runtime.builder().threads(s.threads()).build();
                Model model = runtime.loadModel(source.path())) {
            int ctx = s.contextLength() > 0 ? s.contextLength() : Perplexity.defaultContextLength(model);
            if (ctx > model.trainedContextLength()) {
                err.printf(Locale.ROOT, "jinfer: warning: the model was trained on only %d context tokens (%d asked)%n",
                        model.trainedContextLength(), ctx);
            }
            int bos = bosPerChunk(model);
            int[] tokens = Perplexity.tokenize(model, text);
            if (tokens.length < 2L * ctx) {
                throw new CommandException("--file " + s.file() + ": "
                        + new Perplexity.TextTooShortException(tokens.length, ctx).getMessage());
            }
            int chunks = Perplexity.chunkCount(tokens.length, ctx, s.chunks());
            err.printf(Locale.ROOT, "perplexity: %d tokens, %d chunks of %d (scoring the last %d tokens of each)%n",
                    tokens.length, chunks, ctx, ctx - ctx / 2 - 1);
            long t0 = System.nanoTime();
            PerplexityResult r;
            try {
                r = Perplexity.compute(model, tokens, bos, ctx, s.chunks(), (chunk, total) -> {
                    if (chunk.index() == 0) {
                        double seconds = (System.nanoTime() - t0) / 1e9;
                        err.printf(Locale.ROOT, "perplexity: %.2f seconds per pass - ETA %.2f minutes%n",
                                seconds, seconds * total / 60);
                    }
                    out.printf(Locale.ROOT, "[%d]%.4f,", chunk.index() + 1, chunk.runningPerplexity());
                    out.flush();
                });
            } catch (IllegalArgumentException e) {
                // e.g. a context larger than a session can hold
                throw new CommandException(e.getMessage(), e);
            }
            out.println();
            out.println(finalLine(r));
            err.printf(Locale.ROOT, "perplexity: %d tokens scored in %.2f s%n", r.tokensScored(),
                    (System.nanoTime() - t0) / 1e9);
        }
        out.flush();
        return 0;
    }

    /** @return the BOS id each chunk starts with, or -1 when the vocabulary adds no BOS */
    private static int bosPerChunk(Model model) {
        try {
            return Perplexity.addsBos(model.tokenizer()) ? model.tokenizer().bosToken() : -1;
        } catch (IllegalArgumentException e) {
            throw new CommandException(model.name() + ": " + e.getMessage(), e);
        }
    }

    /**
     * @param r a finished run
     * @return llama.cpp's last line, {@code Final estimate: PPL = X +/- Y}; without {@code +/- Y} when
     *     the uncertainty is undefined
     */
    static String finalLine(PerplexityResult r) {
        if (r.hasUncertainty()) {
            return String.format(Locale.ROOT, "Final estimate: PPL = %.4f +/- %.5f", r.perplexity(), r.uncertainty());
        }
        return String.format(Locale.ROOT, "Final estimate: PPL = %.4f (no uncertainty: it needs two or more "
                + "scored tokens whose log-probabilities differ)", r.perplexity());
    }

    /** Reads the text as llama.cpp's {@code -f} does: the whole file, less one final newline. */
    static String readText(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CommandException("--file " + file + ": " + Main.describe(e), e);
        } catch (UncheckedIOException e) {
            throw new CommandException("--file " + file + ": " + Main.describe(e.getCause()), e);
        }
        return text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
    }
}

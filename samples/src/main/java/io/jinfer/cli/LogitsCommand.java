package io.jinfer.cli;

import io.jinfer.api.Model;
import io.jinfer.api.Runtime;
import io.jinfer.api.Session;
import io.jinfer.api.SessionOptions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/** {@code jinfer logits}: the full logits after each position of a prompt, as one JSON object. */
public final class LogitsCommand implements Command {
    /** Creates the command; it keeps no state between runs. */
    public LogitsCommand() {}

    /** Positions of a session's default context. */
    private static final int DEFAULT_CONTEXT = 4096;

    /**
     * What {@code logits} was asked to do.
     *
     * @param model the model file
     * @param prompt the prompt text (tokenized with BOS as the vocabulary asks), or {@code null}
     * @param tokens the token ids, or {@code null} when {@code prompt} is given
     * @param threads worker threads
     */
    public record Settings(Path model, String prompt, int[] tokens, int threads) {

        /**
         * Checks the options of {@code jinfer logits} and turns them into settings.
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
            if (args.has("--prompt") == args.has("--tokens")) {
                throw new UsageException("give exactly one of --prompt or --tokens");
            }
            int[] tokens = args.has("--tokens") ? parseTokens(args.string("--tokens")) : null;
            return new Settings(model, args.string("--prompt"), tokens, Threads.parse(args));
        }
    }

    /**
     * @param text comma-separated token ids, e.g. {@code 1,2,3} (spaces allowed)
     * @return the ids
     * @throws UsageException when the list is empty or an item is not a non-negative integer
     */
    static int[] parseTokens(String text) {
        String[] items = text.split(",", -1);
        int[] ids = new int[items.length];
        for (int i = 0; i < items.length; i++) {
            String item = items[i].trim();
            try {
                ids[i] = Integer.parseInt(item);
            } catch (NumberFormatException e) {
                throw new UsageException("--tokens: expected comma-separated token ids, got '" + item + "' in '"
                        + text + "'");
            }
            if (ids[i] < 0) {
                throw new UsageException("--tokens: token ids are >= 0, got " + ids[i]);
            }
        }
        return ids;
    }

    @Override
    public String name() {
        return "logits";
    }

    @Override
    public String synopsis() {
        return "--model FILE (--prompt TEXT | --tokens 1,2,3) [--threads N]";
    }

    @Override
    public String summary() {
        return "Print {\"tokens\":[...],\"logits\":[[...],...]}: the full logits after each position.";
    }

    @Override
    public List<Option> options() {
        return List.of(
                Option.value("--model", "FILE", "GGUF model"),
                Option.value("--prompt", "TEXT", "prompt text, tokenized with BOS as the model's vocabulary asks"),
                Option.value("--tokens", "IDS", "comma-separated token ids, used as they are"),
                Threads.OPTION);
    }

    @Override
    public int execute(Args args, PrintStream out, PrintStream err) {
        Settings s = Settings.parse(args);
        ModelSource source = ModelSource.file(s.model());
        try (Runtime runtime = Runtime.builder().threads(s.threads()).build();
                Model model = runtime.loadModel(source.path())) {
            int[] tokens = s.tokens() != null ? s.tokens() : model.tokenizer().encode(s.prompt());
            if (tokens.length == 0) {
                throw new UsageException("--prompt: the prompt gives no tokens");
            }
            for (int t : tokens) {
                if (t >= model.vocabularySize()) {
                    throw new UsageException("--tokens: token id " + t + " is outside the model's vocabulary of "
                            + model.vocabularySize());
                }
            }
            SessionOptions options = SessionOptions.defaults();
            if (tokens.length > DEFAULT_CONTEXT) {
                options = options.withContextLength(tokens.length);
            }
            try (Session session = model.newSession(options)) {
                float[][] logits = session.evaluate(tokens);
                Json.writeLogits(out, tokens, logits);
            }
        }
        out.flush();
        return 0;
    }
}

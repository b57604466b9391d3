package io.jinfer.cli;

import io.jinfer.api.Tokenizer;
import io.jinfer.loader.gguf.GgufFile;
import io.jinfer.loader.tokenizer.Tokenizers;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code jinfer tokenize}: prints the token ids of texts, one line per text. The tokenizer is built
 * from the file's metadata alone, so vocabulary-only GGUF files work and no weights are loaded.
 */
public final class TokenizeCommand implements Command {
    /** Creates the command; it keeps no state between runs. */
    public TokenizeCommand() {}


    /**
     * What {@code tokenize} was asked to do.
     *
     * @param model the GGUF file holding the vocabulary
     * @param text the text, or {@code null} when {@code file} is given
     * @param file a UTF-8 text file, or {@code null} when {@code text} is given
     * @param splitOn the separator line splitting {@code file} into cases, or {@code null}
     * @param addSpecial whether BOS/EOS are added as the vocabulary asks
     * @param parseSpecial whether special-token texts become their ids
     */
    public record Settings(Path model, String text, Path file, String splitOn, boolean addSpecial,
            boolean parseSpecial) {

        /**
         * Checks the options of {@code jinfer tokenize} and turns them into settings.
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
            if (args.has("--text") == args.has("--file")) {
                throw new UsageException("give exactly one of --text or --file");
            }
            if (args.has("--split-on") && !args.has("--file")) {
                throw new UsageException("--split-on needs --file");
            }
            String splitOn = args.string("--split-on");
            if (splitOn != null && splitOn.isEmpty()) {
                throw new UsageException("--split-on: expected a separator line, got an empty value");
            }
            return new Settings(model, args.string("--text"), args.path("--file"), splitOn,
                    !args.has("--no-bos"), !args.has("--no-parse-special"));
        }
    }

    @Override
    public String name() {
        return "tokenize";
    }

    @Override
    public String synopsis() {
        return "--model FILE (--text T | --file F [--split-on LINE]) [--no-bos] [--no-parse-special]";
    }

    @Override
    public String summary() {
        return "Print the token ids of each text, space-separated, one line per text.";
    }

    @Override
    public List<Option> options() {
        return List.of(
                Option.value("--model", "FILE", "GGUF file with the vocabulary (a vocabulary-only file is enough)"),
                Option.value("--text", "T", "the text to tokenize"),
                Option.value("--file", "F", "a UTF-8 file to tokenize"),
                Option.value("--split-on", "LINE", "split --file into cases on \"\\n\" LINE \"\\n\"; one line of ids each"),
                Option.flag("--no-bos", "add no special tokens (BOS/EOS)"),
                Option.flag("--no-parse-special", "tokenize special-token texts such as <s> as plain text"));
    }

    @Override
    public int execute(Args args, PrintStream out, PrintStream err) {
        Settings s = Settings.parse(args);
        List<String> texts = texts(s);
        ModelSource.file(s.model());
        try (GgufFile file = GgufFile.open(s.model())) {
            Tokenizer tokenizer = Tokenizers.fromGguf(file.metadata());
            StringBuilder line = new StringBuilder();
            for (String text : texts) {
                line.setLength(0);
                for (int id : tokenizer.encode(text, s.addSpecial(), s.parseSpecial())) {
                    if (!line.isEmpty()) {
                        line.append(' ');
                    }
                    line.append(id);
                }
                out.print(line);
                out.print('\n');
            }
        }
        return 0;
    }

    private static List<String> texts(Settings s) {
        if (s.text() != null) {
            return List.of(s.text());
        }
        String content;
        try {
            content = Files.readString(s.file(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CommandException("--file " + s.file() + ": " + Main.describe(e), e);
        } catch (UncheckedIOException e) {
            throw new CommandException("--file " + s.file() + ": " + Main.describe(e.getCause()), e);
        }
        return s.splitOn() == null ? List.of(content) : TextSplitter.split(content, s.splitOn());
    }
}

package io.jinfer.cli;

import io.jinfer.chat.ChatTemplate;
import io.jinfer.api.GenerationScheduler;
import io.jinfer.api.Model;
import io.jinfer.api.Runtime;
import io.jinfer.api.SchedulerOptions;
import io.jinfer.api.SessionOptions;
import io.jinfer.server.OpenAiServer;
import io.jinfer.server.ServerConfig;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code jinfer serve}: an OpenAI-compatible HTTP server for one model, with a chat page at {@code /}.
 * Runs until the process is stopped (Ctrl-C, SIGTERM) or its thread is interrupted, then closes the
 * server, scheduler and model. The chat template is the model's own, else that of a
 * {@code tokenizer_config.json} beside the model file, else a built-in one.
 */
public final class ServeCommand implements Command {
    /** Creates the command; it keeps no state between runs. */
    public ServeCommand() {}

    /** The port when none is given. */
    public static final int DEFAULT_PORT = 8080;
    /** Concurrent sequences when {@code --parallel} is not given. */
    public static final int DEFAULT_PARALLEL = 4;

    /**
     * What {@code serve} was asked to do.
     *
     * @param model the model file, or {@code null} for the demo model
     * @param host the address to bind
     * @param port the port (0 for any free one)
     * @param parallel sequences generated at once
     * @param maxQueued requests that may wait for a sequence before 429
     * @param apiKey the key clients must send, or {@code null}
     * @param contextLength positions of each sequence's context; 0 for the model's (capped at 4096)
     * @param threads worker threads of the runtime
     */
    public record Settings(Path model, String host, int port, int parallel, int maxQueued, String apiKey,
            int contextLength, int threads) {

        /**
         * Checks the options of {@code jinfer serve}.
         *
         * @param args the parsed arguments
         * @return the settings
         * @throws UsageException naming the first bad option
         */
        public static Settings parse(Args args) {
            args.expectPositionals(0, "no arguments");
            String key = args.string("--api-key");
            if (key != null && key.isBlank()) {
                throw new UsageException("--api-key: expected a key, got an empty value");
            }
            String host = args.has("--host") ? args.string("--host") : "127.0.0.1";
            if (host.isBlank()) {
                throw new UsageException("--host: expected an address, got an empty value");
            }
            return new Settings(args.path("--model"), host, args.intValue("--port", DEFAULT_PORT, 0, 65535),
                    args.intValue("--parallel", DEFAULT_PARALLEL, 1, 1024),
                    args.intValue("--max-queued", 64, 0, 1_000_000), key,
                    args.intValue("--ctx", 0, 0, Integer.MAX_VALUE), Threads.parse(args));
        }
    }

    @Override
    public String name() {
        return "serve";
    }

    @Override
    public String synopsis() {
        return "--model FILE [--host 127.0.0.1] [--port 8080] [--parallel N] [--max-queued N] [--api-key KEY] "
                + "[--ctx N] [--threads N]";
    }

    @Override
    public String summary() {
        return "Serve the model over an OpenAI-compatible HTTP API, with a chat page at /.";
    }

    @Override
    public List<Option> options() {
        return List.of(
                Option.value("--model", "FILE", "GGUF model (default: generate the built-in demo model)"),
                Option.value("--host", "ADDR", "address to listen on (default 127.0.0.1)"),
                Option.value("--port", "N", "port to listen on, 0 for any free one (default " + DEFAULT_PORT + ")"),
                Option.value("--parallel", "N", "sequences generated at once (default " + DEFAULT_PARALLEL + ")"),
                Option.value("--max-queued", "N", "requests that may wait before 429 (default 64)"),
                Option.value("--api-key", "KEY", "require 'Authorization: Bearer KEY' on /v1/ (default: none)"),
                Option.value("--ctx", "N", "context of each sequence, 0 for the model's (capped at 4096; default 0)"),
                Threads.OPTION);
    }

    @Override
    public int execute(Args args, PrintStream out, PrintStream err) {
        Settings s = Settings.parse(args);
        CountDownLatch stopped = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        boolean interrupted = false;
        // On Ctrl-C/SIGTERM the hook wakes this thread and waits (briefly) until it has closed everything,
        // since the JVM halts once its hooks return.
        Thread hook = new Thread(() -> {
            stopped.countDown();
            try {
                closed.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "jinfer-serve-stop");
        try (ModelSource source = s.model() == null ? ModelSource.demo(err) : ModelSource.file(s.model());
                Runtime runtime = Runtime.builder().threads(s.threads()).build();
                Model model = runtime.loadModel(source.path());
                GenerationScheduler scheduler = model.newScheduler(new SchedulerOptions(s.parallel(), s.maxQueued(),
                        SessionOptions.defaults().withContextLength(s.contextLength())));
                OpenAiServer server = new OpenAiServer(model, scheduler, new ServerConfig(s.host(), s.port(),
                        s.apiKey(), modelId(source.path()), ServerConfig.DEFAULT_MAX_BODY, 1),
                        ChatTemplate.forModel(model, tokenizerConfig(source.path()))).start()) {
            java.lang.Runtime.getRuntime().addShutdownHook(hook);
            out.printf("jinfer: serving %s (%s) on http://%s:%d/ (%d parallel, context %d); Ctrl-C stops%n",
                    modelId(source.path()), model.name(), s.host(), server.port(), s.parallel(),
                    server.contextLength());
            out.flush();
            try {
                stopped.await();
            } catch (InterruptedException e) {
                // an embedding application (or a test) stops the server by interrupting its thread; the
                // flag is restored only after closing, which waits for the scheduler's threads
                interrupted = true;
                java.lang.Runtime.getRuntime().removeShutdownHook(hook);
            }
        } finally {
            closed.countDown();
        }
        err.println("jinfer: server stopped");
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /**
     * The {@code tokenizer_config.json} beside a model file (or inside a model directory), if any.
     *
     * @param model the model file or directory
     * @return the file, or {@code null}
     */
    static Path tokenizerConfig(Path model) {
        Path dir = Files.isDirectory(model) ? model : model.toAbsolutePath().getParent();
        Path file = dir == null ? null : dir.resolve("tokenizer_config.json");
        return file != null && Files.isRegularFile(file) ? file : null;
    }

    /**
     * The id clients use for the model: its file name without {@code .gguf}.
     *
     * @param file the model file
     * @return the model id
     */
    static String modelId(Path file) {
        String name = file.getFileName().toString();
        return name.toLowerCase(java.util.Locale.ROOT).endsWith(".gguf") ? name.substring(0, name.length() - 5) : name;
    }
}

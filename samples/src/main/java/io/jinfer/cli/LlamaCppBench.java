package io.jinfer.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs llama.cpp's speed measurement on a model file: the Node.js script
 * {@code bench/compare/llama-bench.mjs}, which drives the prebuilt llama.cpp CPU binaries of the
 * node-llama-cpp package and prints one JSON object. Only {@code jinfer bench --compare} uses it;
 * nothing else needs Node.js.
 */
final class LlamaCppBench {
    /** The script, relative to the repository root. */
    static final Path SCRIPT = Path.of("bench", "compare", "llama-bench.mjs");
    /** The script's exit code when node-llama-cpp is not installed. */
    static final int NOT_INSTALLED = 3;

    private final String node;
    private final Path script;

    /**
     * One llama.cpp measurement.
     *
     * @param requestedVariant the CPU build asked for ({@code auto}: ggml's choice)
     * @param variant the CPU build that was loaded, or {@code null} when the script could not tell
     * @param prefillTokensPerSecond median prefill speed
     * @param decodeTokensPerSecond median decode speed
     * @param json the script's whole JSON object
     */
    record Result(String requestedVariant, String variant, double prefillTokensPerSecond,
            double decodeTokensPerSecond, String json) {}

    private LlamaCppBench(String node, Path script) {
        this.node = node;
        this.script = script;
    }

    /**
     * @param node the Node.js executable (a name looked up on the PATH, or a path)
     * @param compareDir the directory holding {@code llama-bench.mjs}, or {@code null} to look for
     *     {@code bench/compare} above the jinfer classes and above the working directory
     * @return the runner
     * @throws CommandException when the script is not found
     */
    static LlamaCppBench locate(String node, Path compareDir) {
        if (compareDir != null) {
            Path script = compareDir.resolve(SCRIPT.getFileName());
            if (!Files.isRegularFile(script)) {
                throw new CommandException("--compare-dir: no " + SCRIPT.getFileName() + " in " + compareDir);
            }
            return new LlamaCppBench(node, script);
        }
        for (Path start : searchStarts()) {
            for (Path dir = start; dir != null; dir = dir.getParent()) {
                Path script = dir.resolve(SCRIPT);
                if (Files.isRegularFile(script)) {
                    return new LlamaCppBench(node, script.toAbsolutePath());
                }
            }
        }
        throw new CommandException("--compare: " + SCRIPT + " not found above the jinfer installation or the "
                + "working directory; pass --compare-dir DIR (the jinfer repository's bench/compare)");
    }

    private static List<Path> searchStarts() {
        List<Path> starts = new ArrayList<>();
        try {
            var source = LlamaCppBench.class.getProtectionDomain().getCodeSource();
            if (source != null) {
                starts.add(Path.of(source.getLocation().toURI()).toAbsolutePath());
            }
        } catch (URISyntaxException | IllegalArgumentException | SecurityException e) {
            // Not a file location (a custom class loader): the working directory is still searched.
        }
        starts.add(Path.of("").toAbsolutePath());
        return starts;
    }

    /** @return the script this runner starts */
    Path script() {
        return script;
    }

    /**
     * Checks that Node.js starts, node-llama-cpp is installed and ships each CPU build asked for
     * (preparing a build's copy if needed), before any long measurement.
     *
     * @param variants the CPU builds that will be measured
     * @param err where the script's messages go
     * @throws CommandException saying what to install when something is missing
     */
    void check(List<String> variants, PrintStream err) {
        for (String variant : variants) {
            run(List.of("--check", "--cpu-variant", variant), err);
        }
    }

    /**
     * Measures llama.cpp on {@code model}.
     *
     * @param model the GGUF file
     * @param threads threads
     * @param promptTokens prompt length of the prefill measurement
     * @param decodeTokens tokens of the decode measurement
     * @param reps measured runs (after a warm-up)
     * @param seed seed of the random token ids
     * @param variant CPU build: {@code auto} or a name such as {@code haswell}
     * @param err where the script's messages go
     * @return the medians and the script's JSON
     * @throws CommandException when the script fails
     */
    Result measure(Path model, int threads, int promptTokens, int decodeTokens, int reps, long seed, String variant,
            PrintStream err) {
        String json = run(List.of("--model", model.toAbsolutePath().toString(), "--threads", Integer.toString(threads),
                "-p", Integer.toString(promptTokens), "-n", Integer.toString(decodeTokens),
                "--reps", Integer.toString(reps), "--seed", Long.toString(seed), "--cpu-variant", variant), err);
        return new Result(variant, stringField(json, "cpu_variant"), numberField(json, "prefill_tokens_per_s"),
                numberField(json, "decode_tokens_per_s"), json);
    }

    private String run(List<String> args, PrintStream err) {
        List<String> command = new ArrayList<>(List.of(node, script.toString()));
        command.addAll(args);
        Process process;
        try {
            process = new ProcessBuilder(command).start();
        } catch (IOException e) {
            throw new CommandException("--compare runs llama.cpp through Node.js, but '" + node
                    + "' could not be started (" + e.getMessage() + "): install Node.js 20 or later (or pass --node "
                    + "PATH), then the llama.cpp binaries with: " + installHint(), e);
        }
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // The script reads no input; a failure to close its stdin changes nothing.
        }
        Thread copier = Thread.ofVirtual().start(() -> copyLines(process.getErrorStream(), err));
        String out;
        int code;
        try (InputStream stdout = process.getInputStream()) {
            out = new String(stdout.readAllBytes(), StandardCharsets.UTF_8).strip();
            code = process.waitFor();
            copier.join();
        } catch (IOException e) {
            throw new CommandException("--compare: reading " + script + "'s output failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroy();
            throw new CommandException("--compare: interrupted while llama.cpp ran", e);
        }
        if (code == NOT_INSTALLED) {
            throw new CommandException("--compare needs the node-llama-cpp package (prebuilt llama.cpp): "
                    + installHint());
        }
        if (code != 0) {
            throw new CommandException("--compare: " + script + " failed with exit code " + code + " (see above)");
        }
        return out;
    }

    private String installHint() {
        return "cd " + script.getParent() + " && npm install";
    }

    private static void copyLines(InputStream in, PrintStream err) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                err.println(line);
            }
        } catch (IOException e) {
            err.println("jinfer: lost llama.cpp's messages: " + e.getMessage());
        }
    }

    /**
     * @param json a flat JSON object as the script writes it
     * @param name a top-level field
     * @return its number
     * @throws CommandException when the field is missing or not a number
     */
    static double numberField(String json, String name) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\":(-?[0-9][0-9.eE+-]*)").matcher(json);
        if (!m.find()) {
            throw new CommandException("--compare: llama.cpp's result has no number '" + name + "': " + json);
        }
        return Double.parseDouble(m.group(1));
    }

    /**
     * @param json a flat JSON object as the script writes it
     * @param name a top-level field holding a plain string (no escapes) or null
     * @return its value, or {@code null}
     */
    static String stringField(String json, String name) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\":\"([^\"\\\\]*)\"").matcher(json);
        return m.find() ? m.group(1) : null;
    }
}

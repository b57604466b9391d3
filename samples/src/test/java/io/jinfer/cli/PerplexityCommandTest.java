package io.jinfer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.Model;
import io.jinfer.api.ModelFormatException;
import io.jinfer.api.Runtime;
import io.jinfer.executor.Perplexity;
import io.jinfer.executor.PerplexityResult;
import io.jinfer.loader.synth.SyntheticModel;
import io.jinfer.loader.synth.SyntheticModels;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code jinfer perplexity}: options, output in llama.cpp's form, errors, and numbers on real models. */
class PerplexityCommandTest {
    private static final Pattern RUNNING = Pattern.compile("\\[(\\d+)\\](\\d+\\.\\d{4}),");
    private static final Pattern FINAL = Pattern.compile("Final estimate: PPL = (\\d+\\.\\d{4}) \\+/- (\\d+\\.\\d{5})");

    @TempDir
    static Path dir;
    private static Path model;
    private static Path text;

    /** The demo-sized synthetic model and a text that gives a few chunks of 16 tokens. */
    @BeforeAll
    static void generate() throws IOException {
        model = dir.resolve("tiny.gguf");
        SyntheticModels.write(SyntheticModel.tiny(), model);
        text = dir.resolve("text.txt");
        Files.writeString(text, story() + "\n", StandardCharsets.UTF_8);
    }

    private static Args args(String... a) {
        return Args.parse(List.of(a), new PerplexityCommand().options());
    }

    // --- options

    @Test
    void everyOptionReachesTheSettings() {
        PerplexityCommand.Settings s = PerplexityCommand.Settings.parse(args("--model", "m.gguf", "--file", "t.txt",
                "--ctx", "128", "--threads", "3", "--chunks", "7"));
        assertEquals(Path.of("m.gguf"), s.model());
        assertEquals(Path.of("t.txt"), s.file());
        assertEquals(128, s.contextLength());
        assertEquals(3, s.threads());
        assertEquals(7, s.chunks());
    }

    @Test
    void defaultsAreTheModelsContextEveryChunkAndAllProcessors() {
        PerplexityCommand.Settings s = PerplexityCommand.Settings.parse(args("--model", "m.gguf", "--file", "t.txt"));
        assertEquals(0, s.contextLength(), "chosen from the model once it is loaded");
        assertEquals(Perplexity.ALL_CHUNKS, s.chunks());
        assertEquals(java.lang.Runtime.getRuntime().availableProcessors(), s.threads());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "perplexity --file t.txt|--model",
        "perplexity --model m.gguf|--file",
        "perplexity --model m.gguf --file t.txt --ctx 2|--ctx",
        "perplexity --model m.gguf --file t.txt --ctx many|--ctx",
        "perplexity --model m.gguf --file t.txt --chunks 0|--chunks",
        "perplexity --model m.gguf --file t.txt --chunks -1|--chunks",
        "perplexity --model m.gguf --file t.txt --threads 0|--threads",
        "perplexity --model m.gguf --file t.txt extra|extra",
        "perplexity --model m.gguf --file t.txt --temp 0|--temp",
    })
    void badCommandLineExitsTwoNamingTheProblem(String line, String named) {
        Cli r = Cli.run(line.split(" "));
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains(named), r.toString());
        assertTrue(r.err().contains("usage: jinfer perplexity"), r.toString());
        assertTrue(r.out().isEmpty(), r.toString());
    }

    @Test
    void helpListsTheCommandAndItsOptions() {
        assertTrue(Cli.run("--help").out().contains("perplexity"));
        Cli r = Cli.run("perplexity", "--help");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().startsWith("usage: jinfer perplexity --model FILE --file TEXT"), r.out());
        for (String o : List.of("--ctx", "--threads", "--chunks")) {
            assertTrue(r.out().contains(o), r.out());
        }
    }

    // --- runs on a generated model

    @Test
    void printsTheRunningEstimatesAndTheFinalLineOfTheLibrary() {
        Cli r = Cli.run("perplexity", "--model", model.toString(), "--file", text.toString(), "--ctx", "16",
                "--chunks", "3", "--threads", "1");
        assertEquals(0, r.code(), r.toString());
        List<String> lines = r.out().lines().toList();
        assertEquals(2, lines.size(), r.out());
        Matcher m = RUNNING.matcher(lines.get(0));
        List<Double> running = new ArrayList<>();
        int expectedIndex = 1;
        while (m.find()) {
            assertEquals(expectedIndex++, Integer.parseInt(m.group(1)));
            running.add(Double.parseDouble(m.group(2)));
        }
        assertEquals(3, running.size(), lines.get(0));
        Matcher f = FINAL.matcher(lines.get(1));
        assertTrue(f.matches(), lines.get(1));

        // The same numbers as the library, with the text read as llama.cpp reads it (final newline dropped).
        try (Runtime rt = Runtime.builder().threads(1).build(); Model m2 = rt.loadModel(model)) {
            PerplexityResult expected = Perplexity.compute(m2, story(), 16, 3, Perplexity.ChunkListener.NONE);
            for (int i = 0; i < 3; i++) {
                assertEquals(String.format(Locale.ROOT, "%.4f", expected.chunks().get(i).runningPerplexity()),
                        String.format(Locale.ROOT, "%.4f", running.get(i)));
            }
            assertEquals(PerplexityCommand.finalLine(expected), lines.get(1));
            assertEquals(expected.chunks().get(2).runningPerplexity(), expected.perplexity(), 0);
        }
        assertTrue(r.err().contains("chunks of 16"), r.err());
    }

    @Test
    void defaultContextIs512() {
        // The tiny model's metadata says 512 positions, and the synthetic vocabulary cuts the story into
        // more than 1024 tokens: two chunks of 512.
        Cli r = Cli.run("perplexity", "--model", model.toString(), "--file", text.toString(), "--threads", "1");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains(" 2 chunks of " + Perplexity.DEFAULT_CONTEXT), r.err());
        assertTrue(r.out().startsWith("[1]") && r.out().contains(",[2]"), r.out());
        assertTrue(FINAL.matcher(r.out()).find(), r.out());
    }

    @Test
    void defaultContextIsTheTrainedContextWhenSmaller() {
        SyntheticModel t = SyntheticModel.tiny();
        Path small = dir.resolve("ctx32.gguf");
        SyntheticModels.write(new SyntheticModel(t.architecture(), t.dim(), t.layers(), t.heads(), t.kvHeads(),
                t.ffn(), t.vocab(), 32, t.ropeBase(), t.tiedEmbeddings(), t.weightFormat(), t.seed()), small);
        Cli r = Cli.run("perplexity", "--model", small.toString(), "--file", text.toString(), "--chunks", "2",
                "--threads", "1");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains("chunks of 32"), r.err());
        assertTrue(FINAL.matcher(r.out()).find(), r.out());
        // Asking for more than the trained context is allowed, with llama.cpp's warning.
        Cli over = Cli.run("perplexity", "--model", small.toString(), "--file", text.toString(), "--ctx", "48",
                "--chunks", "1", "--threads", "1");
        assertEquals(0, over.code(), over.toString());
        assertTrue(over.err().contains("trained on only 32"), over.err());
    }

    @Test
    void aTextShorterThanTwoChunksExitsOneWithTheNumbers() throws IOException {
        Path shortText = dir.resolve("short.txt");
        Files.writeString(shortText, "Lily saw a big dog.");
        Cli r = Cli.run("perplexity", "--model", model.toString(), "--file", shortText.toString(), "--ctx", "16");
        assertEquals(1, r.code(), r.toString());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("only ") && r.err().contains("at least 32 tokens")
                && r.err().contains(shortText.toString()), r.err());
        assertTrue(r.out().isEmpty(), r.out());
    }

    @Test
    void missingFilesExitOne() {
        Cli noText = Cli.run("perplexity", "--model", model.toString(), "--file", dir.resolve("nope.txt").toString());
        assertEquals(1, noText.code(), noText.toString());
        assertTrue(noText.err().contains("nope.txt"), noText.err());
        Cli noModel = Cli.run("perplexity", "--model", dir.resolve("nope.gguf").toString(), "--file", text.toString());
        assertEquals(1, noModel.code(), noModel.toString());
        assertTrue(noModel.err().contains("nope.gguf"), noModel.err());
    }

    // --- real models from ../shared

    /** The trained model predicts a simple children's story well: a perplexity far below its 512 tokens. */
    @Test
    void stories260KOnATinyStory() {
        Path stories = SharedFixtures.require("models/stories260K.gguf");
        Cli r = Cli.run("perplexity", "--model", stories.toString(), "--file", tinyStory().toString(),
                "--ctx", "128");
        assertEquals(0, r.code(), r.toString());
        Matcher f = FINAL.matcher(r.out());
        assertTrue(f.find(), r.out());
        double ppl = Double.parseDouble(f.group(1));
        double uncertainty = Double.parseDouble(f.group(2));
        System.out.println("stories260K, tiny-story.txt, ctx 128: " + r.out().strip());
        assertTrue(Double.isFinite(ppl) && ppl > 1 && ppl < 20, "perplexity " + ppl);
        assertTrue(uncertainty > 0 && uncertainty < ppl / 2, "uncertainty " + uncertainty);
    }

    /**
     * Every quantised copy of the random-weight master whose formats jinfer computes with: its
     * perplexity on the same text stays close to the F32 master's. Prints the table. Two chunks of 128
     * per model keep the test short (all 19 files); a random-weight model is confidently wrong, so its
     * perplexity is far above the vocabulary size and only the ratios mean something.
     */
    @Test
    void quantisedSynthLlamasStayCloseToTheF32Master() throws IOException {
        Path master = SharedFixtures.require("models/synth-llama-f32.gguf");
        String story = PerplexityCommand.readText(tinyStory());
        Map<String, Double> ppl = new LinkedHashMap<>();
        Map<String, Long> millis = new LinkedHashMap<>();
        List<String> unsupported = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> s = Files.list(master.getParent())) {
            files = s.filter(p -> p.getFileName().toString().matches("synth-llama-.*\\.gguf")).sorted().toList();
        }
        try (Runtime rt = Runtime.builder().threads(2).build()) {
            for (Path file : files) {
                String format = file.getFileName().toString().replaceAll("^synth-llama-|\\.gguf$", "");
                try (Model m = rt.loadModel(file)) {
                    long t0 = System.nanoTime();
                    ppl.put(format, Perplexity.compute(m, story, 128, SYNTH_CHUNKS,
                            Perplexity.ChunkListener.NONE).perplexity());
                    millis.put(format, (System.nanoTime() - t0) / 1_000_000);
                } catch (ModelFormatException e) {
                    unsupported.add(format);
                }
            }
        }
        double f32 = ppl.get("f32");
        StringBuilder table = new StringBuilder("synth-llama perplexity on tiny-story.txt, ctx 128, "
                + SYNTH_CHUNKS + " chunks (format, PPL, ratio to f32, ms):\n");
        ppl.forEach((format, v) -> table.append(String.format(Locale.ROOT, "  %-14s %12.4f  x%.4f  %6d%n",
                format, v, v / f32, millis.get(format))));
        table.append("  not supported: ").append(unsupported).append('\n');
        System.out.print(table);
        assertTrue(ppl.size() > 1, table.toString());
        for (Map.Entry<String, Double> e : ppl.entrySet()) {
            double ratio = e.getValue() / f32;
            assertTrue(ratio > 1 / MAX_RATIO && ratio < MAX_RATIO, e.getKey() + " is off: " + table);
        }
    }

    /** Widest ratio to the F32 master accepted for any quantised format (2-bit ones included). */
    private static final double MAX_RATIO = 1.5;
    /** Chunks of 128 tokens scored per synthetic model. */
    private static final int SYNTH_CHUNKS = 2;

    private static Path tinyStory() {
        URL url = PerplexityCommandTest.class.getResource("/tiny-story.txt");
        assertNotNull(url, "tiny-story.txt is a test resource");
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The story as the command reads it (final newline dropped). */
    private static String story() {
        return PerplexityCommand.readText(tinyStory());
    }

    @Test
    void readTextDropsOneFinalNewlineOnly() throws IOException {
        Path f = dir.resolve("nl.txt");
        Files.writeString(f, "a\n\n");
        assertEquals("a\n", PerplexityCommand.readText(f));
        Files.writeString(f, "a");
        assertEquals("a", PerplexityCommand.readText(f));
        assertFalse(PerplexityCommand.readText(tinyStory()).endsWith("\n"));
    }
}

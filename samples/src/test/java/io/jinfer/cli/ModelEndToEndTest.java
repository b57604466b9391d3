package io.jinfer.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The commands that run a model (executor), build a tokenizer or generate the demo model. */
class ModelEndToEndTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Pattern SPEED = Pattern.compile("(prefill|decode): +(\\d+) tokens in [0-9.]+ ms, ([0-9.]+) tokens/s");

    @Test
    void runOnTheDemoModelStreamsTextAndReportsSpeeds() {
        Cli r = Cli.run("run", "-n", "12", "--temp", "0", "--threads", "1");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains("demo model"), r.err());
        Matcher m = SPEED.matcher(r.err());
        assertTrue(m.find() && m.group(1).equals("prefill"), r.err());
        assertTrue(Integer.parseInt(m.group(2)) > 0, "the default prompt has tokens");
        assertTrue(Double.parseDouble(m.group(3)) > 0, r.err());
        assertTrue(m.find() && m.group(1).equals("decode"), r.err());
        assertTrue(Integer.parseInt(m.group(2)) <= 12, r.err());
        // Greedy on a fixed-seed model: the same text every time.
        Cli again = Cli.run("run", "-n", "12", "--temp", "0", "--threads", "1");
        assertEquals(r.out(), again.out());
    }

    @Test
    void demoModelFileIsDeletedAfterTheRun() {
        Cli r = Cli.run("run", "-n", "1", "--temp", "0");
        assertEquals(0, r.code(), r.toString());
        Matcher m = Pattern.compile("generated into (\\S+\\.gguf)").matcher(r.err());
        assertTrue(m.find(), r.err());
        assertTrue(!Files.exists(Path.of(m.group(1))), "temporary demo model still there: " + m.group(1));
    }

    @Test
    void greedyRunOnStories260KReproducesLlamaCpp() throws Exception {
        Path model = SharedFixtures.require("models/stories260K.gguf");
        JsonNode golden = MAPPER.readTree(SharedFixtures.require("golden/stories260K.p1.json").toFile());
        Cli r = Cli.run("run", "--model", model.toString(), "--prompt", golden.get("prompt").textValue(),
                "-n", "16", "--temp", "0");
        assertEquals(0, r.code(), r.toString());
        assertEquals(golden.get("text").textValue(), r.out().stripTrailing());
    }

    @Test
    void runFlushesEveryTokenAsItComes() {
        Path model = SharedFixtures.require("models/stories260K.gguf");
        // Counts the flushes that reach the underlying stream and what had been written at each.
        java.util.List<Integer> flushedSizes = new java.util.ArrayList<>();
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream() {
            @Override
            public void flush() {
                flushedSizes.add(size());
            }
        };
        java.io.PrintStream out = new java.io.PrintStream(bytes, false, StandardCharsets.UTF_8);
        java.io.PrintStream err = new java.io.PrintStream(java.io.OutputStream.nullOutputStream());
        int code = Main.run(new String[] {"run", "--model", model.toString(), "-n", "16", "--temp", "0"}, out, err);
        assertEquals(0, code);
        // Each of the 16 greedy tokens of this prompt is plain ASCII text, so each is flushed as it comes.
        long growing = flushedSizes.stream().distinct().filter(n -> n > 0).count();
        assertTrue(growing >= 16, "flushes at sizes " + flushedSizes);
    }

    @Test
    void sampledRunIsReproducibleWithASeed() {
        Path model = SharedFixtures.require("models/stories260K.gguf");
        String[] line = {"run", "--model", model.toString(), "-n", "24", "--temp", "1.0", "--top-k", "20",
            "--top-p", "0.9", "--min-p", "0.01", "--repeat-penalty", "1.1", "--seed", "77", "--ctx", "128"};
        Cli a = Cli.run(line);
        Cli b = Cli.run(line);
        assertEquals(0, a.code(), a.toString());
        assertEquals(a.out(), b.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "llama-bpe", "qwen2", "gpt-2", "phi-3"})
    void tokenizeMatchesLlamaCppTestVectors(String name) throws Exception {
        String base = "tokenizer/ggml-vocab-" + name + ".gguf";
        Path vocab = SharedFixtures.require(base);
        Path inp = SharedFixtures.require(base + ".inp");
        // llama.cpp writes a space before every id; the CLI separates ids by single spaces.
        List<String> expected = Files.readAllLines(SharedFixtures.require(base + ".out"), StandardCharsets.UTF_8);
        Cli r = Cli.run("tokenize", "--model", vocab.toString(), "--file", inp.toString(),
                "--split-on", "__ggml_vocab_test__", "--no-bos");
        assertEquals(0, r.code(), r.toString());
        List<String> got = r.out().lines().toList();
        assertEquals(expected.size(), got.size(), r.out());
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).strip(), got.get(i), "case " + i);
        }
    }

    @Test
    void tokenizeAddsBosUnlessToldNot() {
        Path vocab = SharedFixtures.require("tokenizer/ggml-vocab-llama-spm.gguf");
        Cli with = Cli.run("tokenize", "--model", vocab.toString(), "--text", "Hello world");
        Cli without = Cli.run("tokenize", "--model", vocab.toString(), "--text", "Hello world", "--no-bos");
        assertEquals(0, with.code(), with.toString());
        assertEquals("1 " + without.out().strip(), with.out().strip());
    }

    @Test
    void logitsMatchLlamaCppAfterThePrompt() throws Exception {
        Path model = SharedFixtures.require("models/stories260K.gguf");
        JsonNode golden = MAPPER.readTree(SharedFixtures.require("golden/stories260K.p1.json").toFile());
        int[] tokens = MAPPER.convertValue(golden.get("prompt_tokens"), int[].class);
        String list = String.join(",", Arrays.stream(tokens).mapToObj(Integer::toString).toList());
        Cli byTokens = Cli.run("logits", "--model", model.toString(), "--tokens", list, "--threads", "1");
        assertEquals(0, byTokens.code(), byTokens.toString());
        JsonNode out = MAPPER.readTree(byTokens.out());
        assertArrayEquals(tokens, MAPPER.convertValue(out.get("tokens"), int[].class));
        JsonNode rows = out.get("logits");
        assertEquals(tokens.length, rows.size());
        int vocab = golden.get("n_vocab").intValue();
        for (JsonNode row : rows) {
            assertEquals(vocab, row.size());
        }
        JsonNode expected = golden.get("prompt_last_logits");
        JsonNode last = rows.get(tokens.length - 1);
        double maxDiff = 0;
        for (int i = 0; i < vocab; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(last.get(i).doubleValue() - expected.get(i).doubleValue()));
        }
        assertTrue(maxDiff <= 0.03, "max |logit difference| from llama.cpp " + maxDiff);

        // The prompt text is tokenized as llama.cpp does (BOS first), so it gives the same object.
        Cli byPrompt = Cli.run("logits", "--model", model.toString(), "--prompt", golden.get("prompt").textValue());
        assertEquals(0, byPrompt.code(), byPrompt.toString());
        assertEquals(out.get("tokens"), MAPPER.readTree(byPrompt.out()).get("tokens"));
    }

    @Test
    void logitsRejectTokensOutsideTheVocabulary() {
        Path model = SharedFixtures.require("models/stories260K.gguf");
        Cli r = Cli.run("logits", "--model", model.toString(), "--tokens", "1,512");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--tokens"), r.err());
    }

    @Test
    void benchJsonOnTheDemoModel() throws Exception {
        Cli r = Cli.run("bench", "-p", "8", "-n", "4", "--reps", "2", "--threads", "1", "--json");
        assertEquals(0, r.code(), r.toString());
        JsonNode j = MAPPER.readTree(r.out());
        for (String key : List.of("prefill_tokens_per_s", "decode_tokens_per_s", "peak_rss_bytes", "load_ms")) {
            assertTrue(j.get(key).isNumber() && j.get(key).doubleValue() > 0 || key.equals("load_ms"), key + " in " + j);
        }
        assertEquals(1, j.get("threads").intValue());
        assertEquals(8, j.get("p").intValue());
        assertEquals(4, j.get("n").intValue());
        assertEquals(2, j.get("reps").intValue());
        assertEquals(2, j.get("prefill_runs").size());
        assertTrue(j.get("format").isTextual() && j.get("model").isTextual(), j.toString());
        double median = j.get("decode_tokens_per_s").doubleValue();
        double a = j.get("decode_runs").get(0).doubleValue();
        double b = j.get("decode_runs").get(1).doubleValue();
        assertEquals((a + b) / 2, median, 1e-9 * median);
    }

    @Test
    void benchGeneratesAShapeOnceIntoTheCache(@TempDir Path cache) {
        String previous = System.getProperty("jinfer.cache.dir");
        System.setProperty("jinfer.cache.dir", cache.toString());
        try {
            Cli first = Cli.run("bench", "--shape", "tiny", "--format", "q8_0", "-p", "4", "-n", "2", "--reps", "1");
            assertEquals(0, first.code(), first.toString());
            assertTrue(first.err().contains("generating"), first.err());
            assertTrue(Files.isRegularFile(cache.resolve("synth-tiny-q8_0.gguf")));
            assertTrue(first.out().contains("q8_0"), first.out());
            Cli second = Cli.run("bench", "--shape", "tiny", "--format", "q8_0", "-p", "4", "-n", "2", "--reps", "1");
            assertEquals(0, second.code(), second.toString());
            assertTrue(!second.err().contains("generating"), "reuses the cached file: " + second.err());
        } finally {
            if (previous == null) {
                System.clearProperty("jinfer.cache.dir");
            } else {
                System.setProperty("jinfer.cache.dir", previous);
            }
        }
    }
}

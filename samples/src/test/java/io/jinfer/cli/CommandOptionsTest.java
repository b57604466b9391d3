package io.jinfer.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.SamplingParams;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every option of every command reaches its settings, and bad values exit 2 naming the option. */
class CommandOptionsTest {

    private static Args args(Command c, String... a) {
        return Args.parse(List.of(a), c.options());
    }

    @Test
    void runParsesEveryOption() {
        RunCommand.Settings s = RunCommand.Settings.parse(args(new RunCommand(), "--model", "m.gguf",
                "--prompt", "Hi there", "-n", "7", "--temp", "0.3", "--top-k", "5", "--top-p", "0.5", "--min-p", "0.1",
                "--repeat-penalty", "1.2", "--seed", "-42", "--threads", "3", "--ctx", "256"));
        assertEquals(Path.of("m.gguf"), s.model());
        assertEquals("Hi there", s.prompt());
        assertEquals(7, s.maxTokens());
        SamplingParams p = s.sampling();
        assertEquals(0.3f, p.temperature());
        assertEquals(5, p.topK());
        assertEquals(0.5f, p.topP());
        assertEquals(0.1f, p.minP());
        assertEquals(1.2f, p.repetitionPenalty());
        assertEquals(-42L, p.seed());
        assertEquals(3, s.threads());
        assertEquals(256, s.contextLength());
    }

    @Test
    void runDefaultsToTheDemoModelAndPrompt() {
        RunCommand.Settings s = RunCommand.Settings.parse(args(new RunCommand()));
        assertNull(s.model());
        assertEquals("Once upon a time", s.prompt());
        assertEquals(RunCommand.DEFAULT_TOKENS, s.maxTokens());
        assertEquals(0, s.contextLength());
        assertEquals(Runtime.getRuntime().availableProcessors(), s.threads());
    }

    @Test
    void temperatureZeroIsGreedy() {
        assertTrue(RunCommand.Settings.parse(args(new RunCommand(), "--temp", "0")).sampling().isGreedy());
    }

    @Test
    void tokenizeParsesEveryOption() {
        TokenizeCommand.Settings s = TokenizeCommand.Settings.parse(args(new TokenizeCommand(), "--model", "v.gguf",
                "--file", "in.txt", "--split-on", "__sep__", "--no-bos", "--no-parse-special"));
        assertEquals(Path.of("v.gguf"), s.model());
        assertEquals(Path.of("in.txt"), s.file());
        assertNull(s.text());
        assertEquals("__sep__", s.splitOn());
        assertFalse(s.addSpecial());
        assertFalse(s.parseSpecial());

        TokenizeCommand.Settings t = TokenizeCommand.Settings.parse(args(new TokenizeCommand(), "--model", "v.gguf",
                "--text", "hello"));
        assertEquals("hello", t.text());
        assertTrue(t.addSpecial());
        assertTrue(t.parseSpecial());
    }

    @Test
    void logitsParsesEveryOption() {
        LogitsCommand.Settings s = LogitsCommand.Settings.parse(args(new LogitsCommand(), "--model", "m.gguf",
                "--tokens", "1, 2,3", "--threads", "2"));
        assertArrayEquals(new int[] {1, 2, 3}, s.tokens());
        assertEquals(2, s.threads());
        assertNull(s.prompt());
        LogitsCommand.Settings p = LogitsCommand.Settings.parse(args(new LogitsCommand(), "--model", "m.gguf",
                "--prompt", "Once"));
        assertEquals("Once", p.prompt());
        assertNull(p.tokens());
    }

    @Test
    void benchParsesEveryOption() {
        BenchCommand.Settings s = BenchCommand.Settings.parse(args(new BenchCommand(), "--shape", "llama1b",
                "--format", "q8_0", "--threads", "2", "-p", "32", "-n", "16", "--reps", "5", "--json", "--seed", "9"));
        assertNull(s.model());
        assertEquals("llama1b", s.shape());
        assertEquals(QuantFormat.Q8_0, s.format());
        assertEquals(2, s.threads());
        assertEquals(32, s.promptTokens());
        assertEquals(16, s.decodeTokens());
        assertEquals(5, s.reps());
        assertTrue(s.json());
        assertEquals(9, s.seed());
    }

    @Test
    void benchDefaults() {
        BenchCommand.Settings s = BenchCommand.Settings.parse(args(new BenchCommand()));
        assertNull(s.shape(), "the demo model");
        assertNull(s.model());
        assertNull(s.format());
        assertEquals(128, s.promptTokens());
        assertEquals(64, s.decodeTokens());
        assertEquals(3, s.reps());
        assertFalse(s.json());
        BenchCommand.Settings l = BenchCommand.Settings.parse(args(new BenchCommand(), "--shape", "llama1b"));
        assertEquals("llama1b", l.shape());
        assertNull(l.format(), "the shape's own format");
        BenchCommand.Settings m = BenchCommand.Settings.parse(args(new BenchCommand(), "--model", "x.gguf"));
        assertEquals(Path.of("x.gguf"), m.model());
        assertNull(m.shape());
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource(delimiter = '|', value = {
        "run|-n|-1", "run|-n|many", "run|--temp|-0.1", "run|--temp|hot", "run|--top-k|-1", "run|--top-k|1.5",
        "run|--top-p|0", "run|--top-p|1.01", "run|--min-p|-0.1", "run|--min-p|2", "run|--repeat-penalty|0",
        "run|--repeat-penalty|x", "run|--seed|1e3", "run|--threads|0", "run|--threads|lots", "run|--ctx|-5",
        "run|--model|''",
        "bench|-p|0", "bench|-n|-1", "bench|--reps|0", "bench|--threads|0", "bench|--shape|huge",
        "bench|--seed|x",
        "logits|--tokens|1,x", "logits|--tokens|''", "logits|--tokens|-3", "logits|--threads|-2",
    })
    void badValueExitsTwoNamingTheOption(String command, String option, String value) {
        List<String> a = new java.util.ArrayList<>(List.of(command, option, value));
        if (command.equals("logits")) {
            a.addAll(List.of("--model", "m.gguf"));
        }
        Cli r = Cli.run(a.toArray(String[]::new));
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains(option), r.toString());
        assertTrue(r.err().contains("usage: jinfer " + command), r.toString());
        assertTrue(r.out().isEmpty(), r.toString());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "run --frob|--frob",
        "run --temp|--temp",
        "run extra|extra",
        "inspect|GGUF file",
        "inspect a b|GGUF file",
        "tokenize --text hi|--model",
        "tokenize --model v.gguf|--text",
        "tokenize --model v.gguf --text a --file b|--text",
        "tokenize --model v.gguf --text a --split-on X|--split-on",
        "logits --tokens 1|--model",
        "logits --model m.gguf|--prompt",
        "logits --model m.gguf --prompt a --tokens 1|--tokens",
        "bench --format q4_0|--format",
        "bench --shape llama1b --format q9_9|--format",
        "bench --model m.gguf --shape tiny|--shape",
    })
    void badCommandLineExitsTwo(String line, String named) {
        Cli r = Cli.run(line.split(" "));
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains(named), r.toString());
    }

    @Test
    void unknownCommandAndNoCommandExitTwo() {
        Cli r = Cli.run("frobnicate");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("frobnicate"), r.err());
        assertEquals(2, Cli.run().code());
    }

    @Test
    void helpGoesToStdoutWithExitZero() {
        Cli top = Cli.run("--help");
        assertEquals(0, top.code());
        for (String c : List.of("run", "inspect", "tokenize", "logits", "bench")) {
            assertTrue(top.out().contains(c), top.out());
            Cli r = Cli.run(c, "--help");
            assertEquals(0, r.code(), r.toString());
            assertTrue(r.out().startsWith("usage: jinfer " + c), r.out());
        }
        assertTrue(Cli.run("run", "--help").out().contains("--repeat-penalty"));
    }
}

package io.jinfer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.Model;
import io.jinfer.api.QuantFormat;
import io.jinfer.api.Runtime;
import io.jinfer.api.Session;
import io.jinfer.api.SessionOptions;
import io.jinfer.loader.gguf.GgufFile;
import io.jinfer.loader.gguf.GgufTensorInfo;
import io.jinfer.loader.quant.ModelQuantizerProgress;
import io.jinfer.loader.quant.ModelQuantizerReport;
import io.jinfer.loader.synth.SyntheticModel;
import io.jinfer.loader.synth.SyntheticModels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code jinfer quantize}: options, output, errors, and models that compute as llama-quantize's do. */
class QuantizeCommandTest {
    private static final Pattern LINE = Pattern.compile("^\\[ ?(\\d+)/(\\d+)\\] +([0-9.]+)% +([0-9.]+) MB/s +(\\S+) ",
            Pattern.MULTILINE);
    private static final int[] TOKENS = {1, 415, 2936, 9060, 285, 1142, 310, 263, 931};

    @TempDir
    static Path shared;
    /** The demo-shaped model in F32: rows of 128 and 384 values. */
    private static Path tinyF32;

    @TempDir
    Path dir;

    @BeforeAll
    static void generate() {
        tinyF32 = shared.resolve("tiny-f32.gguf");
        SyntheticModels.write(SyntheticModel.tiny().withWeightFormat(QuantFormat.F32), tinyF32, 2);
    }

    private static QuantizeCommand.Settings parse(String... a) {
        return QuantizeCommand.Settings.parse(Args.parse(List.of(a), new QuantizeCommand(false).options()));
    }

    // --- options

    @Test
    void everyArgumentReachesTheSettings() {
        QuantizeCommand.Settings s = parse("in.gguf", "out.gguf", "--type", "q4_k", "--threads", "3");
        assertEquals(Path.of("in.gguf"), s.input());
        assertEquals(Path.of("out.gguf"), s.output());
        assertEquals(QuantFormat.Q4_K, s.type());
        assertEquals(null, s.mix());
        QuantizeCommand.Settings m = parse("in.gguf", "out.gguf", "--type", "Q4_K_M");
        assertEquals(QuantFormat.Q4_K, m.type());
        assertEquals(io.jinfer.loader.quant.QuantMix.Q4_K_M, m.mix());
        assertEquals(3, s.threads());
        assertEquals(QuantFormat.IQ4_XS, parse("a", "b", "--type=IQ4_XS").type(), "any case");
        assertEquals(java.lang.Runtime.getRuntime().availableProcessors(), parse("a", "b", "--type", "f16").threads());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "in.gguf out.gguf | --type is required",
        "in.gguf out.gguf --type q4_k_l | unknown quantisation type 'q4_k_l'",
        "in.gguf out.gguf --type q8_k | unknown quantisation type 'q8_k'",
        "in.gguf --type q8_0 | expected IN and OUT",
        "in.gguf out.gguf extra --type q8_0 | expected IN and OUT",
        "in.gguf out.gguf --type q8_0 --threads 0 | --threads",
        "in.gguf out.gguf --type q8_0 --pure | unknown option --pure"})
    void badArgumentsExitWithTwo(String line, String message) {
        String[] argv = ("quantize " + line).split(" ");
        Cli r = Cli.run(argv);
        assertEquals(Main.EXIT_USAGE, r.code(), r.toString());
        assertTrue(r.err().contains(message), r.err());
        assertTrue(r.err().contains("usage: jinfer quantize IN OUT --type T"), r.err());
    }

    @Test
    void helpListsEveryType() {
        Cli r = Cli.run("quantize", "--help");
        assertEquals(0, r.code());
        for (String t : List.of("q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q2_k", "q3_k", "q4_k", "q5_k", "q6_k",
                "iq4_nl", "iq4_xs", "mxfp4", "nvfp4", "f16", "bf16")) {
            assertTrue(r.out().contains(t), t);
        }
        assertTrue(Cli.run("--help").out().contains("quantize"));
    }

    // --- end to end

    @Test
    void quantisesPrintsAProgressLinePerTensorAndTheErrorTable() throws IOException {
        Path out = dir.resolve("q8.gguf");
        Cli r = Cli.run("quantize", tinyF32.toString(), out.toString(), "--type", "q8_0", "--threads", "2");
        assertEquals(0, r.code(), r.toString());
        assertTrue(Files.exists(out));
        assertFalse(r.err().contains("\r"), "no redraw when standard error is not a terminal");
        Matcher m = LINE.matcher(r.err());
        int lines = 0;
        double lastPercent = -1;
        while (m.find()) {
            lines++;
            assertEquals(lines, Integer.parseInt(m.group(1)), r.err());
            assertEquals(21, Integer.parseInt(m.group(2)), "2 layers of 9 tensors, embeddings, output and its norm");
            double percent = Double.parseDouble(m.group(3));
            assertTrue(percent >= lastPercent, r.err());
            lastPercent = percent;
        }
        assertEquals(21, lines, r.err());
        assertEquals(100.0, lastPercent);

        assertTrue(r.out().contains("as q8_0 (general.file_type 7)"), r.out());
        assertTrue(r.out().contains("16 of 21 tensors converted, 5 copied unchanged"), r.out());
        List<String> table = r.out().lines().dropWhile(l -> !l.startsWith("tensor ")).toList();
        assertEquals(1 + 9 + 1, table.size(), r.out());
        assertTrue(table.getFirst().matches("tensor +format +tensors +values +RMSE +rel\\.RMSE +max \\|err\\|"),
                table.getFirst());
        String[] all = table.getLast().trim().split(" +");
        assertEquals("all", all[0]);
        assertEquals("q8_0", all[1]);
        assertEquals("16", all[2]);
        double rel = Double.parseDouble(all[5]);
        assertTrue(rel > 0.001 && rel < 0.01, "Q8_0 relative RMSE " + rel);
        try (GgufFile q = GgufFile.open(out)) {
            assertEquals(7, q.metadata().getInt("general.file_type"));
        }
    }

    /**
     * The generator writes a Q8_0 model by quantising the very rows its F32 model holds, so
     * quantising the F32 model must give the same tensors, and the same logits through the API.
     */
    @Test
    void givesTheTensorsAndLogitsOfTheGeneratorsOwnQ8Model() {
        Path direct = dir.resolve("direct.gguf");
        SyntheticModels.write(SyntheticModel.tiny(), direct, 2);
        Path out = dir.resolve("q8.gguf");
        assertEquals(0, Cli.run("quantize", tinyF32.toString(), out.toString(), "--type", "q8_0").code());
        try (GgufFile a = GgufFile.open(direct); GgufFile b = GgufFile.open(out)) {
            for (GgufTensorInfo t : a.tensorInfos()) {
                assertEquals(-1, a.tensor(t.name()).data().mismatch(b.tensor(t.name()).data()), t.name());
            }
        }
        assertEquals(0.0, maxLogitDifference(direct, out));
    }

    @Test
    void rowsThatDoNotFitTheTargetFallBackWithAWarning() {
        Path out = dir.resolve("q4k.gguf");
        Cli r = Cli.run("quantize", tinyF32.toString(), out.toString(), "--type", "q4_k", "--threads", "1");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains("jinfer: warning: blk.0.attn_q.weight has rows of 128 values, not a whole number "
                + "of q4_k blocks; written as q5_0"), r.err());
        assertTrue(r.out().contains("q5_0"), r.out());
    }

    @Test
    void failuresExitWithOneAndWriteNothing() throws IOException {
        Path q8 = dir.resolve("q8-in.gguf");
        SyntheticModels.write(SyntheticModel.tiny(), q8, 1);
        Cli requant = Cli.run("quantize", q8.toString(), dir.resolve("x.gguf").toString(), "--type", "q4_0");
        assertEquals(Main.EXIT_FAILURE, requant.code(), requant.toString());
        assertTrue(requant.err().contains("is Q8_0; quantize reads weight matrices in F32, F16 or BF16"),
                requant.err());

        Cli same = Cli.run("quantize", q8.toString(), q8.toString(), "--type", "q4_0");
        assertEquals(Main.EXIT_FAILURE, same.code(), same.toString());
        assertTrue(same.err().contains("is the input file"), same.err());

        Cli missing = Cli.run("quantize", dir.resolve("nope.gguf").toString(), dir.resolve("y.gguf").toString(),
                "--type", "q4_0");
        assertEquals(Main.EXIT_FAILURE, missing.code(), missing.toString());
        assertTrue(missing.err().contains("nope.gguf"), missing.err());

        try (var files = Files.list(dir)) {
            assertEquals(List.of("q8-in.gguf"), files.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void onATerminalTheLineIsRedrawnInPlace() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        QuantizeProgress p = new QuantizeProgress(err, true);
        ModelQuantizerReport.ErrorStats none = new ModelQuantizerReport.ErrorStats("x", QuantFormat.F32, 0, 0, 0, 0, 0);
        ModelQuantizerReport.TensorStats a = new ModelQuantizerReport.TensorStats("a.weight", new long[] {4},
                QuantFormat.F32, QuantFormat.F32, false, false, 16, 16, none);
        ModelQuantizerReport.TensorStats b = new ModelQuantizerReport.TensorStats("a_much_longer_name.weight",
                new long[] {4}, QuantFormat.F32, QuantFormat.F32, false, false, 16, 16, none);
        p.progress(new ModelQuantizerProgress(1, 2, b.name(), 8, 32, 8, 1_000_000));
        p.tensorDone(b, new ModelQuantizerProgress(1, 2, b.name(), 16, 32, 16, 1_000_000));
        p.tensorDone(a, new ModelQuantizerProgress(2, 2, a.name(), 32, 32, 32, 2_000_000));
        p.endLine();
        String s = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(s.startsWith("\r[1/2]  25.0%"), s);
        assertTrue(s.contains("\r[1/2]  50.0%"), s);
        assertTrue(s.contains("\r[2/2] 100.0%"), s);
        assertTrue(s.endsWith(" \n"), "the shorter line wipes the longer one, then the line ends: " + s);
        assertEquals(1, s.chars().filter(c -> c == '\n').count());

        // A run that fails half-way: the open line is ended before the error message.
        bytes.reset();
        QuantizeProgress failing = new QuantizeProgress(err, true);
        failing.tensorDone(b, new ModelQuantizerProgress(1, 2, b.name(), 16, 32, 16, 1_000_000));
        assertFalse(bytes.toString(StandardCharsets.UTF_8).contains("\n"));
        failing.endLine();
        assertTrue(bytes.toString(StandardCharsets.UTF_8).endsWith("\n"));
    }

    /**
     * Stopping the JVM mid-way (SIGTERM here; Ctrl-C's SIGINT runs the same shutdown hooks) leaves
     * neither the output nor the temporary file. Runs the command in a child JVM on this test's class path.
     */
    @Test
    void stoppingTheProcessMidwayLeavesNoFiles() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(System.getProperty("os.name").startsWith("Windows"),
                "needs POSIX signals");
        Path in = dir.resolve("in.gguf");
        // About 10 M weights: a second or more of Q4_K on one thread, after a first tensor of 2 M.
        SyntheticModels.write(new SyntheticModel(io.jinfer.loader.synth.Architecture.LLAMA, 512, 2, 8, 2, 1408,
                4096, 256, 10000f, false, QuantFormat.F32, 3), in, 2);
        Path out = dir.resolve("out.gguf");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "quantize", in.toString(), out.toString(), "--type", "q4_k", "--threads", "1")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        StringBuilder err = new StringBuilder();
        try (var reader = p.errorReader(StandardCharsets.UTF_8)) {
            String line;
            while ((line = reader.readLine()) != null) {
                err.append(line).append('\n');
                if (line.startsWith("[ 1/")) {
                    // SIGTERM, keeping the pipes open (Process.destroy would close them) to read the message.
                    p.toHandle().destroy();
                }
            }
        }
        int code = p.waitFor();
        assertTrue(code != 0, "stopped, not finished: exit " + code + "\n" + err);
        assertTrue(err.toString().contains("was interrupted; " + out + " was not written"), err.toString());
        try (var files = Files.list(dir)) {
            assertEquals(List.of("in.gguf"), files.map(f -> f.getFileName().toString()).toList());
        }
    }

    // --- against llama-quantize's files

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"q8_0", "q4_0", "q4_k", "q6_k", "mxfp4", "nvfp4"})
    void computesTheSameLogitsAsLlamaQuantizesFile(String type) {
        Path master = SharedFixtures.require("models/synth-llama-f32.gguf");
        Path theirs = SharedFixtures.require("models/synth-llama-" + type + ".gguf");
        Path mine = dir.resolve(type + ".gguf");
        Cli r = Cli.run("quantize", master.toString(), mine.toString(), "--type", type, "--threads", "2");
        assertEquals(0, r.code(), r.toString());
        try (GgufFile a = GgufFile.open(mine); GgufFile b = GgufFile.open(theirs)) {
            assertEquals(b.tensorInfos(), a.tensorInfos());
            for (GgufTensorInfo t : b.tensorInfos()) {
                assertEquals(-1, a.tensor(t.name()).data().mismatch(b.tensor(t.name()).data()), t.name());
            }
        }
        double diff = maxLogitDifference(mine, theirs);
        System.out.printf("%s: max |logit difference| vs llama-quantize's file %g%n", type, diff);
        assertEquals(0.0, diff, "identical bytes compute identical logits");
    }

    private static double maxLogitDifference(Path a, Path b) {
        float[][] x = logits(a);
        float[][] y = logits(b);
        assertEquals(x.length, y.length);
        double max = 0;
        for (int i = 0; i < x.length; i++) {
            assertEquals(x[i].length, y[i].length);
            for (int j = 0; j < x[i].length; j++) {
                max = Math.max(max, Math.abs(x[i][j] - y[i][j]));
            }
        }
        return max;
    }

    private static float[][] logits(Path model) {
        try (Runtime rt = Runtime.builder().threads(2).build();
                Model m = rt.loadModel(model);
                Session s = m.newSession(SessionOptions.defaults().withContextLength(64))) {
            int[] tokens = java.util.Arrays.stream(TOKENS).map(t -> t % m.vocabularySize()).toArray();
            return s.evaluate(tokens);
        }
    }

    // --- safetensors input and ModelOpt output

    @ParameterizedTest
    @CsvSource({"fp8, out, FP8, TENSOR", "nvfp4, out, NVFP4, TENSOR", "FP8, out.dir, FP8, TENSOR"})
    void modelOptTypesWriteADirectory(String type, String out, String algo, String granularity) {
        QuantizeCommand.Settings s = parse("in", out, "--type", type);
        assertEquals(algo, s.modelOpt().name());
        assertEquals(granularity, s.granularity().name());
        assertEquals(null, s.type());
        assertEquals("CHANNEL", parse("in", "o", "--type", "fp8", "--granularity", "channel").granularity().name());
        assertEquals(QuantFormat.NVFP4, parse("in", "o.gguf", "--type", "nvfp4").type(), "a .gguf OUT is a GGUF file");
        assertEquals(null, parse("in", "o.gguf", "--type", "nvfp4").modelOpt());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "in out.gguf --type fp8 | writes a ModelOpt safetensors directory",
        "in out --type q8_0 --granularity channel | --granularity applies to --type fp8 only",
        "in out --type fp8 --granularity block | --granularity: expected one of tensor, channel"})
    void modelOptMisuseIsExplained(String line, String message) {
        Cli r = Cli.run(("quantize " + line).split(" "));
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains(message), r.err());
    }

    @Test
    void ggufBecomesAModelOptCheckpointAndADirectoryBecomesAGguf() throws IOException {
        Path fp8 = dir.resolve("fp8");
        Cli r = Cli.run("quantize", tinyF32.toString(), fp8.toString(), "--type", "fp8", "--granularity", "channel");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("as ModelOpt f8_e4m3 safetensors"), r.out());
        assertTrue(Files.isRegularFile(fp8.resolve("hf_quant_config.json")));
        assertTrue(Files.isRegularFile(fp8.resolve("model.safetensors")));
        try (Runtime rt = Runtime.builder().threads(1).build(); Model m = rt.loadModel(fp8)) {
            assertEquals(QuantFormat.F8_E4M3, m.weightFormat());
        }

        // The same model as a plain BF16 directory with a tokenizer.json, quantised to a GGUF file.
        Path hf = Files.createDirectories(dir.resolve("hf"));
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var config = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(fp8.resolve("config.json").toFile());
        config.remove("quantization_config");
        Files.writeString(hf.resolve("config.json"), json.writeValueAsString(config));
        io.jinfer.loader.safetensors.SafetensorsWriter w = new io.jinfer.loader.safetensors.SafetensorsWriter();
        try (GgufFile in = GgufFile.open(tinyF32)) {
            for (var t : in.tensors()) {
                String name = io.jinfer.loader.hf.HfTensorNames.toHf(t.name()).orElseThrow();
                long[] g = t.shape();
                w.add(name, io.jinfer.loader.safetensors.SafetensorsDtype.F32, g.length == 1 ? g : new long[] {g[1], g[0]},
                        t.data());
            }
            w.write(hf.resolve("model.safetensors"));
            StringBuilder vocab = new StringBuilder();
            List<String> tokens = in.metadata().getStringArray("tokenizer.ggml.tokens");
            for (int i = 0; i < tokens.size(); i++) {
                vocab.append(i == 0 ? "" : ",").append("[\"").append(tokens.get(i).replace("\\", "\\\\")
                        .replace("\"", "\\\"")).append("\",").append(-i).append("]");
            }
            Files.writeString(hf.resolve("tokenizer.json"), "{\"model\":{\"type\":\"Unigram\",\"unk_id\":0,"
                    + "\"vocab\":[" + vocab + "]}}");
        }
        Path gguf = dir.resolve("from-hf.gguf");
        Cli q = Cli.run("quantize", hf.toString(), gguf.toString(), "--type", "q8_0");
        assertEquals(0, q.code(), q.toString());
        try (GgufFile g = GgufFile.open(gguf)) {
            assertEquals(QuantFormat.Q8_0, g.tensor("blk.0.ffn_up.weight").format());
            assertEquals("llama", g.metadata().getString("tokenizer.ggml.model"));
            assertEquals(hf.getFileName().toString(), g.metadata().getString("general.name"));
        }
    }
}

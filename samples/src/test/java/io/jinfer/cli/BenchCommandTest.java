package io.jinfer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.nio.file.attribute.PosixFilePermission;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code bench}'s bandwidth figures and its llama.cpp comparison. The comparison is exercised with a
 * stand-in for Node.js (a shell script printing a fixed result), so no test needs Node.js or llama.cpp.
 */
class BenchCommandTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String LLAMA_JSON = "{\"engine\":\"llama.cpp\",\"requested_cpu_variant\":\"%s\","
            + "\"cpu_variant\":\"%s\",\"prefill_tokens_per_s\":400.0,\"decode_tokens_per_s\":250.0,"
            + "\"prefill_runs\":[400.0],\"decode_runs\":[250.0]}";

    private static BenchCommand.Settings parse(String... a) {
        return BenchCommand.Settings.parse(Args.parse(List.of(a), new BenchCommand().options()));
    }

    @Test
    void compareOptionsParse() {
        BenchCommand.Settings s = parse("--compare", "--llama-variant", "auto,haswell,auto", "--node", "/x/node",
                "--compare-dir", "/x/compare", "--no-bandwidth");
        assertTrue(s.compare());
        assertFalse(s.bandwidth());
        assertEquals(List.of("auto", "haswell"), s.llamaVariants());
        assertEquals("/x/node", s.node());
        assertEquals(Path.of("/x/compare"), s.compareDir());
        BenchCommand.Settings d = parse();
        assertFalse(d.compare());
        assertTrue(d.bandwidth());
        assertEquals(List.of("auto"), d.llamaVariants());
        assertEquals("node", d.node());
        assertNull(d.compareDir());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "--llama-variant haswell|--llama-variant", "--node n|--node", "--compare-dir d|--compare-dir",
        "--compare --llama-variant Has-Well|--llama-variant", "--compare --llama-variant auto,|--llama-variant",
        "--compare -n 0|-n"})
    void badCompareOptionsAreNamed(String line, String option) {
        UsageException e = assertThrows(UsageException.class, () -> parse(line.split(" ")));
        assertTrue(e.getMessage().startsWith(option), e.getMessage());
    }

    @Test
    void jsonHasBandwidthWeightTrafficAndTheCeilingFraction() throws Exception {
        Cli r = Cli.run("bench", "-p", "4", "-n", "4", "--reps", "1", "--threads", "2", "--json");
        assertEquals(0, r.code(), r.toString());
        JsonNode j = MAPPER.readTree(r.out());
        double one = j.get("bandwidth_gbps_1t").doubleValue();
        double many = j.get("bandwidth_gbps").doubleValue();
        assertTrue(one > 0 && Double.isFinite(one) && many > 0 && Double.isFinite(many), j.toString());
        assertTrue(j.get("bandwidth_buffer_bytes").isIntegralNumber(), j.toString());
        long bytes = j.get("weight_bytes_per_token").longValue();
        assertTrue(bytes > 0, j.toString());
        double ceiling = many * 1e9 / bytes;
        assertEquals(ceiling, j.get("ceiling_tokens_per_s").doubleValue(), 1e-9 * ceiling);
        assertEquals(j.get("decode_tokens_per_s").doubleValue() / ceiling,
                j.get("decode_fraction_of_ceiling").doubleValue(), 1e-9);
        assertFalse(j.has("llama_cpp"), "no comparison unless asked");
    }

    @Test
    void noBandwidthLeavesTheFiguresNullButKeepsWeightTraffic() throws Exception {
        Cli r = Cli.run("bench", "-p", "2", "-n", "2", "--reps", "1", "--threads", "1", "--json", "--no-bandwidth");
        assertEquals(0, r.code(), r.toString());
        JsonNode j = MAPPER.readTree(r.out());
        assertTrue(j.get("bandwidth_gbps").isNull() && j.get("decode_fraction_of_ceiling").isNull(), j.toString());
        assertTrue(j.get("weight_bytes_per_token").longValue() > 0, j.toString());
    }

    @Test
    void concurrencyReportsTheAggregateDecodeOfTheStreamsAndItsRatio() throws Exception {
        Cli r = Cli.run("bench", "-p", "3", "-n", "12", "--reps", "2", "--threads", "1", "--json", "--no-bandwidth",
                "--concurrency", "3");
        assertEquals(0, r.code(), r.toString());
        JsonNode j = MAPPER.readTree(r.out());
        assertEquals(3, j.get("concurrency").intValue());
        assertEquals(2, j.get("batched_runs").size(), j.toString());
        double batched = j.get("batched_decode_tokens_per_s").doubleValue();
        assertTrue(batched > 0 && Double.isFinite(batched), j.toString());
        assertEquals(batched / j.get("decode_tokens_per_s").doubleValue(), j.get("batched_ratio").doubleValue(),
                1e-9);
        double paired = j.get("batched_paired_ratio").doubleValue();
        assertTrue(paired > 0 && Double.isFinite(paired), j.toString());
        JsonNode single = MAPPER.readTree(Cli.run("bench", "-p", "3", "-n", "4", "--reps", "1", "--threads", "1",
                "--json", "--no-bandwidth").out());
        assertFalse(single.has("batched_decode_tokens_per_s"), "no concurrent run unless asked");
        UsageException e = assertThrows(UsageException.class, () -> parse("--concurrency", "4", "-n", "1"));
        assertTrue(e.getMessage().startsWith("-n"), e.getMessage());
        assertThrows(UsageException.class, () -> parse("--concurrency", "0"));
    }

    /** A directory with a stand-in llama-bench.mjs and a stand-in "node" that answers as the script would. */
    private static Path fakeNode(Path dir, String body) throws IOException {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/sh")), "needs /bin/sh to run the stand-in for node");
        Files.writeString(dir.resolve("llama-bench.mjs"), "// stand-in\n");
        Path node = dir.resolve("node");
        Files.writeString(node, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(node, Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_EXECUTE));
        return node;
    }

    @Test
    void compareRunsEachVariantAndReportsRatios(@TempDir Path dir) throws Exception {
        // "$1" is the script; the variant follows --cpu-variant. --check answers ok.
        String variantJson = String.format(Locale.ROOT, LLAMA_JSON, "$v", "$loaded");
        Path node = fakeNode(dir, """
                case "$2" in --check) echo "$4" >> "$(dirname "$0")/checked"; echo '{"ok":true}'; exit 0;; esac
                v=auto; while [ $# -gt 0 ]; do [ "$1" = --cpu-variant ] && v=$2; shift; done
                loaded=$v; [ "$v" = auto ] && loaded=sapphirerapids
                echo "%s"
                """.formatted(variantJson.replace("\"", "\\\"")));
        Cli r = Cli.run("bench", "-p", "4", "-n", "3", "--reps", "1", "--threads", "1", "--no-bandwidth", "--json",
                "--compare", "--llama-variant", "auto,haswell", "--node", node.toString(),
                "--compare-dir", dir.toString());
        assertEquals(0, r.code(), r.toString());
        assertEquals(List.of("auto", "haswell"), Files.readAllLines(dir.resolve("checked")), "each build checked first");
        JsonNode j = MAPPER.readTree(r.out());
        JsonNode llama = j.get("llama_cpp");
        assertEquals(2, llama.size(), j.toString());
        assertEquals("sapphirerapids", llama.get(0).get("cpu_variant").textValue());
        assertEquals("auto", llama.get(0).get("requested_variant").textValue());
        assertEquals("haswell", llama.get(1).get("cpu_variant").textValue());
        double prefill = j.get("prefill_tokens_per_s").doubleValue();
        double decode = j.get("decode_tokens_per_s").doubleValue();
        for (JsonNode l : llama) {
            assertEquals(prefill / 400.0, l.get("prefill_ratio").doubleValue(), 1e-12);
            assertEquals(decode / 250.0, l.get("decode_ratio").doubleValue(), 1e-12);
            assertEquals("llama.cpp", l.get("result").get("engine").textValue(), "the script's object, verbatim");
        }

        Cli text = Cli.run("bench", "-p", "4", "-n", "3", "--reps", "1", "--threads", "1", "--no-bandwidth",
                "--compare", "--llama-variant", "haswell", "--node", node.toString(), "--compare-dir", dir.toString());
        assertEquals(0, text.code(), text.toString());
        assertTrue(text.out().contains("llama.cpp haswell"), text.out());
        assertTrue(text.out().lines().anyMatch(l -> l.startsWith("prefill tok/s (p=4)") && l.contains("400.00")),
                text.out());
        assertTrue(text.out().lines().anyMatch(l -> l.startsWith("decode tok/s (n=3)") && l.contains("250.00")),
                text.out());
    }

    @Test
    void compareSaysHowToInstallWhenThePackageIsMissing(@TempDir Path dir) throws Exception {
        // The script's exit code 3: node-llama-cpp is not installed. Reported before any measurement.
        Path node = fakeNode(dir, "echo 'node-llama-cpp is not installed' >&2; exit 3\n");
        Cli r = Cli.run("bench", "--compare", "--node", node.toString(), "--compare-dir", dir.toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("npm install") && r.err().contains(dir.toString()), r.err());
        assertFalse(r.err().contains("demo model"), "fails before loading a model: " + r.err());
    }

    @Test
    void compareSaysHowToInstallWhenNodeIsMissing(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("llama-bench.mjs"), "// stand-in\n");
        Cli r = Cli.run("bench", "--compare", "--node", dir.resolve("no-such-node").toString(),
                "--compare-dir", dir.toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("Node.js") && r.err().contains("npm install"), r.err());
    }

    @Test
    void compareDirWithoutTheScriptIsAnError(@TempDir Path dir) {
        Cli r = Cli.run("bench", "--compare", "--compare-dir", dir.toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("llama-bench.mjs"), r.err());
    }

    @Test
    void theScriptIsFoundInThisCheckout() {
        // The tests run from samples/; the repository's bench/compare is above it.
        Path script = LlamaCppBench.locate("node", null).script();
        assertTrue(script.endsWith(LlamaCppBench.SCRIPT), script.toString());
        assertTrue(Files.isRegularFile(script));
    }

    @Test
    void readsFieldsOfTheScriptsJson() {
        String json = "{\"requested_cpu_variant\":\"auto\",\"cpu_variant\":\"haswell\",\"a\":1.5e1,\"b\":-2,"
                + "\"none\":null}";
        assertEquals(15.0, LlamaCppBench.numberField(json, "a"));
        assertEquals(-2.0, LlamaCppBench.numberField(json, "b"));
        assertEquals("haswell", LlamaCppBench.stringField(json, "cpu_variant"));
        assertNull(LlamaCppBench.stringField(json, "none"));
        assertThrows(CommandException.class, () -> LlamaCppBench.numberField(json, "missing"));
    }
}

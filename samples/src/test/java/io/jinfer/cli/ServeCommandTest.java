package io.jinfer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jinfer serve}: its options, and the command itself serving until its thread is interrupted. */
class ServeCommandTest {
    private static ServeCommand.Settings parse(String... args) {
        return ServeCommand.Settings.parse(Args.parse(List.of(args), new ServeCommand().options()));
    }

    @Test
    void optionsAreChecked() {
        ServeCommand.Settings d = parse();
        assertEquals("127.0.0.1", d.host());
        assertEquals(8080, d.port());
        assertEquals(4, d.parallel());
        assertNull(d.apiKey());
        ServeCommand.Settings s = parse("--model", "m.gguf", "--host", "0.0.0.0", "--port", "9000", "--parallel", "8",
                "--api-key", "k", "--ctx", "1024", "--max-queued", "3");
        assertEquals(Path.of("m.gguf"), s.model());
        assertEquals(9000, s.port());
        assertEquals(8, s.parallel());
        assertEquals("k", s.apiKey());
        assertEquals(1024, s.contextLength());
        assertEquals(3, s.maxQueued());
        assertTrue(assertThrows(UsageException.class, () -> parse("--port", "70000")).getMessage().contains("--port"));
        assertTrue(assertThrows(UsageException.class, () -> parse("--parallel", "0")).getMessage()
                .contains("--parallel"));
        assertTrue(assertThrows(UsageException.class, () -> parse("--api-key", " ")).getMessage()
                .contains("--api-key"));
        assertTrue(Main.usage().contains("serve"));
    }

    @Test
    void modelIdAndTokenizerConfig(@TempDir Path dir) throws Exception {
        assertEquals("stories260K", ServeCommand.modelId(Path.of("/x/stories260K.gguf")));
        Path model = Files.writeString(dir.resolve("m.gguf"), "");
        assertNull(ServeCommand.tokenizerConfig(model));
        Path config = Files.writeString(dir.resolve("tokenizer_config.json"), "{}");
        assertEquals(config, ServeCommand.tokenizerConfig(model));
        assertEquals(config, ServeCommand.tokenizerConfig(dir));
    }

    @Test
    void servesTheDemoModelUntilInterrupted() throws Exception {
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        AtomicInteger code = new AtomicInteger(-1);
        Thread t = Thread.ofPlatform().start(() -> code.set(Main.run(new String[] {"serve", "--port", "0",
                "--threads", "2", "--parallel", "1"}, out, err)));
        Pattern listening = Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)/");
        Matcher m = null;
        for (int i = 0; i < 600 && (m == null || !m.find()); i++) {
            Thread.sleep(50);
            m = listening.matcher(outBytes.toString(StandardCharsets.UTF_8));
        }
        assertTrue(m != null && m.find(0), "the command says where it listens: " + outBytes);
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + m.group(1)
                + "/v1/completions")).POST(HttpRequest.BodyPublishers.ofString(
                        "{\"prompt\":\"Once\",\"max_tokens\":3,\"ignore_eos\":true}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().contains("\"model\":\"demo-tiny\""), r.body());
        t.interrupt();
        t.join(30_000);
        assertEquals(0, code.get(), "the command ends cleanly when interrupted");
    }
}

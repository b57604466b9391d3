package io.jinfer.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The load tool against a scripted SSE server: every fourth request is refused with 429, every
 * seventh stream breaks off before {@code [DONE]}, the rest stream five content chunks.
 */
class LoadToolTest {

    private ServerSocket server;
    private Thread acceptor;
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger maxConcurrent = new AtomicInteger();
    private final AtomicInteger concurrent = new AtomicInteger();

    @BeforeEach
    void start() throws IOException {
        server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        acceptor = Thread.ofVirtual().start(() -> {
            try (var connections = Executors.newVirtualThreadPerTaskExecutor()) {
                while (!server.isClosed()) {
                    Socket s = server.accept();
                    connections.submit(() -> {
                        try (s) {
                            handle(s);
                        }
                        return null;
                    });
                }
            } catch (IOException e) {
                // closed by stop()
            }
        });
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    private int port() {
        return server.getLocalPort();
    }

    /** One HTTP/1.1 request per connection; the response closes the connection when it ends. */
    private void handle(Socket socket) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        int length = 0;
        for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        char[] chars = new char[length];
        int read = 0;
        while (read < length) {
            int r = in.read(chars, read, length - read);
            if (r < 0) {
                break;
            }
            read += r;
        }
        String body = new String(chars, 0, read);
        int n = requests.incrementAndGet();
        int now = concurrent.incrementAndGet();
        maxConcurrent.accumulateAndGet(now, Math::max);
        OutputStream out = socket.getOutputStream();
        try {
            if (!body.contains("\"stream\":true") || !body.contains("\"max_tokens\":5")) {
                write(out, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                return;
            }
            if (n % 4 == 0) {
                write(out, "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Length: 0\r\n"
                        + "Connection: close\r\n\r\n");
                return;
            }
            write(out, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n");
            try {
                write(out, "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n");
                for (int i = 0; i < 5; i++) {
                    write(out, "data: {\"choices\":[{\"delta\":{\"content\":\"t" + i + "\"}}]}\n\n");
                    Thread.sleep(2);
                }
                if (n % 7 != 0) {
                    write(out, "data: [DONE]\n\n");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } finally {
            concurrent.decrementAndGet();
        }
    }

    private static void write(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private LoadOptions options(int concurrency, int count) {
        return new LoadOptions(URI.create("http://127.0.0.1:" + port()), concurrency, count, 5,
                Duration.ofMinutes(1), "hello", "m", null, ProcessHandle.current().pid());
    }

    @Test
    void countsTokensErrorsAndLatencies() {
        LoadReport r = LoadTool.run(options(4, 56));
        int refused = 56 / 4;
        int broken = 0;
        for (int n = 1; n <= 56; n++) {
            if (n % 4 != 0 && n % 7 == 0) {
                broken++;
            }
        }
        assertEquals(56, r.sent());
        assertEquals(56 - refused - broken, r.completed());
        assertEquals(Map.of("429", refused, "stream", broken), r.errors());
        assertEquals("HTTP 429", r.errorExamples().get("429"));
        assertTrue(r.errorExamples().get("stream").contains("without [DONE]"), r.errorExamples().toString());
        assertEquals(5L * r.completed(), r.tokens());
        assertTrue(r.ttftP50() > 0 && r.ttftP99() >= r.ttftP50(), r.format());
        assertTrue(r.latencyP99() >= r.latencyP50() && r.latencyP50() >= r.ttftP50(), r.format());
        assertTrue(maxConcurrent.get() <= 4, "more than 4 requests in flight: " + maxConcurrent.get());
        assertEquals(5, r.serverRssKiB().length, "RSS sampled at start, quarters and end");
        assertTrue(r.format().contains("tokens/s"));
    }

    @Test
    void refusesRemoteHostsAndUnboundedRuns() {
        URI local = URI.create("http://127.0.0.1:1");
        IllegalArgumentException remote = assertThrows(IllegalArgumentException.class, () -> new LoadOptions(
                URI.create("http://192.0.2.1:8080"), 1, 1, 1, Duration.ofSeconds(1), "p", "m", null, 0));
        assertTrue(remote.getMessage().contains("loopback"), remote.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new LoadOptions(local, 0, 1, 1, Duration.ofSeconds(1), "p", "m", null, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new LoadOptions(local, 1, LoadOptions.MAX_REQUESTS + 1, 1, Duration.ofSeconds(1), "p", "m", null, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new LoadOptions(local, 1, 1, 1, Duration.ofHours(2), "p", "m", null, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new LoadOptions(URI.create("https://127.0.0.1:1"), 1, 1, 1, Duration.ofSeconds(1), "p", "m", null, 0));
    }

    @Test
    void aDeadServerCountsAsIoErrors() throws IOException {
        int port = port();
        stop();
        LoadReport r = LoadTool.run(new LoadOptions(URI.create("http://127.0.0.1:" + port), 2, 6, 5,
                Duration.ofSeconds(30), "p", "m", null, 0));
        assertEquals(0, r.completed());
        assertEquals(Map.of("io", 6), r.errors());
        assertTrue(r.errorExamples().get("io").contains("Exception"), r.errorExamples().toString());
        assertTrue(r.format().contains("first io error"), r.format());
    }
}

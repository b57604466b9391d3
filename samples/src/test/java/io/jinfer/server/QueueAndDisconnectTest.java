package io.jinfer.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.SchedulerOptions;
import io.jinfer.api.SessionOptions;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One sequence at a time and a queue of one: a third request is refused with 429 and Retry-After, and
 * a streaming client that goes away cancels its generation, queued (noticed by the stream's keep-alive)
 * or running (noticed at the next token), which frees the sequence for the next.
 */
class QueueAndDisconnectTest {
    private static final String CANCELLED = "jinfer_generations_total{finish_reason=\"cancelled\"}";
    private static TestServer s;

    @BeforeAll
    static void start() {
        // a model slow enough that no 4000-token generation ends before its client is seen leaving
        s = TestServer.startSlow(new SchedulerOptions(1, 1, SessionOptions.defaults()));
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    /** A streaming chat that would run for thousands of tokens, open until its body is closed. */
    private static Stream open() throws Exception {
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"Tell me everything\"}],\"stream\":true,"
                + "\"max_tokens\":4000,\"ignore_eos\":true}";
        HttpResponse<InputStream> r = s.http.sendAsync(s.request("/v1/chat/completions", body).build(),
                HttpResponse.BodyHandlers.ofInputStream()).get(30, TimeUnit.SECONDS);
        assertEquals(200, r.statusCode());
        return new Stream(r.body());
    }

    private record Stream(InputStream body, BufferedReader lines) {
        Stream(InputStream body) {
            this(body, new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8)));
        }

        /** Reads events until one carries generated text. */
        void awaitText() throws Exception {
            for (String line; (line = lines.readLine()) != null; ) {
                if (line.contains("\"content\":\"") && !line.contains("\"content\":\"\"")) {
                    return;
                }
            }
            throw new AssertionError("the stream ended before any text");
        }
    }

    private static void eventually(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void queueFullIs429AndDisconnectCancels() throws Exception {
        double cancelledBefore = Math.max(0, s.metric(CANCELLED));
        Stream first = open();
        first.awaitText();
        assertEquals(1, s.scheduler.runningRequests());
        // the second waits in the queue: its handler sent the role chunk and waits for tokens
        Stream second = open();
        eventually(() -> s.scheduler.queuedRequests() == 1, "the second request is queued");
        HttpResponse<String> third = s.post("/v1/chat/completions",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":2}");
        JsonNodeCheck.error(third, 429);
        assertEquals("1", third.headers().firstValue("Retry-After").orElse(null));
        assertEquals(1, s.metric("jinfer_queue_depth"));
        assertEquals(1, s.metric("jinfer_running_sequences"));
        assertTrue(s.metric("jinfer_kv_pages_in_use") > 0, "the running request holds KV pages");

        // a queued client that goes away is noticed by the stream's keep-alive and leaves the queue
        second.body().close();
        eventually(() -> s.scheduler.queuedRequests() == 0, "the queued request left the queue");
        eventually(() -> s.metric(CANCELLED) == cancelledBefore + 1, "the queued generation is cancelled");
        assertEquals(1, s.scheduler.runningRequests(), "the running one goes on");

        // a running client that goes away frees the sequence for the next in the queue
        Stream fourth = open();
        eventually(() -> s.scheduler.queuedRequests() == 1, "the fourth request is queued");
        first.body().close();
        eventually(() -> s.metric(CANCELLED) == cancelledBefore + 2, "the first generation is cancelled");
        fourth.awaitText();
        assertEquals(0, s.scheduler.queuedRequests());
        fourth.body().close();
        eventually(() -> s.scheduler.runningRequests() == 0, "no sequence runs");
        eventually(() -> s.metric(CANCELLED) == cancelledBefore + 3, "the fourth generation is cancelled");
        assertEquals(0, s.metric("jinfer_running_sequences"));
        // Two generations ran (the queued one never started); neither reached its 4000 tokens. With
        // continuous batching a running stream can produce thousands of tokens of the tiny model before
        // its client's departure is noticed, so only the sum bound is certain.
        assertTrue(s.metric("jinfer_generated_tokens_total") < 2 * 4000,
                "cancelled before their 4000 tokens each");
    }

    @Test
    void nonStreamingClientThatGivesUpCancels() throws Exception {
        double cancelledBefore = Math.max(0, s.metric(CANCELLED));
        String body = "{\"prompt\":\"Once upon a time\",\"max_tokens\":4000,\"ignore_eos\":true}";
        var request = s.request("/v1/completions", body).timeout(java.time.Duration.ofMillis(500)).build();
        var answer = s.http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
        try {
            answer.get(30, TimeUnit.SECONDS);
            throw new AssertionError("4000 tokens came within half a second");
        } catch (java.util.concurrent.ExecutionException e) {
            assertTrue(e.getCause() instanceof java.net.http.HttpTimeoutException, e.toString());
        }
        // noticed at the second keep-alive space after the client left (about 2 s)
        eventually(() -> s.metric(CANCELLED) == cancelledBefore + 1, "the generation is cancelled");
        eventually(() -> s.scheduler.runningRequests() == 0, "no sequence runs");
    }

    /** The shape check of {@link ErrorsTest}, shared. */
    private static final class JsonNodeCheck {
        static void error(HttpResponse<String> r, int status) {
            ErrorsTest.error(r, status);
        }
    }
}

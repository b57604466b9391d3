package io.jinfer.server;

import static io.jinfer.server.TestServer.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every endpoint over real HTTP against a server on an ephemeral port. */
class EndpointsTest {
    private static TestServer s;

    @BeforeAll
    static void start() {
        s = TestServer.start();
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private static Map<String, Object> chat(String text, Object... more) {
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("model", TestServer.MODEL_ID);
        body.put("messages", List.of(Map.of("role", "system", "content", "Be brief."),
                Map.of("role", "user", "content", text)));
        for (int i = 0; i < more.length; i += 2) {
            body.put((String) more[i], more[i + 1]);
        }
        return body;
    }

    @Test
    void healthAndModels() {
        HttpResponse<String> h = s.get("/health");
        assertEquals(200, h.statusCode());
        assertEquals("ok", json(h).get("status").asText());
        JsonNode models = json(s.get("/v1/models"));
        assertEquals("list", models.get("object").asText());
        assertEquals(TestServer.MODEL_ID, models.get("data").get(0).get("id").asText());
        assertEquals("model", models.get("data").get(0).get("object").asText());
        assertEquals(TestServer.MODEL_ID, json(s.get("/v1/models/" + TestServer.MODEL_ID)).get("id").asText());
    }

    @Test
    void chatCompletionHasTheOpenAiShapeAndCountsTokens() {
        HttpResponse<String> r = s.post("/v1/chat/completions", chat("Hello", "max_tokens", 7, "temperature", 0,
                "ignore_eos", true));
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"));
        JsonNode b = json(r);
        assertTrue(b.get("id").asText().startsWith("chatcmpl-"));
        assertEquals("chat.completion", b.get("object").asText());
        assertEquals(TestServer.MODEL_ID, b.get("model").asText());
        JsonNode choice = b.get("choices").get(0);
        assertEquals("assistant", choice.get("message").get("role").asText());
        assertEquals("length", choice.get("finish_reason").asText());
        JsonNode usage = b.get("usage");
        assertEquals(7, usage.get("completion_tokens").asInt());
        // the plain template of a model without one: "Be brief.\n\nUser: Hello\nAssistant:" plus BOS
        int expectedPrompt = s.model.tokenizer().encode("Be brief.\n\nUser: Hello\nAssistant:").length;
        assertEquals(expectedPrompt, usage.get("prompt_tokens").asInt());
        assertEquals(expectedPrompt + 7, usage.get("total_tokens").asInt());
    }

    @Test
    void maxCompletionTokensWinsOverMaxTokens() {
        JsonNode b = json(s.post("/v1/chat/completions", chat("Hi", "max_tokens", 9, "max_completion_tokens", 3,
                "ignore_eos", true)));
        assertEquals(3, b.get("usage").get("completion_tokens").asInt());
    }

    @Test
    void sameSeedSameTextAndTemperatureZeroIsGreedy() {
        Map<String, Object> body = chat("Tell me a story", "max_tokens", 12, "temperature", 0.9, "seed", 42,
                "ignore_eos", true);
        String a = json(s.post("/v1/chat/completions", body)).get("choices").get(0).get("message").get("content").asText();
        String b = json(s.post("/v1/chat/completions", body)).get("choices").get(0).get("message").get("content").asText();
        assertEquals(a, b);
        assertFalse(a.isEmpty());
    }

    @Test
    void stopStringEndsTheTextWithFinishReasonStop() {
        Map<String, Object> free = Map.of("prompt", "Once upon a time", "max_tokens", 40, "temperature", 0,
                "ignore_eos", true);
        String text = json(s.post("/v1/completions", free)).get("choices").get(0).get("text").asText();
        assertTrue(text.length() > 10, text);
        String stop = text.substring(text.length() / 2, text.length() / 2 + 3);
        int cut = text.indexOf(stop);
        for (Object stops : List.of(stop, List.of("\u0000never", stop))) {
            Map<String, Object> body = new java.util.HashMap<>(free);
            body.put("stop", stops);
            JsonNode choice = json(s.post("/v1/completions", body)).get("choices").get(0);
            assertEquals(text.substring(0, cut), choice.get("text").asText());
            assertEquals("stop", choice.get("finish_reason").asText());
        }
    }

    @Test
    void concurrentRequestsAnswerAsEachAloneWould() throws Exception {
        List<String> prompts = List.of("Once upon a time", "The cat sat", "In a small town", "A dog ran");
        List<String> alone = new ArrayList<>();
        for (String p : prompts) {
            alone.add(json(s.post("/v1/completions", Map.of("prompt", p, "max_tokens", 12, "temperature", 0.8,
                    "seed", 7, "ignore_eos", true))).get("choices").get(0).get("text").asText());
        }
        List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> together = new ArrayList<>();
        for (String p : prompts) {
            String body = TestServer.JSON.writeValueAsString(Map.of("prompt", p, "max_tokens", 12, "temperature", 0.8,
                    "seed", 7, "ignore_eos", true));
            together.add(s.http.sendAsync(s.request("/v1/completions", body).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < prompts.size(); i++) {
            HttpResponse<String> r = together.get(i).get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(alone.get(i), json(r).get("choices").get(0).get("text").asText(), prompts.get(i));
        }
    }

    @Test
    void completionsAnswerText() {
        HttpResponse<String> r = s.post("/v1/completions", Map.of("prompt", List.of("Once upon a time"),
                "max_tokens", 5, "ignore_eos", true));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode b = json(r);
        assertEquals("text_completion", b.get("object").asText());
        assertTrue(b.get("id").asText().startsWith("cmpl-"));
        assertTrue(b.get("choices").get(0).has("text"));
        assertEquals(5, b.get("usage").get("completion_tokens").asInt());
        assertEquals(s.model.tokenizer().encode("Once upon a time").length, b.get("usage").get("prompt_tokens").asInt());
    }

    /** Parses an SSE body into its data payloads, checking the framing of every event. */
    static List<String> events(String body) {
        assertTrue(body.endsWith("data: [DONE]\n\n"), "the stream ends with [DONE]");
        List<String> out = new ArrayList<>();
        for (String event : body.split("\n\n")) {
            if (event.startsWith(": ")) {
                continue; // a keep-alive comment
            }
            assertTrue(event.startsWith("data: "), "every event is one data line: " + event);
            out.add(event.substring(6));
        }
        return out;
    }

    @Test
    void streamedChatChunksAddUpToTheSameAnswer() throws Exception {
        Map<String, Object> body = chat("Hello there", "max_tokens", 10, "temperature", 0, "ignore_eos", true);
        String whole = json(s.post("/v1/chat/completions", body)).get("choices").get(0).get("message").get("content")
                .asText();
        body.put("stream", true);
        body.put("stream_options", Map.of("include_usage", true));
        HttpResponse<String> r = s.post("/v1/chat/completions", body);
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        List<String> data = events(r.body());
        assertEquals("[DONE]", data.getLast());
        StringBuilder text = new StringBuilder();
        String id = null;
        List<JsonNode> chunks = new ArrayList<>();
        for (String d : data.subList(0, data.size() - 1)) {
            JsonNode c = TestServer.JSON.readTree(d);
            chunks.add(c);
            assertEquals("chat.completion.chunk", c.get("object").asText());
            if (id == null) {
                id = c.get("id").asText();
            }
            assertEquals(id, c.get("id").asText(), "one id for the whole stream");
            if (!c.get("choices").isEmpty()) {
                text.append(c.get("choices").get(0).get("delta").path("content").asText(""));
            }
        }
        assertEquals("assistant", chunks.getFirst().get("choices").get(0).get("delta").get("role").asText());
        JsonNode last = chunks.get(chunks.size() - 2).get("choices").get(0);
        assertEquals("length", last.get("finish_reason").asText());
        assertTrue(last.get("delta").isEmpty());
        JsonNode usage = chunks.getLast();
        assertTrue(usage.get("choices").isEmpty());
        assertEquals(10, usage.get("usage").get("completion_tokens").asInt());
        assertEquals(whole, text.toString());
        for (JsonNode c : chunks.subList(1, chunks.size() - 2)) {
            assertTrue(c.get("choices").get(0).get("finish_reason").isNull());
        }
    }

    @Test
    void streamedCompletionChunks() throws Exception {
        HttpResponse<String> r = s.post("/v1/completions", Map.of("prompt", "Once upon a time", "max_tokens", 6,
                "stream", true, "ignore_eos", true, "temperature", 0));
        List<String> data = events(r.body());
        JsonNode last = TestServer.JSON.readTree(data.get(data.size() - 2));
        assertEquals("text_completion", last.get("object").asText());
        assertEquals("length", last.get("choices").get(0).get("finish_reason").asText());
        assertFalse(last.has("usage"), "usage only when stream_options.include_usage asks for it");
        assertTrue(data.size() >= 3);
    }

    @Test
    void embeddingsAreUnitVectorsOfTheModelWidth() {
        HttpResponse<String> r = s.post("/v1/embeddings", Map.of("model", TestServer.MODEL_ID,
                "input", List.of("the cat sat", "a dog ran")));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode b = json(r);
        assertEquals("list", b.get("object").asText());
        assertEquals(2, b.get("data").size());
        float[][] vectors = new float[2][];
        for (int i = 0; i < 2; i++) {
            JsonNode e = b.get("data").get(i);
            assertEquals("embedding", e.get("object").asText());
            assertEquals(i, e.get("index").asInt());
            JsonNode v = e.get("embedding");
            assertEquals(128, v.size());
            vectors[i] = new float[v.size()];
            double norm = 0;
            for (int j = 0; j < v.size(); j++) {
                vectors[i][j] = (float) v.get(j).asDouble();
                norm += vectors[i][j] * vectors[i][j];
            }
            assertEquals(1.0, norm, 1e-4);
        }
        assertFalse(java.util.Arrays.equals(vectors[0], vectors[1]));
        int tokens = s.model.tokenizer().encode("the cat sat", true, false).length
                + s.model.tokenizer().encode("a dog ran", true, false).length;
        assertEquals(tokens, b.get("usage").get("prompt_tokens").asInt());

        JsonNode b64 = json(s.post("/v1/embeddings", Map.of("input", "the cat sat", "encoding_format", "base64")));
        ByteBuffer buf = ByteBuffer.wrap(Base64.getDecoder().decode(b64.get("data").get(0).get("embedding").asText()))
                .order(ByteOrder.LITTLE_ENDIAN);
        float[] decoded = new float[buf.remaining() / 4];
        buf.asFloatBuffer().get(decoded);
        assertArrayEquals(vectors[0], decoded, 1e-6f);
    }

    @Test
    void metricsAreReportedInPrometheusText() {
        s.post("/v1/completions", Map.of("prompt", "Once", "max_tokens", 3, "ignore_eos", true));
        HttpResponse<String> r = s.get("/metrics");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/plain"));
        String text = r.body();
        for (String name : List.of("jinfer_http_requests_total", "jinfer_generated_tokens_total",
                "jinfer_prompt_tokens_total", "jinfer_time_to_first_token_seconds", "jinfer_inter_token_latency_seconds",
                "jinfer_queue_depth", "jinfer_running_sequences", "jinfer_kv_pages_in_use")) {
            assertTrue(text.contains("# TYPE " + name + " "), name + " in\n" + text);
        }
        assertTrue(s.metric("jinfer_generated_tokens_total") >= 3);
        assertTrue(s.metric("jinfer_time_to_first_token_seconds_count") >= 1);
        assertTrue(s.metric("jinfer_time_to_first_token_seconds_bucket{le=\"+Inf\"}")
                == s.metric("jinfer_time_to_first_token_seconds_count"));
        assertTrue(s.metric("jinfer_http_requests_total{endpoint=\"/v1/completions\",status=\"200\"}") >= 1);
        assertEquals(0, s.metric("jinfer_running_sequences"));
    }

    @Test
    void chatPageIsServedAtTheRoot() {
        HttpResponse<String> r = s.get("/");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/html"));
        assertTrue(r.body().contains("/v1/chat/completions"));
        assertFalse(r.body().contains("http://") || r.body().contains("https://"), "no external resources");
        assertNotEquals(-1, r.body().indexOf("id=\"prompt\""));
    }
}

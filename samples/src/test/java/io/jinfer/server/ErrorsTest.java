package io.jinfer.server;

import static io.jinfer.server.TestServer.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jinfer.api.SchedulerOptions;
import io.jinfer.api.SessionOptions;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every refusal, in OpenAI's error shape, before any generation work. */
class ErrorsTest {
    private static TestServer s;

    @BeforeAll
    static void start() {
        s = TestServer.start(new SchedulerOptions(1, 4, SessionOptions.defaults()),
                ServerConfig.loopback(TestServer.MODEL_ID).withMaxBodyBytes(64 * 1024));
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    /** Checks the status and the error shape; returns the error object. */
    static JsonNode error(HttpResponse<String> r, int status) {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"));
        JsonNode e = json(r).get("error");
        for (String field : List.of("message", "type", "param", "code")) {
            assertTrue(e.has(field), "error has " + field + ": " + r.body());
        }
        assertTrue(e.get("message").isTextual() && !e.get("message").asText().isEmpty());
        return e;
    }

    private static JsonNode badChat(String body, String param) {
        JsonNode e = error(s.post("/v1/chat/completions", body), 400);
        assertEquals("invalid_request_error", e.get("type").asText());
        if (param == null) {
            assertTrue(e.get("param").isNull());
        } else {
            assertEquals(param, e.get("param").asText(), e.toString());
        }
        return e;
    }

    private static final String MSG = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";

    @Test
    void malformedJsonAndWrongFieldsAre400NamingTheField() {
        assertTrue(badChat("{\"messages\": [", null).get("message").asText().contains("not valid JSON"));
        badChat("[1,2]", null);
        badChat("", null);
        badChat("{}", "messages");
        badChat("{\"messages\":[]}", "messages");
        badChat("{\"messages\":[{\"role\":\"wizard\",\"content\":\"hi\"}]}", "messages[0].role");
        badChat("{\"messages\":[{\"role\":\"user\"}]}", "messages[0].content");
        badChat("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\"}]}]}", "messages[0].content[0]");
        badChat("{" + MSG + ",\"temperature\":\"hot\"}", "temperature");
        badChat("{" + MSG + ",\"temperature\":3}", "temperature");
        badChat("{" + MSG + ",\"top_p\":0}", "top_p");
        badChat("{" + MSG + ",\"max_tokens\":0}", "max_tokens");
        badChat("{" + MSG + ",\"max_completion_tokens\":1.5}", "max_completion_tokens");
        badChat("{" + MSG + ",\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}", "stop");
        badChat("{" + MSG + ",\"stop\":7}", "stop");
        badChat("{" + MSG + ",\"seed\":\"x\"}", "seed");
        badChat("{" + MSG + ",\"stream\":\"yes\"}", "stream");
        badChat("{" + MSG + ",\"n\":2}", "n");
        error(s.post("/v1/completions", "{\"prompt\":5}"), 400);
        assertEquals("input", error(s.post("/v1/embeddings", "{\"input\":[]}"), 400).get("param").asText());
    }

    @Test
    void unknownModelIs404() {
        JsonNode e = error(s.post("/v1/chat/completions", "{\"model\":\"gpt-9\"," + MSG + "}"), 404);
        assertEquals("model_not_found", e.get("code").asText());
        assertEquals("model", e.get("param").asText());
        error(s.get("/v1/models/gpt-9"), 404);
        assertEquals("not_found", error(s.get("/v1/nothing"), 404).get("code").asText());
        error(s.post("/v1/embeddings", "{\"model\":\"gpt-9\",\"input\":\"x\"}"), 404);
    }

    @Test
    void promptBeyondTheContextIs400BeforeAnyWork() {
        double prompts = s.metric("jinfer_prompt_tokens_total");
        String longText = "once upon a time ".repeat(2000);
        JsonNode e = error(s.post("/v1/completions", Map.of("prompt", longText)), 400);
        assertEquals("context_length_exceeded", e.get("code").asText());
        assertEquals("prompt", e.get("param").asText());
        e = error(s.post("/v1/chat/completions", Map.of("messages", List.of(Map.of("role", "user",
                "content", longText)))), 400);
        assertEquals("messages", e.get("param").asText());
        assertEquals(prompts, s.metric("jinfer_prompt_tokens_total"), "no prompt reached the model");
    }

    @Test
    void bodyTooLargeIs413() {
        String big = "{\"prompt\":\"" + "a".repeat(100 * 1024) + "\"}";
        JsonNode e = error(s.post("/v1/completions", big), 413);
        assertEquals("request_too_large", e.get("code").asText());
    }

    @Test
    void keyIsCheckedWhenConfigured() {
        try (TestServer keyed = TestServer.start(new SchedulerOptions(1, 4, SessionOptions.defaults()),
                ServerConfig.loopback(TestServer.MODEL_ID).withApiKey("sekret"))) {
            JsonNode e = error(keyed.get("/v1/models"), 401);
            assertEquals("invalid_api_key", e.get("code").asText());
            error(keyed.send(HttpRequest.newBuilder(keyed.uri("/v1/models")).header("Authorization", "Bearer nope")
                    .build()), 401);
            error(keyed.send(keyed.request("/v1/chat/completions", "{" + MSG + "}").header("Authorization", "sekret")
                    .build()), 401);
            HttpResponse<String> ok = keyed.send(HttpRequest.newBuilder(keyed.uri("/v1/models"))
                    .header("Authorization", "Bearer sekret").build());
            assertEquals(200, ok.statusCode());
            HttpResponse<String> chat = keyed.send(keyed.request("/v1/chat/completions", "{" + MSG
                    + ",\"max_tokens\":2}").header("Authorization", "Bearer sekret").build());
            assertEquals(200, chat.statusCode(), chat.body());
            assertEquals(200, keyed.get("/health").statusCode(), "health needs no key");
        }
    }
}

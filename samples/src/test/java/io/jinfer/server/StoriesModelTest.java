package io.jinfer.server;

import static io.jinfer.server.TestServer.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import io.jinfer.cli.SharedFixtures;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** stories260K, a real model without a chat template: the plain template, real text. */
class StoriesModelTest {
    @Test
    void chatsThroughThePlainTemplate() {
        try (TestServer s = TestServer.start(SharedFixtures.require("models/stories260K.gguf"), "stories260K")) {
            JsonNode model = json(s.get("/v1/models")).get("data").get(0);
            assertEquals("plain", model.get("meta").get("chat_template").asText());
            JsonNode r = json(s.post("/v1/completions", Map.of("model", "stories260K", "prompt", "Once upon a time",
                    "max_tokens", 16, "temperature", 0)));
            String text = r.get("choices").get(0).get("text").asText();
            assertFalse(text.isBlank());
            // greedy text through the server is the runtime's greedy text
            var direct = s.model.newSession();
            String expected = direct.generate(io.jinfer.api.GenerationRequest.builder("Once upon a time").maxTokens(16)
                    .build(), io.jinfer.api.TokenListener.NONE).text();
            direct.close();
            assertEquals(expected, text);
            JsonNode chat = json(s.post("/v1/chat/completions", Map.of("messages",
                    List.of(Map.of("role", "user", "content", "Tell me a story.")), "max_tokens", 8)));
            assertEquals("assistant", chat.get("choices").get(0).get("message").get("role").asText());
        }
    }
}

package io.jinfer.server;

import static io.jinfer.server.TestServer.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import io.jinfer.api.SchedulerOptions;
import io.jinfer.api.SessionOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official OpenAI Java SDK and LangChain4j's OpenAI module against the running server, with the
 * client code their documentation shows: only the base URL, key and model name point at jinfer. Each
 * answer is compared with what the same request gives over plain HTTP (greedy, so it is one text).
 */
class RealClientsTest {
    private static final String KEY = "test-key";
    private static final String QUESTION = "Write a short poem";
    private static TestServer s;
    private static String baseUrl;

    @BeforeAll
    static void start() {
        s = TestServer.start(new SchedulerOptions(2, 16, SessionOptions.defaults()),
                ServerConfig.loopback(TestServer.MODEL_ID).withApiKey(KEY));
        baseUrl = "http://127.0.0.1:" + s.server.port() + "/v1";
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    /** The greedy answer to {@link #QUESTION} over plain HTTP. */
    private static String expected(int maxTokens) throws Exception {
        String body = TestServer.JSON.writeValueAsString(Map.of("model", TestServer.MODEL_ID, "temperature", 0,
                "max_tokens", maxTokens, "messages", List.of(Map.of("role", "user", "content", QUESTION))));
        var r = s.send(s.request("/v1/chat/completions", body).header("Authorization", "Bearer " + KEY).build());
        assertEquals(200, r.statusCode(), r.body());
        return json(r).get("choices").get(0).get("message").get("content").asText();
    }

    @Test
    void openAiSdkChatPlainAndStreaming() throws Exception {
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(baseUrl).apiKey(KEY).build();
        try {
            ChatCompletionCreateParams params = ChatCompletionCreateParams.builder()
                    .model(TestServer.MODEL_ID)
                    .addSystemMessage("You are a poet.")
                    .addUserMessage(QUESTION)
                    .temperature(0.0)
                    .maxCompletionTokens(12)
                    .build();
            ChatCompletion completion = client.chat().completions().create(params);
            completion.validate();
            String text = completion.choices().getFirst().message().content().orElseThrow();
            assertTrue(completion.usage().orElseThrow().completionTokens() <= 12);

            StringBuilder streamed = new StringBuilder();
            List<String> reasons = new ArrayList<>();
            try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
                stream.stream().forEach(chunk -> chunk.choices().forEach(choice -> {
                    choice.delta().content().ifPresent(streamed::append);
                    choice.finishReason().ifPresent(f -> reasons.add(f.asString()));
                }));
            }
            assertEquals(text, streamed.toString());
            assertEquals(1, reasons.size());
            assertTrue(List.of("stop", "length").contains(reasons.getFirst()));
        } finally {
            client.close();
        }
    }

    @Test
    void openAiSdkCompletionsModelsAndEmbeddings() {
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(baseUrl).apiKey(KEY).build();
        try {
            assertEquals(TestServer.MODEL_ID, client.models().list().data().getFirst().id());
            Completion c = client.completions().create(CompletionCreateParams.builder()
                    .model(TestServer.MODEL_ID).prompt("Once upon a time").maxTokens(5).temperature(0.0).build());
            c.validate();
            assertFalse(c.choices().isEmpty());
            CreateEmbeddingResponse e = client.embeddings().create(EmbeddingCreateParams.builder()
                    .model(TestServer.MODEL_ID).input("the cat sat").build());
            assertEquals(128, e.data().getFirst().embedding().size());
        } finally {
            client.close();
        }
    }

    @Test
    void langChain4jChatPlainAndStreaming() throws Exception {
        String expected = expected(12);
        OpenAiChatModel chat = OpenAiChatModel.builder().baseUrl(baseUrl).apiKey(KEY).modelName(TestServer.MODEL_ID)
                .temperature(0.0).maxTokens(12).build();
        assertEquals(expected, chat.chat(QUESTION));

        OpenAiStreamingChatModel streaming = OpenAiStreamingChatModel.builder().baseUrl(baseUrl).apiKey(KEY)
                .modelName(TestServer.MODEL_ID).temperature(0.0).maxTokens(12).build();
        StringBuilder partial = new StringBuilder();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        streaming.chat(QUESTION, new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String text) {
                partial.append(text);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse response = done.get(60, TimeUnit.SECONDS);
        assertEquals(expected, partial.toString());
        assertEquals(expected, response.aiMessage().text());
    }
}

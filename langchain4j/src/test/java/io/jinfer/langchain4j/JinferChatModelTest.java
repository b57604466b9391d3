package io.jinfer.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import io.jinfer.api.GenerationRequest;
import io.jinfer.api.GenerationResult;
import io.jinfer.api.GenerationScheduler;
import io.jinfer.api.Model;
import io.jinfer.api.Runtime;
import io.jinfer.api.SamplingParams;
import io.jinfer.api.SchedulerOptions;
import io.jinfer.api.TokenListener;
import io.jinfer.loader.synth.SyntheticModel;
import io.jinfer.loader.synth.SyntheticModels;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Both LangChain4j models against the runtime itself, on the tiny synthetic model. */
class JinferChatModelTest {
    private static Path file;
    private static Runtime runtime;
    private static Model model;
    private static GenerationScheduler scheduler;

    @BeforeAll
    static void load() throws Exception {
        Path dir = Files.createTempDirectory("jinfer-lc4j-");
        dir.toFile().deleteOnExit();
        file = dir.resolve("tiny.gguf");
        file.toFile().deleteOnExit();
        SyntheticModels.write(SyntheticModel.tiny(), file);
        runtime = Runtime.builder().threads(2).build();
        model = runtime.loadModel(file);
        scheduler = model.newScheduler(SchedulerOptions.defaults().withParallel(2));
    }

    @AfterAll
    static void close() {
        scheduler.close();
        model.close();
        runtime.close();
    }

    private static ChatRequest request(int maxTokens, List<String> stops) {
        return ChatRequest.builder()
                .messages(SystemMessage.from("Be brief."), UserMessage.from("Hi"), AiMessage.from("Hello"),
                        UserMessage.from("Tell me a story"))
                .temperature(0.0).maxOutputTokens(maxTokens).stopSequences(stops).build();
    }

    /** The same generation straight through the scheduler. */
    private static GenerationResult direct(int maxTokens, List<String> stops) {
        String prompt = "Be brief.\n\nUser: Hi\nAssistant: Hello\nUser: Tell me a story\nAssistant:";
        return scheduler.submit(GenerationRequest.builder(prompt).maxTokens(maxTokens).stopStrings(stops)
                .sampling(SamplingParams.builder().temperature(0).build()).build(), TokenListener.NONE)
                .result().join();
    }

    @Test
    void chatAnswersAsTheRuntimeDoes() {
        GenerationResult expected = direct(10, List.of());
        ChatResponse r = JinferChatModel.builder(model, scheduler).build().chat(request(10, List.of()));
        assertEquals(expected.text(), r.aiMessage().text());
        assertEquals(expected.promptTokens(), r.tokenUsage().inputTokenCount());
        assertEquals(expected.generatedTokens(), r.tokenUsage().outputTokenCount());
        assertEquals(expected.generatedTokens() == 10 ? FinishReason.LENGTH : FinishReason.STOP, r.finishReason());
        assertEquals(model.name(), r.modelName());
    }

    @Test
    void stopSequencesEndTheAnswer() {
        String free = direct(40, List.of()).text();
        assumeTrue(free.length() >= 8, "skipped: the random model ended its answer early; nothing to cut: " + free);
        String stop = free.substring(free.length() / 2, free.length() / 2 + 2);
        ChatResponse r = JinferChatModel.builder(model, scheduler).build().chat(request(40, List.of(stop)));
        assertEquals(free.substring(0, free.indexOf(stop)), r.aiMessage().text());
        assertEquals(FinishReason.STOP, r.finishReason());
    }

    @Test
    void streamingSendsThePiecesThenTheWhole() throws Exception {
        String expected = direct(16, List.of()).text();
        List<String> pieces = new ArrayList<>();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        JinferStreamingChatModel.builder(model, scheduler).build().chat(request(16, List.of()),
                new StreamingChatResponseHandler() {
                    @Override
                    public void onPartialResponse(String text) {
                        pieces.add(text);
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
        ChatResponse r = done.get(60, TimeUnit.SECONDS);
        assertEquals(expected, r.aiMessage().text());
        assertEquals(expected, String.join("", pieces));
    }

    @Test
    void aCustomPromptSeesEveryTurn() {
        List<ChatPrompt.Turn> seen = new ArrayList<>();
        JinferChatModel chat = JinferChatModel.builder(model, scheduler).prompt(turns -> {
            seen.addAll(turns);
            return "<s>[chat] " + turns.getLast().content();
        }).build();
        chat.chat(request(2, List.of()));
        assertEquals(List.of(new ChatPrompt.Turn("system", "Be brief."), new ChatPrompt.Turn("user", "Hi"),
                new ChatPrompt.Turn("assistant", "Hello"), new ChatPrompt.Turn("user", "Tell me a story")), seen);
        // the template wrote BOS: the tokenizer adds none
        int[] once = model.tokenizer().encode("<s>[chat] Tell me a story", false, true);
        assertEquals(once.length, chat.chat(request(2, List.of())).tokenUsage().inputTokenCount());
    }

    @Test
    void toolsAreRefused() {
        ChatRequest withTools = ChatRequest.builder().messages(UserMessage.from("What time is it?"))
                .toolSpecifications(ToolSpecification.builder().name("clock").description("time").build()).build();
        assertThrows(UnsupportedFeatureException.class,
                () -> JinferChatModel.builder(model, scheduler).build().chat(withTools));
        CompletableFuture<Throwable> error = new CompletableFuture<>();
        JinferStreamingChatModel.builder(model, scheduler).build().chat(withTools, new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String text) {}

            @Override
            public void onCompleteResponse(ChatResponse response) {
                error.complete(null);
            }

            @Override
            public void onError(Throwable e) {
                error.complete(e);
            }
        });
        assertTrue(error.join() instanceof UnsupportedFeatureException);
    }

    @Test
    void theSampleRuns() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Sample.run(file, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("answer: ") && out.contains("streamed: ") && out.contains("finish: "), out);
    }
}

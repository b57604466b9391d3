package io.jinfer.langchain4j;

import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import io.jinfer.api.GenerationScheduler;
import io.jinfer.api.Model;
import io.jinfer.api.Runtime;
import io.jinfer.api.SchedulerOptions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * The sample: LangChain4j code that runs a GGUF model in-process. Run it with a model file:
 * {@code java ... io.jinfer.langchain4j.Sample model.gguf}.
 */
public final class Sample {
    private Sample() {}

    /**
     * Asks the model a question, once whole and once streamed.
     *
     * @param args the model file
     * @throws Exception when the model cannot be loaded or the stream fails
     */
    public static void main(String[] args) throws Exception {
        run(Path.of(args[0]), System.out);
    }

    static void run(Path modelFile, PrintStream out) throws Exception {
        try (Runtime runtime = Runtime.builder().build();
                Model model = runtime.loadModel(modelFile);
                GenerationScheduler scheduler = model.newScheduler(SchedulerOptions.defaults())) {
            ChatModel chat = JinferChatModel.builder(model, scheduler).build();
            ChatResponse answer = chat.chat(ChatRequest.builder()
                    .messages(SystemMessage.from("You tell short stories."), UserMessage.from("Tell me a story."))
                    .maxOutputTokens(32)
                    .build());
            out.println("answer: " + answer.aiMessage().text());
            out.println("tokens: " + answer.tokenUsage());

            StreamingChatModel streaming = JinferStreamingChatModel.builder(model, scheduler).build();
            CompletableFuture<ChatResponse> done = new CompletableFuture<>();
            out.print("streamed: ");
            streaming.chat("Tell me another story.", new StreamingChatResponseHandler() {
                @Override
                public void onPartialResponse(String text) {
                    out.print(text);
                    out.flush();
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
            out.println();
            out.println("finish: " + done.get().finishReason());
        }
    }
}

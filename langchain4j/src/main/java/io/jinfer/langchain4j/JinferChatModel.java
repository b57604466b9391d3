package io.jinfer.langchain4j;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import io.jinfer.api.GenerationResult;
import io.jinfer.api.GenerationScheduler;
import io.jinfer.api.Model;
import io.jinfer.api.SamplingParams;
import io.jinfer.api.TokenListener;
import java.util.concurrent.CompletionException;

/**
 * A LangChain4j {@link ChatModel} that generates in this JVM through a {@link GenerationScheduler}:
 * concurrent calls run as the scheduler batches them. Supports temperature, top-p, top-k, frequency
 * and presence penalties, max output tokens and stop sequences; tools and JSON schemas are refused
 * with {@link dev.langchain4j.exception.UnsupportedFeatureException}.
 *
 * <pre>{@code
 * ChatModel chat = JinferChatModel.builder(model, scheduler).build();
 * String answer = chat.chat("Tell me a story");
 * }</pre>
 */
public final class JinferChatModel implements ChatModel {
    private final Settings settings;

    private JinferChatModel(Settings settings) {
        this.settings = settings;
    }

    /**
     * Starts building a chat model.
     *
     * @param model the loaded model
     * @param scheduler the scheduler that runs its generations (the caller closes both)
     * @return a builder with the model's chat template and the default seed
     */
    public static Builder builder(Model model, GenerationScheduler scheduler) {
        return new Builder(model, scheduler);
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        try {
            GenerationResult r = settings.scheduler()
                    .submit(Conversions.request(request, settings), TokenListener.NONE).result().join();
            return Conversions.response(r, settings.model().name());
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : e;
        }
    }

    /** Builder of {@link JinferChatModel}. */
    public static final class Builder {
        private final Model model;
        private final GenerationScheduler scheduler;
        private ChatPrompt prompt;
        private long seed = SamplingParams.builder().build().seed();

        private Builder(Model model, GenerationScheduler scheduler) {
            this.model = model;
            this.scheduler = scheduler;
        }

        /**
         * Sets how chats become prompts (default {@link ChatPrompt#forModel(Model)}, the model's own template).
         *
         * @param p the prompt format, usually the model's chat template
         * @return this builder
         */
        public Builder prompt(ChatPrompt p) {
            prompt = p;
            return this;
        }

        /**
         * Sets the sampling seed of every request.
         *
         * @param s the seed
         * @return this builder
         */
        public Builder seed(long s) {
            seed = s;
            return this;
        }

        /**
         * Builds the chat model.
         *
         * @return the chat model
         * @throws IllegalArgumentException when the model, scheduler or prompt is null
         */
        public JinferChatModel build() {
            return new JinferChatModel(Settings.of(model, scheduler, prompt != null ? prompt : ChatPrompt.forModel(model), seed));
        }
    }
}

package io.jinfer.langchain4j;

import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import io.jinfer.api.GenerationScheduler;
import io.jinfer.api.Model;
import io.jinfer.api.SamplingParams;
import io.jinfer.api.ScheduledGeneration;

/**
 * A LangChain4j {@link StreamingChatModel} over a {@link GenerationScheduler}: each piece of text
 * goes to {@link StreamingChatResponseHandler#onPartialResponse(String)} as soon as it is decoded
 * (on the scheduler's thread), then the whole answer to {@code onCompleteResponse}. A handler that
 * throws stops the generation; the exception then goes to {@code onError}.
 */
public final class JinferStreamingChatModel implements StreamingChatModel {
    private final Settings settings;

    private JinferStreamingChatModel(Settings settings) {
        this.settings = settings;
    }

    /**
     * Starts building a streaming chat model.
     *
     * @param model the loaded model
     * @param scheduler the scheduler that runs its generations (the caller closes both)
     * @return a builder with the model's chat template and the default seed
     */
    public static Builder builder(Model model, GenerationScheduler scheduler) {
        return new Builder(model, scheduler);
    }

    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        RuntimeException[] failed = new RuntimeException[1];
        ScheduledGeneration gen;
        try {
            gen = settings.scheduler().submit(Conversions.request(request, settings), (token, text) -> {
                if (text.isEmpty()) {
                    return true;
                }
                try {
                    handler.onPartialResponse(text);
                    return true;
                } catch (RuntimeException e) {
                    failed[0] = e;
                    return false;
                }
            });
        } catch (RuntimeException e) {
            handler.onError(e);
            return;
        }
        gen.result().whenComplete((r, error) -> {
            if (error != null) {
                handler.onError(error instanceof java.util.concurrent.CompletionException c && c.getCause() != null
                        ? c.getCause() : error);
            } else if (failed[0] != null) {
                handler.onError(failed[0]);
            } else {
                handler.onCompleteResponse(Conversions.response(r, settings.model().name()));
            }
        });
    }

    /** Builder of {@link JinferStreamingChatModel}. */
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
         * Builds the streaming chat model.
         *
         * @return the streaming chat model
         * @throws IllegalArgumentException when the model, scheduler or prompt is null
         */
        public JinferStreamingChatModel build() {
            return new JinferStreamingChatModel(Settings.of(model, scheduler, prompt != null ? prompt : ChatPrompt.forModel(model), seed));
        }
    }
}

package io.jinfer.langchain4j;

import io.jinfer.api.GenerationScheduler;
import io.jinfer.api.Model;

/**
 * What both chat models are built from.
 *
 * @param model the loaded model (for its tokenizer and name)
 * @param scheduler runs the generations; shared with any other user of the model
 * @param prompt how chats become prompts
 * @param seed the sampling seed of every request
 * @param contextLength positions of a sequence's context in the scheduler
 */
record Settings(Model model, GenerationScheduler scheduler, ChatPrompt prompt, long seed, int contextLength) {

    static Settings of(Model model, GenerationScheduler scheduler, ChatPrompt prompt, long seed) {
        if (model == null || scheduler == null || prompt == null) {
            throw new IllegalArgumentException("model, scheduler and prompt must not be null");
        }
        int ctx = scheduler.options().session().contextLength();
        return new Settings(model, scheduler, prompt, seed, ctx == 0 ? Math.min(model.trainedContextLength(), 4096)
                : ctx);
    }
}

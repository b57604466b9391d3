package io.jinfer.server;

import io.jinfer.api.SamplingParams;
import java.util.List;

/**
 * The generation fields shared by {@code /v1/chat/completions} and {@code /v1/completions}, checked.
 *
 * @param model the model the client named, or {@code null}
 * @param sampling how to choose tokens
 * @param maxTokens the most tokens to generate, or {@code null} for as many as the context holds
 * @param stops stop strings (at most 4)
 * @param stream whether to answer with server-sent events
 * @param includeUsage whether a stream ends with a usage chunk ({@code stream_options.include_usage})
 * @param ignoreEos whether end-of-generation tokens are ignored (llama.cpp's {@code ignore_eos})
 */
public record GenerationSettings(String model, SamplingParams sampling, Integer maxTokens, List<String> stops,
        boolean stream, boolean includeUsage, boolean ignoreEos) {

    /** Copies the stop list. */
    public GenerationSettings {
        stops = List.copyOf(stops);
    }
}

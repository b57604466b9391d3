package io.jinfer.langchain4j;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.ChatResponseMetadata;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import io.jinfer.api.GenerationRequest;
import io.jinfer.api.GenerationResult;
import io.jinfer.api.SamplingParams;
import io.jinfer.api.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/** Between LangChain4j's requests and responses and the runtime's; shared by both chat models. */
final class Conversions {
    private Conversions() {}

    /** A request the scheduler can run: the rendered, tokenized chat and the request's parameters. */
    static GenerationRequest request(ChatRequest request, Settings s) {
        ChatRequestParameters p = request.parameters();
        if (p.toolSpecifications() != null && !p.toolSpecifications().isEmpty()) {
            throw new UnsupportedFeatureException("jinfer chat models do not call tools");
        }
        if (p.responseFormat() != null && p.responseFormat().jsonSchema() != null) {
            throw new UnsupportedFeatureException("jinfer chat models do not constrain output to a JSON schema");
        }
        String text = s.prompt().render(turns(request.messages()));
        Tokenizer tok = s.model().tokenizer();
        String bos = tok.bosToken() >= 0 ? tok.tokenText(tok.bosToken()) : "";
        // a template that writes BOS itself must not get a second one from the tokenizer
        int[] tokens = tok.encode(text, bos.isEmpty() || !text.startsWith(bos), true);
        SamplingParams.Builder sampling = SamplingParams.builder().seed(s.seed());
        if (p.temperature() != null) {
            sampling.temperature(p.temperature().floatValue());
        }
        if (p.topP() != null) {
            sampling.topP(p.topP().floatValue());
        }
        if (p.topK() != null) {
            sampling.topK(p.topK());
        }
        if (p.frequencyPenalty() != null) {
            sampling.frequencyPenalty(p.frequencyPenalty().floatValue());
        }
        if (p.presencePenalty() != null) {
            sampling.presencePenalty(p.presencePenalty().floatValue());
        }
        int room = s.contextLength() - tokens.length;
        if (room < 1) {
            throw new IllegalArgumentException("the chat has " + tokens.length + " tokens but the context holds "
                    + s.contextLength());
        }
        int max = p.maxOutputTokens() == null ? room : Math.min(p.maxOutputTokens(), room);
        return GenerationRequest.builder(tokens).sampling(sampling.build()).maxTokens(max)
                .stopStrings(p.stopSequences()).build();
    }

    static List<ChatPrompt.Turn> turns(List<ChatMessage> messages) {
        List<ChatPrompt.Turn> out = new ArrayList<>();
        for (ChatMessage m : messages) {
            out.add(switch (m) {
                case SystemMessage sm -> new ChatPrompt.Turn("system", sm.text());
                case UserMessage um -> {
                    if (!um.hasSingleText()) {
                        throw new UnsupportedFeatureException("jinfer chat models read text messages only");
                    }
                    yield new ChatPrompt.Turn("user", um.singleText());
                }
                case AiMessage am -> new ChatPrompt.Turn("assistant", am.text() == null ? "" : am.text());
                case ToolExecutionResultMessage tm -> new ChatPrompt.Turn("tool", tm.text());
                default -> throw new UnsupportedFeatureException("unsupported message type " + m.type());
            });
        }
        return out;
    }

    static ChatResponse response(GenerationResult r, String modelName) {
        return ChatResponse.builder()
                .aiMessage(AiMessage.from(r.text()))
                .metadata(ChatResponseMetadata.builder()
                        .modelName(modelName)
                        .tokenUsage(new TokenUsage(r.promptTokens(), r.generatedTokens()))
                        .finishReason(finishReason(r.finishReason()))
                        .build())
                .build();
    }

    static FinishReason finishReason(io.jinfer.api.FinishReason r) {
        return switch (r) {
            case END_OF_GENERATION, STOP_STRING -> FinishReason.STOP;
            case MAX_TOKENS, CONTEXT_FULL -> FinishReason.LENGTH;
            case CANCELLED -> FinishReason.OTHER;
        };
    }
}

package io.jinfer.server;

import io.jinfer.chat.ChatMessage;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jinfer.api.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Reads OpenAI request bodies into checked values. Every refusal is a 400 {@link ApiError} naming the
 * field. Fields the server does not use (user, logprobs, tools...) are ignored, as lenient servers do,
 * so clients that always send them still work.
 */
final class RequestParser {
    /** OpenAI allows at most this many stop strings. */
    static final int MAX_STOPS = 4;

    private final ObjectMapper json;

    RequestParser(ObjectMapper json) {
        this.json = json;
    }

    /** Parses a body that must be one JSON object. */
    ObjectNode object(byte[] body) {
        if (body.length == 0) {
            throw new ApiError(400, "invalid_request_error", "the request body is empty; expected a JSON object",
                    null, null);
        }
        JsonNode node;
        try {
            node = json.readTree(body);
        } catch (JsonProcessingException e) {
            throw new ApiError(400, "invalid_request_error",
                    "the request body is not valid JSON: " + e.getOriginalMessage(), null, null);
        } catch (java.io.IOException e) {
            throw new ApiError(400, "invalid_request_error", "the request body could not be read", null, null);
        }
        if (!(node instanceof ObjectNode o)) {
            throw new ApiError(400, "invalid_request_error", "the request body must be a JSON object", null, null);
        }
        return o;
    }

    /** The fields of both completion endpoints; {@code max_completion_tokens} wins over {@code max_tokens}. */
    GenerationSettings settings(ObjectNode body) {
        SamplingParams defaults = SamplingParams.builder().build();
        String model = optString(body, "model");
        int n = optInt(body, "n", 1, 1, Integer.MAX_VALUE);
        if (n != 1) {
            throw ApiError.badField("n", "n must be 1: this server returns one choice per request");
        }
        Integer maxTokens = optInteger(body, "max_completion_tokens", 1);
        if (maxTokens == null) {
            maxTokens = optInteger(body, "max_tokens", 1);
        }
        SamplingParams sampling = SamplingParams.builder()
                .temperature((float) optNumber(body, "temperature", defaults.temperature(), 0, 2))
                .topP(positive(body, "top_p", optNumber(body, "top_p", defaults.topP(), 0, 1)))
                .topK(optInt(body, "top_k", defaults.topK(), 0, Integer.MAX_VALUE))
                .minP((float) optNumber(body, "min_p", defaults.minP(), 0, 1))
                .frequencyPenalty((float) optNumber(body, "frequency_penalty", 0, -2, 2))
                .presencePenalty((float) optNumber(body, "presence_penalty", 0, -2, 2))
                .repetitionPenalty(positive(body, "repeat_penalty", optNumber(body, "repeat_penalty", 1.0, 0, 10)))
                .seed(body.hasNonNull("seed") ? longField(body, "seed") : ThreadLocalRandom.current().nextLong())
                .build();
        boolean stream = optBoolean(body, "stream", false);
        boolean includeUsage = false;
        JsonNode options = body.get("stream_options");
        if (options != null && !options.isNull()) {
            if (!options.isObject()) {
                throw ApiError.badField("stream_options", "stream_options must be an object");
            }
            includeUsage = optBoolean((ObjectNode) options, "include_usage", false, "stream_options.include_usage");
        }
        return new GenerationSettings(model, sampling, maxTokens, stops(body), stream, includeUsage,
                optBoolean(body, "ignore_eos", false));
    }

    /** {@code messages}: a non-empty array of {role, content}; content may be a string or text parts. */
    List<ChatMessage> messages(ObjectNode body) {
        JsonNode m = body.get("messages");
        if (m == null || m.isNull()) {
            throw ApiError.badField("messages", "messages is required");
        }
        if (!m.isArray() || m.isEmpty()) {
            throw ApiError.badField("messages", "messages must be a non-empty array");
        }
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < m.size(); i++) {
            String at = "messages[" + i + "]";
            JsonNode msg = m.get(i);
            if (!msg.isObject()) {
                throw ApiError.badField(at, at + " must be an object");
            }
            JsonNode role = msg.get("role");
            if (role == null || !role.isTextual()) {
                throw ApiError.badField(at + ".role", at + ".role must be a string");
            }
            String r = switch (role.asText()) {
                case "system", "developer" -> "system";
                case "user", "assistant", "tool" -> role.asText();
                default -> throw ApiError.badField(at + ".role", at + ".role must be one of system, developer, "
                        + "user, assistant, tool; got '" + role.asText() + "'");
            };
            out.add(new ChatMessage(r, content(msg.get("content"), at + ".content", r)));
        }
        return out;
    }

    private static String content(JsonNode c, String at, String role) {
        if (c == null || c.isNull()) {
            if (role.equals("assistant")) {
                return ""; // an assistant turn that only called tools
            }
            throw ApiError.badField(at, at + " is required");
        }
        if (c.isTextual()) {
            return c.asText();
        }
        if (c.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < c.size(); i++) {
                JsonNode part = c.get(i);
                JsonNode type = part.get("type");
                if (type == null || !"text".equals(type.asText()) || !part.path("text").isTextual()) {
                    throw ApiError.badField(at + "[" + i + "]", at + "[" + i
                            + "] must be a {\"type\":\"text\",\"text\":...} part: this server reads text only");
                }
                sb.append(part.get("text").asText());
            }
            return sb.toString();
        }
        throw ApiError.badField(at, at + " must be a string or an array of text parts");
    }

    /** {@code prompt} of /v1/completions: a string, or an array holding one string. */
    String prompt(ObjectNode body) {
        JsonNode p = body.get("prompt");
        if (p == null || p.isNull()) {
            throw ApiError.badField("prompt", "prompt is required");
        }
        if (p.isTextual()) {
            return p.asText();
        }
        if (p.isArray() && p.size() == 1 && p.get(0).isTextual()) {
            return p.get(0).asText();
        }
        throw ApiError.badField("prompt", "prompt must be a string (or an array of exactly one string)");
    }

    /** {@code input} of /v1/embeddings: a string or an array of strings. */
    List<String> inputs(ObjectNode body) {
        JsonNode in = body.get("input");
        if (in == null || in.isNull()) {
            throw ApiError.badField("input", "input is required");
        }
        if (in.isTextual()) {
            return List.of(in.asText());
        }
        if (in.isArray() && !in.isEmpty()) {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < in.size(); i++) {
                if (!in.get(i).isTextual()) {
                    throw ApiError.badField("input[" + i + "]", "input[" + i + "] must be a string");
                }
                out.add(in.get(i).asText());
            }
            return out;
        }
        throw ApiError.badField("input", "input must be a string or a non-empty array of strings");
    }

    private static List<String> stops(ObjectNode body) {
        JsonNode s = body.get("stop");
        if (s == null || s.isNull()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (s.isTextual()) {
            out.add(s.asText());
        } else if (s.isArray()) {
            for (int i = 0; i < s.size(); i++) {
                if (!s.get(i).isTextual()) {
                    throw ApiError.badField("stop", "stop[" + i + "] must be a string");
                }
                out.add(s.get(i).asText());
            }
        } else {
            throw ApiError.badField("stop", "stop must be a string or an array of strings");
        }
        if (out.size() > MAX_STOPS) {
            throw ApiError.badField("stop", "stop holds at most " + MAX_STOPS + " strings, got " + out.size());
        }
        if (out.stream().anyMatch(String::isEmpty)) {
            throw ApiError.badField("stop", "stop strings must not be empty");
        }
        return out;
    }

    static String optString(ObjectNode body, String name) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw ApiError.badField(name, name + " must be a string");
        }
        return v.asText();
    }

    static double optNumber(ObjectNode body, String name, double fallback, double min, double max) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isNumber()) {
            throw ApiError.badField(name, name + " must be a number");
        }
        double x = v.asDouble();
        if (!(x >= min && x <= max)) {
            throw ApiError.badField(name, name + " must be in [" + min + ", " + max + "], got " + v.asText());
        }
        return x;
    }

    private static float positive(ObjectNode body, String name, double x) {
        if (x <= 0) {
            throw ApiError.badField(name, name + " must be greater than 0, got " + body.get(name).asText());
        }
        return (float) x;
    }

    static int optInt(ObjectNode body, String name, int fallback, int min, int max) {
        Integer v = optInteger(body, name, min);
        if (v == null) {
            return fallback;
        }
        if (v > max) {
            throw ApiError.badField(name, name + " must be at most " + max + ", got " + v);
        }
        return v;
    }

    static Integer optInteger(ObjectNode body, String name, int min) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw ApiError.badField(name, name + " must be an integer");
        }
        if (v.asInt() < min) {
            throw ApiError.badField(name, name + " must be at least " + min + ", got " + v.asInt());
        }
        return v.asInt();
    }

    private static long longField(ObjectNode body, String name) {
        JsonNode v = body.get(name);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw ApiError.badField(name, name + " must be an integer");
        }
        return v.asLong();
    }

    static boolean optBoolean(ObjectNode body, String name, boolean fallback) {
        return optBoolean(body, name, fallback, name);
    }

    private static boolean optBoolean(ObjectNode body, String name, boolean fallback, String param) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw ApiError.badField(param, param + " must be true or false");
        }
        return v.asBoolean();
    }
}

package io.jinfer.backend.opencl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** One llama.cpp reference file from ../shared/golden (see ../shared/README.md). */
record Golden(String prompt, int[] promptTokens, int[] greedyTokens, float[][] greedyLogits) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Golden read(Path file) {
        try {
            JsonNode root = JSON.readTree(file.toFile());
            JsonNode greedy = root.get("greedy");
            int[] tokens = new int[greedy.size()];
            float[][] logits = new float[greedy.size()][];
            for (int k = 0; k < greedy.size(); k++) {
                tokens[k] = greedy.get(k).get("token").asInt();
                logits[k] = floats(greedy.get(k).get("logits"));
            }
            return new Golden(root.get("prompt").asText(), ints(root.get("prompt_tokens")), tokens, logits);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Prompt then every greedy token but the last: the sequence whose logits the file holds. */
    int[] teacherForcedSequence() {
        int[] seq = new int[promptTokens.length + greedyTokens.length - 1];
        System.arraycopy(promptTokens, 0, seq, 0, promptTokens.length);
        System.arraycopy(greedyTokens, 0, seq, promptTokens.length, greedyTokens.length - 1);
        return seq;
    }

    static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i).asInt();
        }
        return r;
    }

    static float[] floats(JsonNode a) {
        float[] r = new float[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = (float) a.get(i).asDouble();
        }
        return r;
    }

    static JsonNode tree(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

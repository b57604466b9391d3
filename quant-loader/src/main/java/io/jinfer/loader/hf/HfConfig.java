package io.jinfer.loader.hf;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jinfer.api.ModelFormatException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The hyper-parameters of a Hugging Face {@code config.json} for the llama family, checked and with
 * the library's defaults filled in.
 *
 * @param file the {@code config.json} read (for messages)
 * @param modelType {@code llama}, {@code mistral}, {@code qwen2} or {@code qwen3}
 * @param hiddenSize embedding width
 * @param layers {@code num_hidden_layers}
 * @param heads {@code num_attention_heads}
 * @param kvHeads {@code num_key_value_heads} (defaults to heads)
 * @param headDim {@code head_dim} (defaults to hiddenSize / heads)
 * @param intermediateSize hidden width of the feed-forward network
 * @param rmsNormEps RMSNorm epsilon
 * @param ropeTheta rope base
 * @param ropeDims rotated dimensions per head ({@code partial_rotary_factor} times headDim)
 * @param ropeScaling the scaling to apply, or null
 * @param contextLength {@code max_position_embeddings}, capped by a mistral {@code sliding_window}
 * @param tieWordEmbeddings whether {@code lm_head} reuses the embedding table
 * @param vocabSize rows of the embedding table
 * @param attentionBias whether Q/K/V carry biases (always for qwen2)
 * @param bosTokenId beginning-of-sequence token, or -1
 * @param eosTokenIds end-of-sequence tokens (may be empty)
 * @param json the whole parsed file, for metadata and the quantization description
 */
public record HfConfig(Path file, String modelType, int hiddenSize, int layers, int heads, int kvHeads, int headDim,
        int intermediateSize, double rmsNormEps, double ropeTheta, int ropeDims, RopeScaling ropeScaling,
        int contextLength, boolean tieWordEmbeddings, int vocabSize, boolean attentionBias, int bosTokenId,
        List<Integer> eosTokenIds, JsonNode json) {

    /** Name of the file in a model directory. */
    public static final String FILE = "config.json";
    /** The {@code model_type} values jinfer runs. */
    public static final Set<String> SUPPORTED = Set.of("llama", "mistral", "qwen2", "qwen3");

    /** Copies the token list. */
    public HfConfig {
        eosTokenIds = List.copyOf(eosTokenIds);
    }

    /**
     * Reads {@code config.json} from a model directory.
     *
     * @param directory the model directory
     * @return the configuration
     * @throws ModelFormatException naming the key when a value is missing, absurd or unsupported
     */
    public static HfConfig read(Path directory) {
        Path file = directory.resolve(FILE);
        return parse(file, readJson(file));
    }

    static JsonNode readJson(Path file) {
        try {
            JsonNode n = new ObjectMapper().readTree(file.toFile());
            if (n == null || !n.isObject()) {
                throw new ModelFormatException(file, -1, "(root)", "expected a JSON object");
            }
            return n;
        } catch (JsonProcessingException e) {
            throw new ModelFormatException(file, e.getLocation() == null ? -1 : e.getLocation().getByteOffset(),
                    "(json)", "malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Checks and completes a parsed {@code config.json}.
     *
     * @param file where it came from (for messages)
     * @param n the parsed JSON object
     * @return the configuration
     * @throws ModelFormatException naming the key when a value is missing, absurd or unsupported
     */
    public static HfConfig parse(Path file, JsonNode n) {
        JsonFields f = new JsonFields(file, "");
        String type = f.string(n, "model_type", null);
        if (!SUPPORTED.contains(type)) {
            throw f.error("model_type", "expected one of " + SUPPORTED + ", found \"" + type + "\"");
        }
        String act = f.string(n, "hidden_act", "silu");
        if (!act.equals("silu")) {
            throw f.error("hidden_act", "only silu (SwiGLU) is supported, found \"" + act + "\"");
        }
        if (f.bool(n, "mlp_bias", false)) {
            throw f.error("mlp_bias", "feed-forward biases are not supported");
        }
        int hidden = f.positiveInt(n, "hidden_size");
        int layers = f.positiveInt(n, "num_hidden_layers");
        int heads = f.positiveInt(n, "num_attention_heads");
        int kvHeads = f.positiveInt(n, "num_key_value_heads", heads);
        if (heads % kvHeads != 0) {
            throw f.error("num_key_value_heads", "num_attention_heads " + heads + " must be a multiple of " + kvHeads);
        }
        if (!JsonFields.present(n, "head_dim") && hidden % heads != 0) {
            throw f.error("hidden_size", hidden + " is not a multiple of num_attention_heads " + heads);
        }
        int headDim = f.positiveInt(n, "head_dim", hidden / heads);
        double partial = f.positiveNumber(n, "partial_rotary_factor", 1.0);
        int ropeDims = (int) Math.round(headDim * partial);
        if (partial > 1 || ropeDims % 2 != 0 || ropeDims == 0) {
            throw f.error("partial_rotary_factor", "expected a factor giving an even number of rotated dimensions <= "
                    + headDim + ", found " + partial);
        }
        int ffn = f.positiveInt(n, "intermediate_size");
        double eps = f.positiveNumber(n, "rms_norm_eps", 1e-6);
        if (eps > 1) {
            throw f.error("rms_norm_eps", "expected a value in (0, 1], found " + eps);
        }
        double theta = f.positiveNumber(n, "rope_theta", 10000.0);
        int context = f.positiveInt(n, "max_position_embeddings", 2048);
        if (type.equals("mistral") && JsonFields.present(n, "sliding_window")) {
            // Attention is not windowed here, which equals Mistral's windowed attention up to the window.
            context = Math.min(context, f.positiveInt(n, "sliding_window"));
        }
        RopeScaling scaling = ropeScaling(f, n.get("rope_scaling"));
        boolean tied = f.bool(n, "tie_word_embeddings", false);
        int vocab = f.positiveInt(n, "vocab_size");
        boolean bias = type.equals("qwen2") || f.bool(n, "attention_bias", false);
        int bos = tokenIds(f, n, "bos_token_id").stream().findFirst().orElse(-1);
        List<Integer> eos = tokenIds(f, n, "eos_token_id");
        return new HfConfig(file, type, hidden, layers, heads, kvHeads, headDim, ffn, eps, theta, ropeDims, scaling,
                context, tied, vocab, bias, bos, eos, n);
    }

    private static RopeScaling ropeScaling(JsonFields f, JsonNode s) {
        if (s == null || s.isNull()) {
            return null;
        }
        JsonFields sf = f.child("rope_scaling.");
        if (!s.isObject()) {
            throw f.error("rope_scaling", "expected an object or null, found " + s);
        }
        String type = JsonFields.present(s, "rope_type") ? sf.string(s, "rope_type", null) : sf.string(s, "type", null);
        switch (type) {
            case "default":
                return null;
            case "linear":
                return new RopeScaling(type, sf.positiveNumber(s, "factor", 1.0), 1, 1, 1);
            case "llama3": {
                double factor = sf.positiveNumber(s, "factor", Double.NaN);
                double low = sf.positiveNumber(s, "low_freq_factor", Double.NaN);
                double high = sf.positiveNumber(s, "high_freq_factor", Double.NaN);
                int original = sf.positiveInt(s, "original_max_position_embeddings");
                if (Double.isNaN(factor) || Double.isNaN(low) || Double.isNaN(high)) {
                    throw f.error("rope_scaling", "llama3 scaling needs factor, low_freq_factor and high_freq_factor, found " + s);
                }
                if (!(high > low)) {
                    throw f.error("rope_scaling.high_freq_factor", "expected more than low_freq_factor " + low + ", found " + high);
                }
                return new RopeScaling(type, factor, low, high, original);
            }
            default:
                throw f.error("rope_scaling.rope_type", "expected default, linear or llama3, found \"" + type
                        + "\" (not supported)");
        }
    }

    private static List<Integer> tokenIds(JsonFields f, JsonNode n, String key) {
        JsonNode v = n.get(key);
        List<Integer> out = new ArrayList<>();
        if (v == null || v.isNull()) {
            return out;
        }
        for (JsonNode x : v.isArray() ? v : List.of(v)) {
            if (!x.isIntegralNumber() || !x.canConvertToInt() || x.intValue() < 0) {
                throw f.error(key, "expected a token id or a list of them, found " + v);
            }
            out.add(x.intValue());
        }
        return out;
    }

    /**
     * Returns the configuration's frequency divisors for rope scaling.
     *
     * @return {@code ropeDims / 2} divisors, or null when the config has no rope scaling
     */
    public float[] ropeFrequencyFactors() {
        return ropeScaling == null ? null : ropeScaling.frequencyFactors(ropeTheta, ropeDims);
    }

    /**
     * Returns the whole {@code config.json} as plain Java values (maps, lists, strings, numbers, booleans).
     *
     * @return the configuration as a map, in file order
     */
    @SuppressWarnings("unchecked")
    public Map<String, Object> asMap() {
        return new ObjectMapper().convertValue(json, Map.class);
    }
}

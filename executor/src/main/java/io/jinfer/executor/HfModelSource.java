package io.jinfer.executor;

import io.jinfer.api.ModelFormatException;
import io.jinfer.api.Tokenizer;
import io.jinfer.api.spi.TensorView;
import io.jinfer.loader.hf.HfConfig;
import io.jinfer.loader.hf.HfModelDirectory;
import io.jinfer.loader.hf.HfTensorNames;
import io.jinfer.loader.hf.TokenIdsOnlyTokenizer;
import io.jinfer.loader.tokenizer.hf.HuggingFaceTokenizer;
import io.jinfer.loader.tokenizer.hf.HuggingFaceTokenizers;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A model read from a Hugging Face directory ({@code config.json} and safetensors). Roles are
 * translated to the checkpoint's names; weight matrices are zero-copy views (quantised ones with
 * their scales), norms and biases F32 copies, and llama3 rope scaling becomes the frequency factors
 * that GGUF files store as {@code rope_freqs.weight}.
 */
final class HfModelSource implements ModelSource {
    private static final String ROPE_FACTORS = "rope_freqs.weight";

    private final HfModelDirectory dir;
    private final ModelConfig config;
    private final Tokenizer tokenizer;
    private final WeightSource weights;

    private HfModelSource(HfModelDirectory dir) {
        this.dir = dir;
        HfConfig hf = dir.config();
        this.weights = new Weights();
        TensorView embd = weights.tensor("token_embd.weight");
        if (embd.rows() != hf.vocabSize()) {
            throw new ModelFormatException(hf.file(), -1, "vocab_size", "expected the " + embd.rows()
                    + " rows of model.embed_tokens.weight, found " + hf.vocabSize());
        }
        if (!hf.tieWordEmbeddings() && !weights.hasTensor("output.weight")) {
            throw new ModelFormatException(dir.directory(), -1, "lm_head.weight",
                    "required tensor is missing (config.json does not set tie_word_embeddings)");
        }
        this.config = ModelConfig.fromHf(hf, embd.rows());
        this.tokenizer = tokenizer(dir, hf);
    }

    static HfModelSource open(Path directory) {
        HfModelDirectory dir = HfModelDirectory.open(directory);
        try {
            return new HfModelSource(dir);
        } catch (RuntimeException e) {
            dir.close();
            throw e;
        }
    }

    private static Tokenizer tokenizer(HfModelDirectory dir, HfConfig hf) {
        if (dir.hasTokenizerJson()) {
            return HuggingFaceTokenizers.load(dir.directory());
        }
        String reason = "this checkpoint has no tokenizer.json; pass token ids";
        return new TokenIdsOnlyTokenizer(hf.vocabSize(), hf.bosTokenId(), hf.eosTokenIds(), reason);
    }

    /** Roles → checkpoint names: 1-D tensors become F32 copies, matrices zero-copy views. */
    private final class Weights implements WeightSource {
        @Override
        public Path path() {
            return dir.directory();
        }

        @Override
        public boolean hasTensor(String role) {
            if (role.equals(ROPE_FACTORS)) {
                return dir.config().ropeScaling() != null;
            }
            String name = HfTensorNames.toHf(role).orElse(null);
            if (name == null) {
                return false;
            }
            return isVector(role) ? dir.checkpoint().hasTensor(name) : dir.binder().hasMatrix(name);
        }

        @Override
        public TensorView tensor(String role) {
            if (role.equals(ROPE_FACTORS)) {
                float[] f = dir.config().ropeFrequencyFactors();
                if (f == null) {
                    throw new ModelFormatException(dir.config().file(), -1, "rope_scaling", "the config has no rope scaling");
                }
                return dir.computedF32(ROPE_FACTORS, f);
            }
            String name = HfTensorNames.toHf(role).orElseThrow(() -> new ModelFormatException(dir.directory(), -1,
                    role, "Hugging Face checkpoints have no tensor for this role"));
            return isVector(role) ? dir.vectorF32(name) : dir.binder().matrix(name);
        }

        private static boolean isVector(String role) {
            return role.endsWith(".bias") || role.endsWith("norm.weight");
        }
    }

    @Override
    public Path path() {
        return dir.directory();
    }

    @Override
    public String name() {
        Path n = dir.directory().toAbsolutePath().normalize().getFileName();
        return n == null ? dir.directory().toString() : n.toString();
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public WeightSource weights() {
        return weights;
    }

    @Override
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public Map<String, Object> metadata() {
        Map<String, Object> m = new LinkedHashMap<>(dir.config().asMap());
        m.put("jinfer.quantization", dir.binder().quantization().scheme().name());
        // The chat template travels under GGUF's key, so that code reading a model's template needs
        // no special case for checkpoint directories.
        if (tokenizer instanceof HuggingFaceTokenizer hft) {
            hft.config().chatTemplate().ifPresent(t -> m.put("tokenizer.chat_template", t));
        }
        return Collections.unmodifiableMap(m);
    }

    @Override
    public void close() {
        dir.close();
    }
}

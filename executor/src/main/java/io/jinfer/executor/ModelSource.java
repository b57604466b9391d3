package io.jinfer.executor;

import io.jinfer.api.Tokenizer;
import java.nio.file.Path;
import java.util.Map;

/**
 * An opened model of any origin (a GGUF file or a Hugging Face directory): what {@link LoadedModel}
 * needs besides the kernels. Closing it releases the mappings behind the weights.
 */
interface ModelSource extends AutoCloseable {

    /** The file or directory the model came from. */
    Path path();

    /** A display name for the model. */
    String name();

    /** The checked hyper-parameters. */
    ModelConfig config();

    /** The tensors, by role. */
    WeightSource weights();

    /** The tokenizer. */
    Tokenizer tokenizer();

    /** The model's metadata as plain Java values. */
    Map<String, Object> metadata();

    /** Unmaps the weights. */
    @Override
    void close();
}

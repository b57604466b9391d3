package io.jinfer.api.spi;

import io.jinfer.api.Model;
import java.nio.file.Path;

/** What a {@link io.jinfer.api.Runtime} delegates to. */
public interface Engine extends AutoCloseable {
    /**
     * Loads a model file (GGUF) or a Hugging Face model directory, memory-mapping its weights.
     *
     * @param file a model file or directory
     * @return the loaded model
     * @throws io.jinfer.api.ModelFormatException when the file is malformed or unsupported
     */
    Model load(Path file);

    /**
     * Describes the backend and kernels this engine runs models with, for logs and benchmarks.
     *
     * @return which backend and kernels run the models
     */
    String backendDescription();

    @Override
    void close();
}

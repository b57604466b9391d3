package io.jinfer.api.spi;

import io.jinfer.api.Model;
import java.nio.file.Path;

/** What a {@link io.jinfer.api.Runtime} delegates to. */
public interface Engine extends AutoCloseable {
    /**
     * @param file a model file
     * @return the loaded model
     */
    Model load(Path file);

    /** @return which backend and kernels run the models */
    String backendDescription();

    @Override
    void close();
}

package io.jinfer.api;

import io.jinfer.api.spi.Engine;
import io.jinfer.api.spi.EngineProvider;
import io.jinfer.api.spi.RuntimeConfig;
import java.nio.file.Path;
import java.util.ServiceLoader;

/**
 * Entry point of jinfer: holds the worker threads and the memory budget, and loads models.
 *
 * <pre>{@code
 * try (Runtime rt = Runtime.builder().threads(4).build();
 *      Model model = rt.loadModel(Path.of("model.gguf"));
 *      Session session = model.newSession()) {
 *     session.generate(GenerationRequest.builder("Once upon a time").maxTokens(32).build(),
 *             (id, text) -> { System.out.print(text); return true; });
 * }
 * }</pre>
 */
public final class Runtime implements AutoCloseable {
    private final Engine engine;
    private final RuntimeConfig config;

    private Runtime(RuntimeConfig config) {
        this.config = config;
        EngineProvider provider = ServiceLoader.load(EngineProvider.class, Runtime.class.getClassLoader())
                .findFirst()
                .orElseThrow(() -> new JinferException(
                        "no jinfer engine on the class path or module path: add the jinfer-executor module"));
        this.engine = provider.create(config);
    }

    /** @return a builder with one worker per available processor and no memory budget */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Loads a model file (GGUF). The weights are memory-mapped, not copied.
     *
     * @param file the model file
     * @return the loaded model; close it to unmap the file
     * @throws ModelFormatException when the file is malformed or unsupported
     */
    public Model loadModel(Path file) {
        return engine.load(file);
    }

    /** @return the configuration this runtime was built with */
    public RuntimeConfig config() {
        return config;
    }

    /** @return a description of the compute backend in use, e.g. its kernels and SIMD width */
    public String backendDescription() {
        return engine.backendDescription();
    }

    /** Stops the worker threads. Models loaded from this runtime must be closed first. */
    @Override
    public void close() {
        engine.close();
    }

    /** Options of a {@link Runtime}. */
    public static final class Builder {
        private int threads = java.lang.Runtime.getRuntime().availableProcessors();
        private long memoryBudgetBytes = Long.MAX_VALUE;
        private String device = "cpu";
        private boolean referenceKernels = false;

        private Builder() {}

        /** @param n worker threads for the kernels, at least 1 @return this */
        public Builder threads(int n) {
            threads = n;
            return this;
        }

        /** @param bytes the most memory (KV caches and scratch) this runtime may allocate @return this */
        public Builder memoryBudgetBytes(long bytes) {
            memoryBudgetBytes = bytes;
            return this;
        }

        /** @param name the device to run on; {@code cpu} is the only one so far @return this */
        public Builder device(String name) {
            device = name;
            return this;
        }

        /**
         * @param on whether to use the plain scalar reference kernels instead of the fast ones (for
         *     checking results, never for speed)
         * @return this
         */
        public Builder referenceKernels(boolean on) {
            referenceKernels = on;
            return this;
        }

        /** @return the runtime, with its worker threads started */
        public Runtime build() {
            return new Runtime(new RuntimeConfig(threads, memoryBudgetBytes, device, referenceKernels));
        }
    }
}

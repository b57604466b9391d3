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

    /**
     * Starts building a runtime with one worker thread per available processor, no memory budget, the
     * {@code cpu} device and the fast kernels.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Loads a model: a GGUF file, or a Hugging Face model directory (one holding {@code config.json}
     * and safetensors files, sharded through {@code model.safetensors.index.json} or not, plain or
     * quantised as ModelOpt, compressed-tensors, FP8-block or MXFP4 checkpoints describe themselves).
     * The weights are memory-mapped, not copied.
     *
     * @param file the model file or directory
     * @return the loaded model; close it to unmap the files
     * @throws ModelFormatException when the model is malformed or unsupported
     */
    public Model loadModel(Path file) {
        return engine.load(file);
    }

    /**
     * Returns the validated configuration this runtime was built with.
     *
     * @return the configuration this runtime was built with
     */
    public RuntimeConfig config() {
        return config;
    }

    /**
     * Describes the compute backend in use, for logs and benchmarks.
     *
     * @return a description of the backend, e.g. its kernels and SIMD width
     */
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
        private boolean nativeKernels = true;
        private String layerSplit;
        private final java.util.Map<String, Long> tenantQuotas = new java.util.LinkedHashMap<>();

        private Builder() {}

        /**
         * Sets the number of worker threads the kernels use.
         *
         * @param n worker threads, in [1, 1024]; other values make {@link #build()} throw
         * @return this builder
         */
        public Builder threads(int n) {
            threads = n;
            return this;
        }

        /**
         * Caps the memory (KV caches and scratch buffers) this runtime may allocate; memory-mapped weights
         * do not count.
         *
         * @param bytes the budget in bytes, greater than 0; the default is unlimited
         * @return this builder
         */
        public Builder memoryBudgetBytes(long bytes) {
            memoryBudgetBytes = bytes;
            return this;
        }

        /**
         * Reserves part of the memory budget for one tenant (the {@link SubmitOptions#tenant()} of its
         * requests): the bytes are carved out when the runtime is built, no other tenant can use them,
         * and the tenant's KV caches and scratch cannot exceed them. Tenants without a quota share what
         * the quotas leave of the budget.
         *
         * @param tenant the tenant's name, not blank
         * @param bytes the quota, greater than 0; the quotas together must fit the memory budget, or
         *     {@link #build()} throws {@link BudgetExceededException}
         * @return this builder
         */
        public Builder tenantQuota(String tenant, long bytes) {
            tenantQuotas.put(tenant, bytes);
            return this;
        }

        /**
         * Chooses the device to run on.
         *
         * @param name the backend name: {@code cpu}, {@code opencl} (the backend must be on the class
         *     path), or {@code cuda}, which is registered and explains why it cannot run (no driver, or
         *     its forward pass not wired yet); a blank name makes {@link #build()} throw
         * @return this builder
         */
        public Builder device(String name) {
            device = name;
            return this;
        }

        /**
         * Runs one model across several devices (backends), e.g. {@code devices("cpu", "opencl")}: the
         * first runs the embedding lookup and the output; {@link #layerSplit} says which layers run where.
         *
         * @param names backend names, at least one
         * @return this builder
         */
        public Builder devices(String... names) {
            if (names.length == 0) {
                throw new IllegalArgumentException("name at least one device");
            }
            device = String.join(",", names);
            return this;
        }

        /**
         * Chooses which layers run on which of the {@link #devices} device: comma-separated ranges
         * {@code FIRST-LAST:DEVICE} (or {@code LAYER:DEVICE}) covering every layer once, e.g.
         * {@code 0-1:opencl,2-3:cpu}, or {@code auto} to let the engine choose. Without it every
         * layer runs on the first device.
         *
         * @param spec the split, or null for none
         * @return this builder
         */
        public Builder layerSplit(String spec) {
            layerSplit = spec;
            return this;
        }

        /**
         * Chooses between the fast kernels and the plain scalar reference kernels.
         *
         * @param on whether to use the plain scalar reference kernels instead of the fast ones (for
         *     checking results, never for speed)
         * @return this
         */
        public Builder referenceKernels(boolean on) {
            referenceKernels = on;
            return this;
        }

        /**
         * Allows or forbids the backend's native (C) kernels. On by default: the CPU backend then runs
         * one-token products of Q4_0, Q8_0, Q4_K and Q6_K weights in C with activations rounded to
         * 8-bit blocks, as llama.cpp does. Off keeps every product in the Java kernels with F32
         * activations (what the float-reference checks need). The system property
         * {@code jinfer.cpu.native=false} also turns them off.
         *
         * @param on whether native kernels may be used
         * @return this
         */
        public Builder nativeKernels(boolean on) {
            nativeKernels = on;
            return this;
        }

        /**
         * Validates the options, finds an engine through {@link java.util.ServiceLoader} and starts its
         * worker threads.
         *
         * @return the runtime, with its worker threads started
         * @throws IllegalArgumentException when an option is out of range
         * @throws JinferException when no engine module is on the class path or module path
         * @throws BudgetExceededException when the tenant quotas together exceed the memory budget
         */
        public Runtime build() {
            return new Runtime(new RuntimeConfig(threads, memoryBudgetBytes, device, referenceKernels, nativeKernels,
                    layerSplit, tenantQuotas));
        }
    }
}

package io.jinfer.api.spi;

/**
 * Validated options of a runtime, as the engine receives them.
 *
 * @param threads worker threads, at least 1
 * @param memoryBudgetBytes the most memory the runtime may allocate for KV caches and scratch
 * @param device the device name, e.g. {@code cpu}, or a comma-separated list of them to split one model
 *     across several (e.g. {@code cpu,opencl}); the first runs the embedding lookup and the output
 * @param referenceKernels whether to use the scalar reference kernels
 * @param nativeKernels whether the backend may use native (C) kernels where it has them; those may
 *     round activations to 8 bits, as llama.cpp does
 * @param layerSplit which layers run on which of the listed devices: ranges such as
 *     {@code 0-1:opencl,2-3:cpu}, or {@code auto}; null runs every layer on the first device
 */
public record RuntimeConfig(int threads, long memoryBudgetBytes, String device, boolean referenceKernels,
        boolean nativeKernels, String layerSplit) {

    /**
     * Options without a layer split: every layer runs on the (first) device.
     *
     * @param threads worker threads, at least 1
     * @param memoryBudgetBytes the most memory the runtime may allocate for KV caches and scratch
     * @param device the device name
     * @param referenceKernels whether to use the scalar reference kernels
     * @param nativeKernels whether the backend may use native kernels
     */
    public RuntimeConfig(int threads, long memoryBudgetBytes, String device, boolean referenceKernels,
            boolean nativeKernels) {
        this(threads, memoryBudgetBytes, device, referenceKernels, nativeKernels, null);
    }

    /** Validates the options. */
    public RuntimeConfig {
        if (threads < 1 || threads > 1024) {
            throw new IllegalArgumentException("threads must be in [1, 1024], got " + threads);
        }
        if (memoryBudgetBytes <= 0) {
            throw new IllegalArgumentException("memoryBudgetBytes must be > 0, got " + memoryBudgetBytes);
        }
        if (device == null || device.isBlank()) {
            throw new IllegalArgumentException("device must be named");
        }
        if (layerSplit != null && layerSplit.isBlank()) {
            throw new IllegalArgumentException("layerSplit must be null or name ranges, got a blank string");
        }
    }
}

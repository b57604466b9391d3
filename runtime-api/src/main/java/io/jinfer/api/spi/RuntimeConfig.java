package io.jinfer.api.spi;

/**
 * Validated options of a runtime, as the engine receives them.
 *
 * @param threads worker threads, at least 1
 * @param memoryBudgetBytes the most memory the runtime may allocate for KV caches and scratch
 * @param device the device name, e.g. {@code cpu}
 * @param referenceKernels whether to use the scalar reference kernels
 * @param nativeKernels whether the backend may use native (C) kernels where it has them; those may
 *     round activations to 8 bits, as llama.cpp does
 */
public record RuntimeConfig(
        int threads, long memoryBudgetBytes, String device, boolean referenceKernels, boolean nativeKernels) {
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
    }
}

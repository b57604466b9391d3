package io.jinfer.api.spi;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Validated options of a runtime, as the engine receives them.
 *
 * @param threads worker threads, at least 1
 * @param memoryBudgetBytes the most memory the runtime may allocate for KV caches and scratch
 * @param device the device name, e.g. {@code cpu}; with a layer split, a comma-separated list
 * @param referenceKernels whether to use the scalar reference kernels
 * @param nativeKernels whether the backend may use native (C) kernels where it has them; those may
 *     round activations to 8 bits, as llama.cpp does
 * @param layerSplit which layers run on which of the listed devices: ranges such as
 *     {@code 0-1:opencl,2-3:cpu}, or {@code auto}; null runs every layer on the first device
 * @param tenantQuotas bytes of the memory budget reserved for each named tenant (see
 *     {@link io.jinfer.api.SubmitOptions#tenant()}); no other tenant can use them
 */
public record RuntimeConfig(int threads, long memoryBudgetBytes, String device, boolean referenceKernels,
        boolean nativeKernels, String layerSplit, Map<String, Long> tenantQuotas) {

    /**
     * Options without a layer split or tenant quotas.
     *
     * @param threads worker threads, at least 1
     * @param memoryBudgetBytes the memory budget
     * @param device the device name
     * @param referenceKernels whether to use the scalar reference kernels
     * @param nativeKernels whether the backend may use native kernels
     */
    public RuntimeConfig(int threads, long memoryBudgetBytes, String device, boolean referenceKernels,
            boolean nativeKernels) {
        this(threads, memoryBudgetBytes, device, referenceKernels, nativeKernels, null, Map.of());
    }

    /**
     * Options with a layer split and no tenant quotas.
     *
     * @param threads worker threads, at least 1
     * @param memoryBudgetBytes the memory budget
     * @param device the device names
     * @param referenceKernels whether to use the scalar reference kernels
     * @param nativeKernels whether the backend may use native kernels
     * @param layerSplit the layer ranges per device, {@code auto}, or null
     */
    public RuntimeConfig(int threads, long memoryBudgetBytes, String device, boolean referenceKernels,
            boolean nativeKernels, String layerSplit) {
        this(threads, memoryBudgetBytes, device, referenceKernels, nativeKernels, layerSplit, Map.of());
    }

    /**
     * Options with tenant quotas and no layer split.
     *
     * @param threads worker threads, at least 1
     * @param memoryBudgetBytes the memory budget
     * @param device the device name
     * @param referenceKernels whether to use the scalar reference kernels
     * @param nativeKernels whether the backend may use native kernels
     * @param tenantQuotas bytes reserved per tenant
     */
    public RuntimeConfig(int threads, long memoryBudgetBytes, String device, boolean referenceKernels,
            boolean nativeKernels, Map<String, Long> tenantQuotas) {
        this(threads, memoryBudgetBytes, device, referenceKernels, nativeKernels, null, tenantQuotas);
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
        Map<String, Long> quotas = new LinkedHashMap<>();
        if (tenantQuotas != null) {
            tenantQuotas.forEach((tenant, bytes) -> {
                if (tenant == null || tenant.isBlank()) {
                    throw new IllegalArgumentException("a tenant quota needs a tenant name");
                }
                if (bytes == null || bytes <= 0) {
                    throw new IllegalArgumentException("the quota of tenant '" + tenant + "' must be > 0 bytes, got "
                            + bytes);
                }
                quotas.put(tenant, bytes);
            });
        }
        tenantQuotas = Collections.unmodifiableMap(quotas);
    }
}

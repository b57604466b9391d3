package io.jinfer.api.spi;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Validated options of a runtime, as the engine receives them.
 *
 * @param threads worker threads, at least 1
 * @param memoryBudgetBytes the most memory the runtime may allocate for KV caches and scratch
 * @param device the device name, e.g. {@code cpu}
 * @param referenceKernels whether to use the scalar reference kernels
 * @param nativeKernels whether the backend may use native (C) kernels where it has them; those may
 *     round activations to 8 bits, as llama.cpp does
 * @param tenantQuotas bytes of the memory budget reserved for each named tenant (see
 *     {@link io.jinfer.api.SubmitOptions#tenant()}); no other tenant can use them
 */
public record RuntimeConfig(int threads, long memoryBudgetBytes, String device, boolean referenceKernels,
        boolean nativeKernels, Map<String, Long> tenantQuotas) {

    /**
     * Options without tenant quotas.
     *
     * @param threads worker threads
     * @param memoryBudgetBytes the memory budget
     * @param device the device name
     * @param referenceKernels whether to use the reference kernels
     * @param nativeKernels whether native kernels may be used
     */
    public RuntimeConfig(int threads, long memoryBudgetBytes, String device, boolean referenceKernels,
            boolean nativeKernels) {
        this(threads, memoryBudgetBytes, device, referenceKernels, nativeKernels, Map.of());
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
        tenantQuotas = java.util.Collections.unmodifiableMap(quotas);
    }
}

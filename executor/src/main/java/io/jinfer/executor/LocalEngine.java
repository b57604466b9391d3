package io.jinfer.executor;

import io.jinfer.api.JinferException;
import io.jinfer.api.Model;
import io.jinfer.api.spi.Backend;
import io.jinfer.api.spi.Engine;
import io.jinfer.api.spi.Kernels;
import io.jinfer.api.spi.RuntimeConfig;
import io.jinfer.memory.MemoryBudget;
import io.jinfer.memory.TenantQuotas;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs models in this process on the backend named by the configuration. One kernel set (one worker
 * pool) serves every model and session of the runtime; steps of different sessions take turns. With
 * several devices ({@code cpu,opencl}) there is one kernel set per device, and the configuration's
 * layer split ({@link LayerPlacement}) says which blocks each runs; the first device runs the
 * embedding lookup and the output.
 */
final class LocalEngine implements Engine {
    private final RuntimeConfig config;
    private final Kernels kernels;
    /** Kernel sets by device name, the first device first. */
    private final Map<String, Kernels> byDevice = new LinkedHashMap<>();
    /** The placement of the model loaded last, for the description. */
    private volatile LayerPlacement lastPlacement;
    private final MemoryBudget budget;
    private final TenantQuotas tenants;
    private final ReentrantLock computeLock = new ReentrantLock();
    private volatile boolean closed;

    LocalEngine(RuntimeConfig config) {
        this.config = config;
        try {
            for (String name : devices(config.device())) {
                Backend backend = findBackend(name);
                byDevice.put(name, backend.createKernels(config.threads(), config.referenceKernels(),
                        config.nativeKernels()));
            }
        } catch (RuntimeException e) {
            byDevice.values().forEach(Kernels::close);
            throw e;
        }
        this.kernels = byDevice.values().iterator().next();
        this.budget = new MemoryBudget("runtime", config.memoryBudgetBytes(), null);
        try {
            this.tenants = new TenantQuotas(budget, config.tenantQuotas(), 0);
        } catch (RuntimeException e) {
            kernels.close();
            throw e;
        }
    }

    private static List<String> devices(String spec) {
        List<String> names = new ArrayList<>();
        for (String s : spec.split(",")) {
            String name = s.trim();
            if (name.isEmpty() || names.contains(name)) {
                throw new JinferException("device list '" + spec + "' has an empty or repeated name");
            }
            names.add(name);
        }
        return names;
    }

    /**
     * Places a model's blocks on this engine's devices, as the configuration's split says.
     *
     * @param layers the model's layer count
     * @return the placement (every layer on the first device when there is no split)
     * @throws JinferException when the split does not fit the model or names an unknown device
     */
    LayerPlacement placement(int layers) {
        List<String> names = List.copyOf(byDevice.keySet());
        if (config.layerSplit() == null) {
            if (names.size() > 1) {
                return LayerPlacement.auto(layers, names);
            }
            return LayerPlacement.single(names.getFirst(), layers);
        }
        try {
            return LayerPlacement.parse(config.layerSplit(), layers, names);
        } catch (IllegalArgumentException e) {
            throw new JinferException("layer split '" + config.layerSplit() + "': " + e.getMessage(), e);
        }
    }

    /** The kernels of each block of a model, or null when every block runs on the first device. */
    Kernels[] layerKernels(int layers) {
        LayerPlacement p = placement(layers);
        lastPlacement = p;
        if (p.ranges().size() == 1 && p.ranges().getFirst().device().equals(byDevice.keySet().iterator().next())) {
            return null;
        }
        Kernels[] perLayer = new Kernels[layers];
        for (int l = 0; l < layers; l++) {
            perLayer[l] = byDevice.get(p.deviceOf(l));
        }
        return perLayer;
    }

    private static Backend findBackend(String name) {
        List<String> seen = new ArrayList<>();
        for (Backend b : ServiceLoader.load(Backend.class, LocalEngine.class.getClassLoader())) {
            if (b.name().equals(name)) {
                String why = b.unavailableReason();
                if (why != null) {
                    throw new JinferException("backend '" + name + "' cannot run here: " + why);
                }
                return b;
            }
            seen.add(b.name());
        }
        throw new JinferException("no backend named '" + name + "'; available: " + seen
                + (seen.isEmpty() ? " (add jinfer-cpu-backend to the class path)" : ""));
    }

    @Override
    public Model load(Path file) {
        ensureOpen();
        return LoadedModel.load(file, this);
    }

    Kernels kernels() {
        return kernels;
    }

    MemoryBudget budget() {
        return budget;
    }

    /**
     * Returns the budget a tenant's memory is charged to: its carved quota, or for a tenant without
     * one a share of what the quotas leave of the runtime budget. For schedulers.
     */
    /** @return the bytes the runtime reserves per named tenant (empty when none were set) */
    java.util.Map<String, Long> tenantQuotas() {
        return config.tenantQuotas();
    }

    MemoryBudget tenantBudget(String tenant) {
        return tenants.budget(tenant);
    }

    ReentrantLock computeLock() {
        return computeLock;
    }

    void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the runtime is closed");
        }
    }

    @Override
    public String backendDescription() {
        if (byDevice.size() == 1) {
            return config.device() + ": " + kernels.description();
        }
        StringBuilder sb = new StringBuilder();
        byDevice.forEach((name, k) -> sb.append(sb.isEmpty() ? "" : "; ").append(name).append(": ")
                .append(k.description()));
        LayerPlacement p = lastPlacement;
        return sb.append("; layers ").append(p != null ? p.toString()
                : config.layerSplit() == null ? "auto" : config.layerSplit()).toString();
    }

    @Override
    public void close() {
        if (closed) {
            throw new IllegalStateException("the runtime is already closed");
        }
        closed = true;
        byDevice.values().forEach(Kernels::close);
    }
}

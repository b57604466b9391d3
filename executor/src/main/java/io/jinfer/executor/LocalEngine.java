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
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs models in this process on the backend named by the configuration. One kernel set (one worker
 * pool) serves every model and session of the runtime; steps of different sessions take turns.
 */
final class LocalEngine implements Engine {
    private final RuntimeConfig config;
    private final Kernels kernels;
    private final MemoryBudget budget;
    private final TenantQuotas tenants;
    private final ReentrantLock computeLock = new ReentrantLock();
    private volatile boolean closed;

    LocalEngine(RuntimeConfig config) {
        this.config = config;
        Backend backend = findBackend(config.device());
        this.kernels = backend.createKernels(config.threads(), config.referenceKernels(), config.nativeKernels());
        this.budget = new MemoryBudget("runtime", config.memoryBudgetBytes(), null);
        try {
            this.tenants = new TenantQuotas(budget, config.tenantQuotas(), 0);
        } catch (RuntimeException e) {
            kernels.close();
            throw e;
        }
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
        return config.device() + ": " + kernels.description();
    }

    @Override
    public void close() {
        if (closed) {
            throw new IllegalStateException("the runtime is already closed");
        }
        closed = true;
        kernels.close();
    }
}

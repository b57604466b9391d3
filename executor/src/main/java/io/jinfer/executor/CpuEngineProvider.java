package io.jinfer.executor;

import io.jinfer.api.spi.Engine;
import io.jinfer.api.spi.EngineProvider;
import io.jinfer.api.spi.RuntimeConfig;

/** Registers the executor as jinfer's engine. */
public final class CpuEngineProvider implements EngineProvider {
    /** Used by {@link java.util.ServiceLoader}. */
    public CpuEngineProvider() {}

    @Override
    public Engine create(RuntimeConfig config) {
        return new LocalEngine(config);
    }
}

package io.jinfer.api.spi;

/** Implemented by the executor module and found with {@link java.util.ServiceLoader}. */
public interface EngineProvider {
    /**
     * Creates an engine for a runtime; called once per {@link io.jinfer.api.Runtime} built.
     *
     * @param config validated runtime options
     * @return a new engine
     */
    Engine create(RuntimeConfig config);
}

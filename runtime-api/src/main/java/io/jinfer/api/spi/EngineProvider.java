package io.jinfer.api.spi;

/** Implemented by the executor module and found with {@link java.util.ServiceLoader}. */
public interface EngineProvider {
    /**
     * @param config validated runtime options
     * @return a new engine
     */
    Engine create(RuntimeConfig config);
}

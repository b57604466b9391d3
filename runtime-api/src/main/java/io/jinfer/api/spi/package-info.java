/**
 * Service provider interfaces: an {@link io.jinfer.api.spi.EngineProvider} implements the public API
 * (the executor module), and each {@link io.jinfer.api.spi.Backend} contributes the kernels of one
 * device kind. Both are found with {@link java.util.ServiceLoader}; nothing above a backend names
 * its classes.
 */
package io.jinfer.api.spi;

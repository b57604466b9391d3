/** Model architectures, the forward pass, sessions and sampling; implements the public API. */
module io.jinfer.executor {
    requires transitive io.jinfer.loader;
    requires org.slf4j;

    exports io.jinfer.executor;
    exports io.jinfer.executor.plan;

    uses io.jinfer.api.spi.Backend;
    provides io.jinfer.api.spi.EngineProvider with io.jinfer.executor.CpuEngineProvider;
}

/** CPU kernels: plain scalar references and Java Vector API kernels with a worker pool. */
module io.jinfer.backend.cpu {
    requires transitive io.jinfer.api;
    requires jdk.incubator.vector;

    exports io.jinfer.backend.cpu;

    provides io.jinfer.api.spi.Backend with io.jinfer.backend.cpu.CpuBackend;
}

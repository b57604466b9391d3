/** JMH kernel benchmarks and the end-to-end benchmark harness. */
module io.jinfer.bench {
    requires io.jinfer.executor;
    requires io.jinfer.backend.cpu;
    requires io.jinfer.backend.opencl;
    requires jmh.core;
    requires jdk.incubator.vector;
    requires java.management;
    requires java.net.http;
    requires com.fasterxml.jackson.databind;

    exports io.jinfer.bench;
    exports io.jinfer.bench.load;
}

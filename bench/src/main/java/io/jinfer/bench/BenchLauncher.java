package io.jinfer.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs jinfer's JMH benchmarks with the JVM flags the Vector API and FFM need, so that
 * {@code java -cp "bench/target/jinfer-bench-*.jar:bench/target/lib/*" io.jinfer.bench.BenchLauncher [JMH options]}
 * works without remembering them. Any JMH option may be given; without a benchmark pattern every
 * jinfer benchmark runs.
 */
public final class BenchLauncher {
    private BenchLauncher() {}

    /**
     * @param args JMH command-line options
     * @throws Exception when JMH fails
     */
    public static void main(String[] args) throws Exception {
        List<String> all = new ArrayList<>(Arrays.asList(args));
        if (!all.contains("-jvmArgsAppend")) {
            all.add("-jvmArgsAppend");
            all.add("--add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED");
        }
        org.openjdk.jmh.Main.main(all.toArray(String[]::new));
    }
}

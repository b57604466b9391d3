package io.jinfer.memory;

import io.jinfer.api.DeviceInfo;
import io.jinfer.api.Throughput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This machine's CPU as a {@link DeviceInfo}: its model name and core count, its memory (total and
 * available, from {@code /proc/meminfo} where there is one) and its memory read bandwidth, measured
 * by a short {@link BandwidthProbe} at first use.
 *
 * <p>The probe streams {@link #PROBE_BYTES} (several times any last-level cache) a few times: about a
 * second. Its result is kept for the life of the JVM and, unless the system property
 * {@code jinfer.host.probe.cache} is {@code false}, in a {@link ProbeCache} file keyed by CPU model,
 * logical processors and thread count, so later processes skip the probe. Compute throughput is not
 * measured here (that needs the kernels; the planner measures it).
 */
public final class HostDevice {
    /** Buffer of the quick probe: 512 MiB. */
    public static final long PROBE_BYTES = 512L << 20;
    /** Timed passes of the quick probe. */
    public static final int PROBE_PASSES = 3;
    /** Bandwidths outside [0.1, 100000] GB/s in a cache file are ignored as corrupt. */
    private static final double MIN_GBPS = 0.1;
    private static final double MAX_GBPS = 100_000;

    private static final Map<Integer, Double> MEASURED = new ConcurrentHashMap<>();

    private HostDevice() {}

    /**
     * Describes the host CPU with its measured bandwidth (probing or reading the cache at first use).
     *
     * @param threads threads the kernels will use, at least 1 (the bandwidth depends on it)
     * @return the device, id {@code cpu}
     */
    public static DeviceInfo describe(int threads) {
        return describe(threads, bandwidth(threads));
    }

    /**
     * Describes the host CPU with a given bandwidth (no probe).
     *
     * @param threads threads the kernels will use, at least 1
     * @param bytesPerSecond the memory read bandwidth
     * @return the device, id {@code cpu}
     */
    public static DeviceInfo describe(int threads, double bytesPerSecond) {
        long[] mem = memInfo(Path.of("/proc/meminfo"));
        long total = mem[0] > 0 ? mem[0] : Runtime.getRuntime().maxMemory();
        long free = mem[1] > 0 ? Math.min(mem[1], total) : -1;
        return new DeviceInfo("cpu", DeviceInfo.Kind.CPU, cpuModel() + " (" + threads + " threads)", total, free,
                threads, bytesPerSecond, Throughput.UNKNOWN, true);
    }

    /**
     * Returns the host's memory read bandwidth with {@code threads} threads, probed once per JVM and
     * cached in a file across JVMs.
     *
     * @param threads reading threads, at least 1
     * @return bytes per second
     */
    public static double bandwidth(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        return MEASURED.computeIfAbsent(threads, t -> {
            boolean useFile = !"false".equalsIgnoreCase(System.getProperty("jinfer.host.probe.cache"));
            ProbeCache cache = ProbeCache.defaultCache();
            String key = cacheKey(t);
            if (useFile) {
                OptionalDouble hit = cache.get(key, MIN_GBPS, MAX_GBPS);
                if (hit.isPresent()) {
                    return hit.getAsDouble() * 1e9;
                }
            }
            double gbps = BandwidthProbe.measure(PROBE_BYTES, t, PROBE_PASSES).gbps();
            if (useFile) {
                cache.put(key, gbps);
            }
            return gbps * 1e9;
        });
    }

    /**
     * Probes the bandwidth now, ignoring both caches, and stores the result in them: for comparing a
     * prediction with a measurement taken at the same moment on a machine whose load varies.
     *
     * @param threads reading threads, at least 1
     * @return bytes per second
     */
    public static double measureBandwidth(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        double gbps = BandwidthProbe.measure(PROBE_BYTES, threads, PROBE_PASSES).gbps();
        if (!"false".equalsIgnoreCase(System.getProperty("jinfer.host.probe.cache"))) {
            ProbeCache.defaultCache().put(cacheKey(threads), gbps);
        }
        MEASURED.put(threads, gbps * 1e9);
        return gbps * 1e9;
    }

    /**
     * Returns the key a bandwidth is cached under: what would change the number.
     *
     * @param threads reading threads
     * @return e.g. {@code bandwidth.Intel_R_Xeon_R_Processor.cpus2.threads2.bytes536870912}
     */
    static String cacheKey(int threads) {
        return "bandwidth." + cpuModel().replaceAll("[^A-Za-z0-9]+", "_") + ".cpus"
                + Runtime.getRuntime().availableProcessors() + ".threads" + threads + ".bytes" + PROBE_BYTES;
    }

    /**
     * Returns the CPU's model name from {@code /proc/cpuinfo}, or the architecture where there is none.
     *
     * @return the CPU model
     */
    public static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name") && line.indexOf(':') > 0) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux, or not readable: the architecture is the best name left.
        }
        return System.getProperty("os.arch") + " CPU";
    }

    /**
     * Reads {@code MemTotal} and {@code MemAvailable} from a meminfo file.
     *
     * @param meminfo the file, normally {@code /proc/meminfo}
     * @return {total, available} in bytes, -1 for each value not found
     */
    static long[] memInfo(Path meminfo) {
        long[] out = {-1, -1};
        try {
            List<String> lines = Files.readAllLines(meminfo);
            for (String line : lines) {
                String[] parts = line.trim().split("\\s+");
                if (parts.length >= 2) {
                    int slot = switch (parts[0]) {
                        case "MemTotal:" -> 0;
                        case "MemAvailable:" -> 1;
                        default -> -1;
                    };
                    if (slot >= 0) {
                        long kib = Long.parseLong(parts[1]);
                        out[slot] = kib * 1024;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // Absent or odd: the caller falls back.
        }
        return out;
    }
}

package io.jinfer.api;

import java.util.Locale;

/**
 * A compute device as a backend reports it or as a planner simulates it: what it holds, how fast it
 * reads its memory, how fast it computes, and whether it can read host memory in place.
 *
 * <p>Links between devices are described by {@link Link}. Bandwidth and throughput are public peak
 * figures for simulated devices and measured figures for this machine's CPU; 0 means unknown.
 *
 * @param id a short identifier, unique among the devices of one plan, e.g. {@code cpu0} or {@code h100:0}
 * @param kind the kind of device
 * @param name a human-readable name, e.g. the CPU model
 * @param memoryBytes memory capacity in bytes, or -1 when unknown
 * @param freeMemoryBytes memory free now in bytes, or -1 when unknown (then the capacity is assumed free)
 * @param computeUnits cores or multiprocessors
 * @param memoryBandwidth bytes per second the device streams from its own memory, 0 when unknown
 * @param throughput floating-point (or integer) operations per second by precision
 * @param readsHostMemoryInPlace whether the device can compute on host memory without copying it
 *     (unified or coherent memory, e.g. NVLink-C2C or an integrated GPU)
 */
public record DeviceInfo(String id, Kind kind, String name, long memoryBytes, long freeMemoryBytes,
        int computeUnits, double memoryBandwidth, Throughput throughput, boolean readsHostMemoryInPlace) {

    /** Device families jinfer knows. */
    public enum Kind {
        /** The host CPU. */
        CPU,
        /** An NVIDIA GPU through CUDA. */
        CUDA,
        /** Any OpenCL device. */
        OPENCL
    }

    /** Checks the values; a blank id becomes the kind's name in lower case. */
    public DeviceInfo {
        if (kind == null) {
            throw new IllegalArgumentException("device kind must be given");
        }
        if (id == null || id.isBlank()) {
            id = kind.name().toLowerCase(Locale.ROOT);
        }
        if (name == null) {
            name = id;
        }
        if (memoryBytes < -1 || freeMemoryBytes < -1) {
            throw new IllegalArgumentException("device " + id + ": memory sizes must be >= -1 (unknown), got "
                    + memoryBytes + " and " + freeMemoryBytes);
        }
        if (memoryBytes >= 0 && freeMemoryBytes > memoryBytes) {
            throw new IllegalArgumentException("device " + id + ": free memory " + freeMemoryBytes
                    + " exceeds the capacity " + memoryBytes);
        }
        if (!(memoryBandwidth >= 0) || Double.isInfinite(memoryBandwidth)) {
            throw new IllegalArgumentException("device " + id + ": memory bandwidth must be finite and >= 0, got "
                    + memoryBandwidth);
        }
        if (throughput == null) {
            throughput = Throughput.UNKNOWN;
        }
    }

    /**
     * Describes a device by what every backend can tell cheaply; bandwidth and throughput unknown.
     *
     * @param kind the kind of device
     * @param name a human-readable name
     * @param memoryBytes memory capacity in bytes, or -1 when unknown
     * @param computeUnits cores or multiprocessors
     */
    public DeviceInfo(Kind kind, String name, long memoryBytes, int computeUnits) {
        this(null, kind, name, memoryBytes, -1, computeUnits, 0, Throughput.UNKNOWN, kind == Kind.CPU);
    }

    /**
     * Returns the memory the device can give out now: the free memory when known, else the capacity.
     *
     * @return usable bytes, or -1 when neither is known
     */
    public long availableBytes() {
        return freeMemoryBytes >= 0 ? freeMemoryBytes : memoryBytes;
    }

    /**
     * Returns a copy under another identifier, e.g. to tell two cards of the same model apart.
     *
     * @param newId the identifier
     * @return the copy
     */
    public DeviceInfo withId(String newId) {
        return new DeviceInfo(newId, kind, name, memoryBytes, freeMemoryBytes, computeUnits, memoryBandwidth,
                throughput, readsHostMemoryInPlace);
    }

    /**
     * Returns a copy with another capacity; the free memory is capped by it.
     *
     * @param bytes the capacity
     * @return the copy
     */
    public DeviceInfo withMemory(long bytes) {
        long free = freeMemoryBytes < 0 ? -1 : Math.min(freeMemoryBytes, bytes);
        return new DeviceInfo(id, kind, name, bytes, free, computeUnits, memoryBandwidth, throughput,
                readsHostMemoryInPlace);
    }

    /**
     * Returns a copy with another memory bandwidth.
     *
     * @param bytesPerSecond the bandwidth
     * @return the copy
     */
    public DeviceInfo withBandwidth(double bytesPerSecond) {
        return new DeviceInfo(id, kind, name, memoryBytes, freeMemoryBytes, computeUnits, bytesPerSecond,
                throughput, readsHostMemoryInPlace);
    }

    /**
     * Returns a copy with other compute throughput.
     *
     * @param t the throughput
     * @return the copy
     */
    public DeviceInfo withThroughput(Throughput t) {
        return new DeviceInfo(id, kind, name, memoryBytes, freeMemoryBytes, computeUnits, memoryBandwidth, t,
                readsHostMemoryInPlace);
    }
}

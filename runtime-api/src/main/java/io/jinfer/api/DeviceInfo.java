package io.jinfer.api;

/**
 * A compute device as a backend reports it.
 *
 * @param kind the kind of device
 * @param name a human-readable name, e.g. the CPU model
 * @param memoryBytes memory capacity in bytes, or -1 when unknown
 * @param computeUnits cores or multiprocessors
 */
public record DeviceInfo(Kind kind, String name, long memoryBytes, int computeUnits) {
    /** Device families jinfer knows. */
    public enum Kind {
        /** The host CPU. */
        CPU,
        /** An NVIDIA GPU through CUDA. */
        CUDA,
        /** Any OpenCL device. */
        OPENCL
    }
}

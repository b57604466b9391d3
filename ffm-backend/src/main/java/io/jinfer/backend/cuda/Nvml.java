package io.jinfer.backend.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * NVML, bound lazily, for what the driver API does not tell: the free memory of a device right now
 * (other processes included).
 */
public final class Nvml {

    private static Nvml instance;

    private final MethodHandle deviceGetCount;
    private final MethodHandle deviceGetHandleByIndex;
    private final MethodHandle deviceGetMemoryInfo;

    private Nvml() {
        NativeLibrary lib = CudaLibraries.NVML;
        MethodHandle init = lib.function("nvmlInit_v2", FunctionDescriptor.of(JAVA_INT));
        deviceGetCount = lib.function("nvmlDeviceGetCount_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        deviceGetHandleByIndex = lib.function("nvmlDeviceGetHandleByIndex_v2",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        deviceGetMemoryInfo = lib.function("nvmlDeviceGetMemoryInfo", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        check("nvmlInit_v2", call(init));
    }

    /**
     * Loads NVML and initialises it once.
     *
     * @return the bound library
     * @throws CudaUnavailableException naming libnvidia-ml.so.1 when it is missing
     */
    public static synchronized Nvml get() {
        if (instance == null) {
            instance = new Nvml();
        }
        return instance;
    }

    /**
     * Returns how many NVIDIA devices NVML sees.
     *
     * @return the device count
     */
    public int deviceCount() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment n = arena.allocate(JAVA_INT);
            check("nvmlDeviceGetCount_v2", call(deviceGetCount, n));
            return n.get(JAVA_INT, 0);
        }
    }

    /**
     * Returns the free memory of a device in bytes.
     *
     * @param index the device index
     * @return free bytes as NVML reports them
     */
    public long freeMemory(int index) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment handle = arena.allocate(ADDRESS);
            check("nvmlDeviceGetHandleByIndex_v2", call(deviceGetHandleByIndex, index, handle));
            MemorySegment info = arena.allocate(3 * JAVA_LONG.byteSize()); // nvmlMemory_t: total, free, used
            check("nvmlDeviceGetMemoryInfo", call(deviceGetMemoryInfo, handle.get(ADDRESS, 0), info));
            return info.getAtIndex(JAVA_LONG, 1);
        }
    }

    private static void check(String function, int status) {
        if (status != 0) {
            throw new CudaException(function, status, "NVML_ERROR_" + status);
        }
    }

    private static int call(MethodHandle h, Object... args) {
        try {
            return (int) h.invokeWithArguments(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}

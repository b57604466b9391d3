package io.jinfer.backend.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.jinfer.api.DeviceInfo;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * The part of the CUDA driver API that device discovery needs, bound lazily. Every call checks its
 * {@code CUresult} and throws {@link CudaException} with the error's name.
 */
final class CudaDriver {

    /** {@code CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT}. */
    static final int ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;

    private static CudaDriver instance;

    private final MethodHandle cuInit;
    private final MethodHandle cuDriverGetVersion;
    private final MethodHandle cuDeviceGetCount;
    private final MethodHandle cuDeviceGet;
    private final MethodHandle cuDeviceGetName;
    private final MethodHandle cuDeviceTotalMem;
    private final MethodHandle cuDeviceGetAttribute;
    private final MethodHandle cuGetErrorName;

    private CudaDriver() {
        NativeLibrary lib = CudaLibraries.DRIVER;
        cuInit = lib.function("cuInit", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        cuDriverGetVersion = lib.function("cuDriverGetVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        cuDeviceGetCount = lib.function("cuDeviceGetCount", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        cuDeviceGet = lib.function("cuDeviceGet", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        cuDeviceGetName = lib.function("cuDeviceGetName", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        cuDeviceTotalMem = lib.function("cuDeviceTotalMem_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        cuDeviceGetAttribute = lib.function("cuDeviceGetAttribute",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        cuGetErrorName = lib.function("cuGetErrorName", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    }

    /**
     * Loads the driver library and calls {@code cuInit} once.
     *
     * @return the bound driver
     * @throws CudaUnavailableException when libcuda.so.1 is missing
     * @throws CudaException when cuInit fails (e.g. no device, driver/kernel module mismatch)
     */
    static synchronized CudaDriver get() {
        if (instance == null) {
            CudaDriver d = new CudaDriver();
            d.check("cuInit", d.invokeInt(d.cuInit, 0));
            instance = d;
        }
        return instance;
    }

    int driverVersion() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(JAVA_INT);
            check("cuDriverGetVersion", invokeInt(cuDriverGetVersion, v));
            return v.get(JAVA_INT, 0);
        }
    }

    List<DeviceInfo> devices() {
        List<DeviceInfo> out = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(JAVA_INT);
            check("cuDeviceGetCount", invokeInt(cuDeviceGetCount, count));
            for (int i = 0; i < count.get(JAVA_INT, 0); i++) {
                MemorySegment dev = arena.allocate(JAVA_INT);
                check("cuDeviceGet", invokeInt(cuDeviceGet, dev, i));
                int device = dev.get(JAVA_INT, 0);
                MemorySegment name = arena.allocate(256);
                check("cuDeviceGetName", invokeInt(cuDeviceGetName, name, 256, device));
                MemorySegment bytes = arena.allocate(JAVA_LONG);
                check("cuDeviceTotalMem_v2", invokeInt(cuDeviceTotalMem, bytes, device));
                MemorySegment sms = arena.allocate(JAVA_INT);
                check("cuDeviceGetAttribute", invokeInt(cuDeviceGetAttribute, sms, ATTRIBUTE_MULTIPROCESSOR_COUNT, device));
                out.add(new DeviceInfo(DeviceInfo.Kind.CUDA, name.getString(0), bytes.get(JAVA_LONG, 0),
                        sms.get(JAVA_INT, 0)));
            }
        }
        return out;
    }

    private void check(String call, int status) {
        if (status != 0) {
            throw new CudaException(call, status, errorName(status));
        }
    }

    private String errorName(int status) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = arena.allocate(ADDRESS);
            if (invokeInt(cuGetErrorName, status, p) != 0) {
                return "CUDA_ERROR_UNKNOWN";
            }
            return p.get(ADDRESS, 0).reinterpret(128).getString(0);
        }
    }

    private static int invokeInt(MethodHandle h, Object... args) {
        try {
            return (int) h.invokeWithArguments(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}

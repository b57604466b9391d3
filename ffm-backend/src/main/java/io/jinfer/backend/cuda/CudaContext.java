package io.jinfer.backend.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.HashMap;
import java.util.Map;

/**
 * One device's primary context with jinfer's kernel image loaded: device memory, copies and kernel
 * launches through the driver API. Every public call makes the context current on the calling thread
 * first, so sessions on different threads can share it.
 */
final class CudaContext implements AutoCloseable {

    private static final FunctionDescriptor STATUS_ADDR = FunctionDescriptor.of(JAVA_INT, ADDRESS);

    private final MethodHandle ctxSetCurrent;
    private final MethodHandle primaryCtxRelease;
    private final MethodHandle moduleGetFunction;
    private final MethodHandle memAlloc;
    private final MethodHandle memFree;
    private final MethodHandle memcpyHtoD;
    private final MethodHandle memcpyDtoH;
    private final MethodHandle launchKernel;
    private final MethodHandle ctxSynchronize;
    private final int device;
    private final MemorySegment context;
    private final Map<String, MemorySegment> functions = new HashMap<>();
    private final MemorySegment module;
    private boolean closed;

    CudaContext(int ordinal) {
        CudaDriver.get();
        NativeLibrary lib = CudaLibraries.DRIVER;
        MethodHandle deviceGet = lib.function("cuDeviceGet", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        MethodHandle retain = lib.function("cuDevicePrimaryCtxRetain", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        primaryCtxRelease = lib.function("cuDevicePrimaryCtxRelease_v2", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        ctxSetCurrent = lib.function("cuCtxSetCurrent", STATUS_ADDR);
        MethodHandle moduleLoadData = lib.function("cuModuleLoadData", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        moduleGetFunction = lib.function("cuModuleGetFunction",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        memAlloc = lib.function("cuMemAlloc_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        memFree = lib.function("cuMemFree_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        memcpyHtoD = lib.function("cuMemcpyHtoD_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG));
        memcpyDtoH = lib.function("cuMemcpyDtoH_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
        launchKernel = lib.function("cuLaunchKernel", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        ctxSynchronize = lib.function("cuCtxSynchronize", FunctionDescriptor.of(JAVA_INT));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dev = arena.allocate(JAVA_INT);
            check("cuDeviceGet", call(deviceGet, dev, ordinal));
            device = dev.get(JAVA_INT, 0);
            MemorySegment ctx = arena.allocate(ADDRESS);
            check("cuDevicePrimaryCtxRetain", call(retain, ctx, device));
            context = ctx.get(ADDRESS, 0);
            makeCurrent();
            byte[] image = CudaKernelImage.fatbin();
            MemorySegment img = Arena.global().allocate(image.length + 1L, 16);
            MemorySegment.copy(MemorySegment.ofArray(image), 0, img, 0, image.length);
            MemorySegment mod = arena.allocate(ADDRESS);
            check("cuModuleLoadData", call(moduleLoadData, mod, img));
            module = mod.get(ADDRESS, 0);
        }
    }

    void makeCurrent() {
        check("cuCtxSetCurrent", call(ctxSetCurrent, context));
    }

    synchronized MemorySegment function(String name) {
        return functions.computeIfAbsent(name, n -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment f = arena.allocate(ADDRESS);
                check("cuModuleGetFunction(" + n + ")", call(moduleGetFunction, f, module, arena.allocateFrom(n)));
                return f.get(ADDRESS, 0);
            }
        });
    }

    long alloc(long bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = arena.allocate(JAVA_LONG);
            check("cuMemAlloc_v2(" + bytes + " bytes)", call(memAlloc, p, Math.max(1, bytes)));
            return p.get(JAVA_LONG, 0);
        }
    }

    void free(long pointer) {
        check("cuMemFree_v2", call(memFree, pointer));
    }

    void copyToDevice(long dst, MemorySegment src) {
        check("cuMemcpyHtoD_v2", call(memcpyHtoD, dst, src, src.byteSize()));
    }

    void copyToHost(MemorySegment dst, long src) {
        check("cuMemcpyDtoH_v2", call(memcpyDtoH, dst, src, dst.byteSize()));
    }

    /**
     * Launches a kernel and waits for it. Arguments are Long (device pointers), Integer or Float.
     */
    void launch(String kernel, int gridX, int gridY, int blockX, Object... args) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment params = arena.allocate(ADDRESS, args.length);
            for (int i = 0; i < args.length; i++) {
                MemorySegment slot = switch (args[i]) {
                    case Long l -> arena.allocateFrom(JAVA_LONG, l);
                    case Integer v -> arena.allocateFrom(JAVA_INT, v);
                    case Float v -> arena.allocateFrom(JAVA_FLOAT, v);
                    default -> throw new IllegalArgumentException("unsupported kernel argument " + args[i]);
                };
                params.setAtIndex(ADDRESS, i, slot);
            }
            check("cuLaunchKernel(" + kernel + ")", call(launchKernel, function(kernel), gridX, gridY, 1, blockX, 1, 1,
                    0, MemorySegment.NULL, params, MemorySegment.NULL));
            check("cuCtxSynchronize after " + kernel, call(ctxSynchronize));
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            call(primaryCtxRelease, device);
        }
    }

    private static void check(String what, int status) {
        if (status != 0) {
            throw new CudaException(what, status, "CUresult " + status);
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

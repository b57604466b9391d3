package io.jinfer.backend.opencl;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * FFM bindings of the OpenCL 1.2 host API functions this backend calls, looked up in
 * {@code libOpenCL.so.1} (the ICD loader) the first time {@link #get()} is called. Each binding is a
 * thin wrapper that turns a failing status into an {@link OpenClException}.
 *
 * <p>Handles ({@code cl_platform_id}, {@code cl_context}, {@code cl_mem}, …) are kept as
 * {@link MemorySegment} addresses of size zero.
 */
final class OpenCl {
    static final int CL_SUCCESS = 0;
    static final long CL_DEVICE_TYPE_ALL = 0xFFFFFFFFL;
    static final int CL_PLATFORM_NAME = 0x0902;
    static final int CL_DEVICE_TYPE = 0x1000;
    static final int CL_DEVICE_MAX_COMPUTE_UNITS = 0x1002;
    static final int CL_DEVICE_GLOBAL_MEM_SIZE = 0x101F;
    static final int CL_DEVICE_MAX_MEM_ALLOC_SIZE = 0x1010;
    static final int CL_DEVICE_NAME = 0x102B;
    static final int CL_DEVICE_VERSION = 0x102F;
    static final int CL_DEVICE_HOST_UNIFIED_MEMORY = 0x1035;
    static final int CL_PROGRAM_BUILD_LOG = 0x1183;
    static final long CL_MEM_READ_WRITE = 1;
    static final long CL_MEM_READ_ONLY = 4;
    static final long CL_MEM_USE_HOST_PTR = 8;
    static final long CL_MEM_COPY_HOST_PTR = 32;
    static final long CL_MAP_READ = 1;
    static final long CL_DEVICE_TYPE_CPU = 2;
    static final long CL_DEVICE_TYPE_GPU = 4;

    private static final ValueLayout.OfLong SIZE_T = ValueLayout.JAVA_LONG;
    private static final ValueLayout ADDR = ValueLayout.ADDRESS;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;

    private final MethodHandle getPlatformIds;
    private final MethodHandle getPlatformInfo;
    private final MethodHandle getDeviceIds;
    private final MethodHandle getDeviceInfo;
    private final MethodHandle createContext;
    private final MethodHandle createCommandQueue;
    private final MethodHandle createProgramWithSource;
    private final MethodHandle buildProgram;
    private final MethodHandle getProgramBuildInfo;
    private final MethodHandle createKernel;
    private final MethodHandle setKernelArg;
    private final MethodHandle createBuffer;
    private final MethodHandle enqueueWriteBuffer;
    private final MethodHandle enqueueReadBuffer;
    private final MethodHandle enqueueNdRangeKernel;
    private final MethodHandle enqueueMapBuffer;
    private final MethodHandle enqueueUnmapMemObject;
    private final MethodHandle finish;
    private final MethodHandle releaseMemObject;
    private final MethodHandle releaseKernel;
    private final MethodHandle releaseProgram;
    private final MethodHandle releaseCommandQueue;
    private final MethodHandle releaseContext;

    @SuppressWarnings("restricted") // native access is the point of this class; the module enables it
    private static final class Holder {
        static final OpenCl INSTANCE;
        static final String FAILURE;

        static {
            OpenCl cl = null;
            String why = null;
            try {
                cl = new OpenCl(SymbolLookup.libraryLookup("libOpenCL.so.1", Arena.global()));
            } catch (IllegalArgumentException | UnsatisfiedLinkError e) {
                why = "libOpenCL.so.1 (the OpenCL ICD loader) was not found: install ocl-icd-libopencl1 and a driver "
                        + "such as pocl-opencl-icd (" + e.getMessage() + ")";
            } catch (IllegalCallerException e) {
                why = "native access is not enabled for the OpenCL backend: run with --enable-native-access="
                        + "io.jinfer.backend.opencl (or ALL-UNNAMED on the class path)";
            }
            INSTANCE = cl;
            FAILURE = why;
        }
    }

    /**
     * Returns the bindings, loading the library on first use.
     *
     * @return the bindings
     * @throws OpenClException when the library is absent or cannot be bound
     */
    static OpenCl get() {
        if (Holder.INSTANCE == null) {
            throw new OpenClException(Holder.FAILURE);
        }
        return Holder.INSTANCE;
    }

    /**
     * Says why the library cannot be used.
     *
     * @return null when it loaded, otherwise the reason
     */
    static String loadFailure() {
        return Holder.FAILURE;
    }

    private OpenCl(SymbolLookup lib) {
        Linker linker = Linker.nativeLinker();
        getPlatformIds = bind(linker, lib, "clGetPlatformIDs", FunctionDescriptor.of(INT, INT, ADDR, ADDR));
        getPlatformInfo = bind(linker, lib, "clGetPlatformInfo",
                FunctionDescriptor.of(INT, ADDR, INT, SIZE_T, ADDR, ADDR));
        getDeviceIds = bind(linker, lib, "clGetDeviceIDs", FunctionDescriptor.of(INT, ADDR, LONG, INT, ADDR, ADDR));
        getDeviceInfo = bind(linker, lib, "clGetDeviceInfo", FunctionDescriptor.of(INT, ADDR, INT, SIZE_T, ADDR, ADDR));
        createContext = bind(linker, lib, "clCreateContext",
                FunctionDescriptor.of(ADDR, ADDR, INT, ADDR, ADDR, ADDR, ADDR));
        createCommandQueue = bind(linker, lib, "clCreateCommandQueue",
                FunctionDescriptor.of(ADDR, ADDR, ADDR, LONG, ADDR));
        createProgramWithSource = bind(linker, lib, "clCreateProgramWithSource",
                FunctionDescriptor.of(ADDR, ADDR, INT, ADDR, ADDR, ADDR));
        buildProgram = bind(linker, lib, "clBuildProgram", FunctionDescriptor.of(INT, ADDR, INT, ADDR, ADDR, ADDR, ADDR));
        getProgramBuildInfo = bind(linker, lib, "clGetProgramBuildInfo",
                FunctionDescriptor.of(INT, ADDR, ADDR, INT, SIZE_T, ADDR, ADDR));
        createKernel = bind(linker, lib, "clCreateKernel", FunctionDescriptor.of(ADDR, ADDR, ADDR, ADDR));
        setKernelArg = bind(linker, lib, "clSetKernelArg", FunctionDescriptor.of(INT, ADDR, INT, SIZE_T, ADDR));
        createBuffer = bind(linker, lib, "clCreateBuffer", FunctionDescriptor.of(ADDR, ADDR, LONG, SIZE_T, ADDR, ADDR));
        // Reads and writes pass Java arrays straight to the driver (blocking calls), so no staging copy is
        // needed. The price: a critical call holds off the garbage collector until it returns, and a
        // blocking read waits for the kernels queued before it (milliseconds on the models here).
        enqueueWriteBuffer = bindCritical(linker, lib, "clEnqueueWriteBuffer",
                FunctionDescriptor.of(INT, ADDR, ADDR, INT, SIZE_T, SIZE_T, ADDR, INT, ADDR, ADDR));
        enqueueReadBuffer = bindCritical(linker, lib, "clEnqueueReadBuffer",
                FunctionDescriptor.of(INT, ADDR, ADDR, INT, SIZE_T, SIZE_T, ADDR, INT, ADDR, ADDR));
        enqueueNdRangeKernel = bind(linker, lib, "clEnqueueNDRangeKernel",
                FunctionDescriptor.of(INT, ADDR, ADDR, INT, ADDR, ADDR, ADDR, INT, ADDR, ADDR));
        enqueueMapBuffer = bind(linker, lib, "clEnqueueMapBuffer",
                FunctionDescriptor.of(ADDR, ADDR, ADDR, INT, LONG, SIZE_T, SIZE_T, INT, ADDR, ADDR, ADDR));
        enqueueUnmapMemObject = bind(linker, lib, "clEnqueueUnmapMemObject",
                FunctionDescriptor.of(INT, ADDR, ADDR, ADDR, INT, ADDR, ADDR));
        finish = bind(linker, lib, "clFinish", FunctionDescriptor.of(INT, ADDR));
        releaseMemObject = bind(linker, lib, "clReleaseMemObject", FunctionDescriptor.of(INT, ADDR));
        releaseKernel = bind(linker, lib, "clReleaseKernel", FunctionDescriptor.of(INT, ADDR));
        releaseProgram = bind(linker, lib, "clReleaseProgram", FunctionDescriptor.of(INT, ADDR));
        releaseCommandQueue = bind(linker, lib, "clReleaseCommandQueue", FunctionDescriptor.of(INT, ADDR));
        releaseContext = bind(linker, lib, "clReleaseContext", FunctionDescriptor.of(INT, ADDR));
    }

    @SuppressWarnings("restricted")
    private static MethodHandle bind(Linker linker, SymbolLookup lib, String name, FunctionDescriptor fd) {
        MemorySegment f = lib.find(name).orElseThrow(
                () -> new UnsatisfiedLinkError("libOpenCL.so.1 has no function " + name));
        return linker.downcallHandle(f, fd);
    }

    @SuppressWarnings("restricted")
    private static MethodHandle bindCritical(Linker linker, SymbolLookup lib, String name, FunctionDescriptor fd) {
        MemorySegment f = lib.find(name).orElseThrow(
                () -> new UnsatisfiedLinkError("libOpenCL.so.1 has no function " + name));
        return linker.downcallHandle(f, fd, Linker.Option.critical(true));
    }

    static void check(int status, String what) {
        if (status != CL_SUCCESS) {
            throw new OpenClException(what + " failed: " + OpenClException.errorName(status) + " (" + status + ")");
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new OpenClException("OpenCL call failed: " + t);
    }

    MemorySegment[] platforms() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment count = a.allocate(INT);
            int st = (int) getPlatformIds.invokeExact(0, MemorySegment.NULL, count);
            if (st == -1001) { // CL_PLATFORM_NOT_FOUND_KHR: the ICD loader found no driver
                return new MemorySegment[0];
            }
            check(st, "clGetPlatformIDs");
            int n = count.get(INT, 0);
            if (n == 0) {
                return new MemorySegment[0];
            }
            MemorySegment ids = a.allocate(ADDR, n);
            check((int) getPlatformIds.invokeExact(n, ids, MemorySegment.NULL), "clGetPlatformIDs");
            MemorySegment[] r = new MemorySegment[n];
            for (int i = 0; i < n; i++) {
                r[i] = ids.getAtIndex(ValueLayout.ADDRESS, i);
            }
            return r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    String platformName(MemorySegment platform) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment size = a.allocate(SIZE_T);
            check((int) getPlatformInfo.invokeExact(platform, CL_PLATFORM_NAME, 0L, MemorySegment.NULL, size),
                    "clGetPlatformInfo");
            MemorySegment buf = a.allocate(size.get(SIZE_T, 0) + 1);
            check((int) getPlatformInfo.invokeExact(platform, CL_PLATFORM_NAME, buf.byteSize(), buf,
                    MemorySegment.NULL), "clGetPlatformInfo");
            return buf.getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    MemorySegment[] devices(MemorySegment platform) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment count = a.allocate(INT);
            int st = (int) getDeviceIds.invokeExact(platform, CL_DEVICE_TYPE_ALL, 0, MemorySegment.NULL, count);
            if (st == -1) { // CL_DEVICE_NOT_FOUND
                return new MemorySegment[0];
            }
            check(st, "clGetDeviceIDs");
            int n = count.get(INT, 0);
            MemorySegment ids = a.allocate(ADDR, Math.max(1, n));
            check((int) getDeviceIds.invokeExact(platform, CL_DEVICE_TYPE_ALL, n, ids, MemorySegment.NULL),
                    "clGetDeviceIDs");
            MemorySegment[] r = new MemorySegment[n];
            for (int i = 0; i < n; i++) {
                r[i] = ids.getAtIndex(ValueLayout.ADDRESS, i);
            }
            return r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    String deviceString(MemorySegment device, int param) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment size = a.allocate(SIZE_T);
            check((int) getDeviceInfo.invokeExact(device, param, 0L, MemorySegment.NULL, size), "clGetDeviceInfo");
            MemorySegment buf = a.allocate(size.get(SIZE_T, 0) + 1);
            check((int) getDeviceInfo.invokeExact(device, param, buf.byteSize(), buf, MemorySegment.NULL),
                    "clGetDeviceInfo");
            return buf.getString(0).trim();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    long deviceLong(MemorySegment device, int param) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(LONG);
            check((int) getDeviceInfo.invokeExact(device, param, 8L, v, MemorySegment.NULL), "clGetDeviceInfo");
            return v.get(LONG, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int deviceInt(MemorySegment device, int param) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(INT);
            check((int) getDeviceInfo.invokeExact(device, param, 4L, v, MemorySegment.NULL), "clGetDeviceInfo");
            return v.get(INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    MemorySegment createContext(MemorySegment device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment dev = a.allocate(ADDR);
            dev.set(ValueLayout.ADDRESS, 0, device);
            MemorySegment err = a.allocate(INT);
            MemorySegment ctx = (MemorySegment) createContext.invokeExact(MemorySegment.NULL, 1, dev,
                    MemorySegment.NULL, MemorySegment.NULL, err);
            check(err.get(INT, 0), "clCreateContext");
            return ctx;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    MemorySegment createQueue(MemorySegment context, MemorySegment device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = a.allocate(INT);
            MemorySegment q = (MemorySegment) createCommandQueue.invokeExact(context, device, 0L, err);
            check(err.get(INT, 0), "clCreateCommandQueue");
            return q;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Compiles a program for one device.
     *
     * @throws OpenClException with the build log when the source does not compile
     */
    MemorySegment buildProgram(MemorySegment context, MemorySegment device, String source, String options) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment src = a.allocateFrom(source);
            MemorySegment strings = a.allocate(ADDR);
            strings.set(ValueLayout.ADDRESS, 0, src);
            MemorySegment err = a.allocate(INT);
            MemorySegment program = (MemorySegment) createProgramWithSource.invokeExact(context, 1, strings,
                    MemorySegment.NULL, err);
            check(err.get(INT, 0), "clCreateProgramWithSource");
            MemorySegment dev = a.allocate(ADDR);
            dev.set(ValueLayout.ADDRESS, 0, device);
            int st = (int) buildProgram.invokeExact(program, 1, dev, a.allocateFrom(options), MemorySegment.NULL,
                    MemorySegment.NULL);
            if (st != CL_SUCCESS) {
                String log = buildLog(program, device);
                releaseProgram(program);
                throw new OpenClException("clBuildProgram failed: " + OpenClException.errorName(st)
                        + "; build log:\n" + log);
            }
            return program;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    String buildLog(MemorySegment program, MemorySegment device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment size = a.allocate(SIZE_T);
            check((int) getProgramBuildInfo.invokeExact(program, device, CL_PROGRAM_BUILD_LOG, 0L,
                    MemorySegment.NULL, size), "clGetProgramBuildInfo");
            MemorySegment buf = a.allocate(size.get(SIZE_T, 0) + 1);
            check((int) getProgramBuildInfo.invokeExact(program, device, CL_PROGRAM_BUILD_LOG, buf.byteSize(), buf,
                    MemorySegment.NULL), "clGetProgramBuildInfo");
            return buf.getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    MemorySegment createKernel(MemorySegment program, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = a.allocate(INT);
            MemorySegment k = (MemorySegment) createKernel.invokeExact(program, a.allocateFrom(name), err);
            check(err.get(INT, 0), "clCreateKernel(" + name + ")");
            return k;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Sets a kernel argument from {@code size} bytes at {@code value} (a scratch segment the caller owns). */
    void setKernelArg(MemorySegment kernel, int index, long size, MemorySegment value) {
        try {
            check((int) setKernelArg.invokeExact(kernel, index, size, value), "clSetKernelArg");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    MemorySegment createBuffer(MemorySegment context, long flags, long size, MemorySegment hostPtr) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = a.allocate(INT);
            MemorySegment m = (MemorySegment) createBuffer.invokeExact(context, flags, size, hostPtr, err);
            check(err.get(INT, 0), "clCreateBuffer(" + size + " bytes)");
            return m;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Blocking write of {@code bytes} bytes from {@code src} (a heap or native segment). */
    void write(MemorySegment queue, MemorySegment buffer, long offset, long bytes, MemorySegment src) {
        try {
            check((int) enqueueWriteBuffer.invokeExact(queue, buffer, 1, offset, bytes, src, 0, MemorySegment.NULL,
                    MemorySegment.NULL), "clEnqueueWriteBuffer");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Blocking read of {@code bytes} bytes into {@code dst} (a heap or native segment). */
    void read(MemorySegment queue, MemorySegment buffer, long offset, long bytes, MemorySegment dst) {
        try {
            check((int) enqueueReadBuffer.invokeExact(queue, buffer, 1, offset, bytes, dst, 0, MemorySegment.NULL,
                    MemorySegment.NULL), "clEnqueueReadBuffer");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Enqueues a kernel over {@code dims} dimensions; {@code global} and {@code local} are size_t arrays. */
    void enqueueKernel(MemorySegment queue, MemorySegment kernel, int dims, MemorySegment global, MemorySegment local) {
        try {
            check((int) enqueueNdRangeKernel.invokeExact(queue, kernel, dims, MemorySegment.NULL, global, local, 0,
                    MemorySegment.NULL, MemorySegment.NULL), "clEnqueueNDRangeKernel");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Makes a host-pointer buffer's bytes current in host memory: a blocking map for reading, then
     * unmap. On a device that shares host memory this copies nothing.
     */
    void syncToHost(MemorySegment queue, MemorySegment buffer, long offset, long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = a.allocate(INT);
            MemorySegment p = (MemorySegment) enqueueMapBuffer.invokeExact(queue, buffer, 1, CL_MAP_READ, offset,
                    bytes, 0, MemorySegment.NULL, MemorySegment.NULL, err);
            check(err.get(INT, 0), "clEnqueueMapBuffer");
            check((int) enqueueUnmapMemObject.invokeExact(queue, buffer, p, 0, MemorySegment.NULL,
                    MemorySegment.NULL), "clEnqueueUnmapMemObject");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void finish(MemorySegment queue) {
        try {
            check((int) finish.invokeExact(queue), "clFinish");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void releaseMemObject(MemorySegment m) {
        release(releaseMemObject, m, "clReleaseMemObject");
    }

    void releaseKernel(MemorySegment k) {
        release(releaseKernel, k, "clReleaseKernel");
    }

    void releaseProgram(MemorySegment p) {
        release(releaseProgram, p, "clReleaseProgram");
    }

    void releaseQueue(MemorySegment q) {
        release(releaseCommandQueue, q, "clReleaseCommandQueue");
    }

    void releaseContext(MemorySegment c) {
        release(releaseContext, c, "clReleaseContext");
    }

    private static void release(MethodHandle h, MemorySegment handle, String what) {
        try {
            check((int) h.invokeExact(handle), what);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}

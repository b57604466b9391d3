package io.jinfer.backend.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/** FFM bindings to libjinfer_cuda_host.so: the CUDA kernels' numerics compiled for the host. */
final class HostNumerics {

    static final int Q8_0 = 0;
    static final int Q4_0 = 1;
    static final int MXFP4 = 2;
    static final int NVFP4 = 3;

    private final MethodHandle f16;
    private final MethodHandle e4m3;
    private final MethodHandle e5m2;
    private final MethodHandle e2m1;
    private final MethodHandle e8m0;
    private final MethodHandle ue4m3;
    private final MethodHandle decodeBlock;
    private final MethodHandle dotBlock;
    private final MethodHandle dotFp8Run;
    private final MethodHandle dotNvfp4Checkpoint;

    private HostNumerics(SymbolLookup lib) {
        f16 = bind(lib, "jinfer_host_f16_to_float", FunctionDescriptor.of(JAVA_FLOAT, JAVA_SHORT));
        e4m3 = bind(lib, "jinfer_host_e4m3_to_float", FunctionDescriptor.of(JAVA_FLOAT, JAVA_BYTE));
        e5m2 = bind(lib, "jinfer_host_e5m2_to_float", FunctionDescriptor.of(JAVA_FLOAT, JAVA_BYTE));
        e2m1 = bind(lib, "jinfer_host_e2m1_to_float", FunctionDescriptor.of(JAVA_FLOAT, JAVA_BYTE));
        e8m0 = bind(lib, "jinfer_host_e8m0_to_float", FunctionDescriptor.of(JAVA_FLOAT, JAVA_BYTE));
        ue4m3 = bind(lib, "jinfer_host_ue4m3", FunctionDescriptor.of(JAVA_FLOAT, JAVA_BYTE));
        decodeBlock = bind(lib, "jinfer_host_decode_block", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        dotBlock = bind(lib, "jinfer_host_dot_block", FunctionDescriptor.of(JAVA_FLOAT, JAVA_INT, ADDRESS, ADDRESS));
        dotFp8Run = bind(lib, "jinfer_host_dot_fp8_run",
                FunctionDescriptor.of(JAVA_FLOAT, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_FLOAT));
        dotNvfp4Checkpoint = bind(lib, "jinfer_host_dot_nvfp4_checkpoint",
                FunctionDescriptor.of(JAVA_FLOAT, ADDRESS, JAVA_BYTE, JAVA_FLOAT, ADDRESS));
    }

    /**
     * Loads the library the build put next to the classes, or returns null with the reason in
     * {@link #missingReason()}.
     */
    static HostNumerics load() {
        Path path = libraryPath();
        return path == null ? null : new HostNumerics(SymbolLookup.libraryLookup(path, Arena.global()));
    }

    static String missingReason() {
        String why = CudaKernelImage.buildInfo().getProperty("host", "the CUDA build step did not run");
        return "libjinfer_cuda_host.so was not built (" + why + ")";
    }

    private static Path libraryPath() {
        URL url = HostNumerics.class.getResource("/jinfer-cuda/linux-x86_64/libjinfer_cuda_host.so");
        if (url == null || !"file".equals(url.getProtocol())) {
            return null;
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            return null;
        }
    }

    private static MethodHandle bind(SymbolLookup lib, String name, FunctionDescriptor d) {
        return Linker.nativeLinker().downcallHandle(lib.find(name).orElseThrow(), d);
    }

    float f16(int bits) {
        return (float) call(f16, (short) bits);
    }

    float e4m3(int code) {
        return (float) call(e4m3, (byte) code);
    }

    float e5m2(int code) {
        return (float) call(e5m2, (byte) code);
    }

    float e2m1(int code) {
        return (float) call(e2m1, (byte) code);
    }

    float e8m0(int code) {
        return (float) call(e8m0, (byte) code);
    }

    float ue4m3(int code) {
        return (float) call(ue4m3, (byte) code);
    }

    void decodeBlock(int format, MemorySegment block, MemorySegment out) {
        if ((int) call(decodeBlock, format, block, out) != 0) {
            throw new IllegalArgumentException("unknown block format " + format);
        }
    }

    float dotBlock(int format, MemorySegment block, MemorySegment x) {
        return (float) call(dotBlock, format, block, x);
    }

    float dotFp8Run(MemorySegment codes, MemorySegment x, int n, int format, float scale) {
        return (float) call(dotFp8Run, codes, x, n, format, scale);
    }

    float dotNvfp4Checkpoint(MemorySegment packed, int scale, float global, MemorySegment x) {
        return (float) call(dotNvfp4Checkpoint, packed, (byte) scale, global, x);
    }

    private static Object call(MethodHandle h, Object... args) {
        try {
            return h.invokeWithArguments(args);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}

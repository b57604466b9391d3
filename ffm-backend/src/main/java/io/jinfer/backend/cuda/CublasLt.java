package io.jinfer.backend.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * cuBLASLt, bound lazily: the library version and a handle, the entry points that FP8 and FP4 GEMMs
 * with block scales go through.
 */
public final class CublasLt implements AutoCloseable {

    private final MethodHandle destroy;
    private final MemorySegment handle;
    private boolean closed;

    private CublasLt(MethodHandle destroy, MemorySegment handle) {
        this.destroy = destroy;
        this.handle = handle;
    }

    /**
     * Returns the version of the cuBLASLt library that loads.
     *
     * @return {@code cublasLtGetVersion()}, e.g. 130000 for 13.0
     * @throws CudaUnavailableException naming the library files tried when none loads
     */
    public static long version() {
        MethodHandle h = CudaLibraries.CUBLAS_LT.function("cublasLtGetVersion", FunctionDescriptor.of(JAVA_LONG));
        try {
            return (long) h.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * Creates a cuBLASLt handle (needs a CUDA context on the calling thread).
     *
     * @return the handle, closed with {@link #close()}
     * @throws CudaUnavailableException when the library is missing
     * @throws CudaException when cublasLtCreate fails
     */
    public static CublasLt create() {
        MethodHandle create = CudaLibraries.CUBLAS_LT.function("cublasLtCreate", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        MethodHandle destroy = CudaLibraries.CUBLAS_LT.function("cublasLtDestroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            int status = (int) create.invokeExact(out);
            if (status != 0) {
                throw new CudaException("cublasLtCreate", status, "CUBLAS_STATUS_" + status);
            }
            return new CublasLt(destroy, out.get(ADDRESS, 0));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            int status = (int) destroy.invokeExact(handle);
            if (status != 0) {
                throw new CudaException("cublasLtDestroy", status, "CUBLAS_STATUS_" + status);
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}

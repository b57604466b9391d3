package io.jinfer.api.spi;

import io.jinfer.api.DeviceInfo;
import java.util.List;

/**
 * A compute backend (CPU, CUDA, OpenCL, …), found with {@link java.util.ServiceLoader}. A backend
 * that cannot run here (no driver, no device) reports why through {@link #unavailableReason()}
 * instead of failing.
 */
public interface Backend {

    /**
     * Returns the name that identifies this backend.
     *
     * @return the short name users select it by, e.g. {@code cpu}
     */
    String name();

    /**
     * Tells whether this backend can run on this machine, e.g. whether its native library or device was found.
     *
     * @return {@code null} when the backend can run here; otherwise why not, in words
     */
    String unavailableReason();

    /**
     * Lists the devices this backend can compute on.
     *
     * @return the devices this backend found (empty when unavailable)
     */
    List<DeviceInfo> devices();

    /**
     * Creates a kernel set with its own worker threads.
     *
     * @param threads worker threads, at least 1
     * @param reference {@code true} for the plain scalar reference kernels
     * @return the kernels; close them to stop their threads
     * @throws IllegalStateException when the backend is unavailable
     */
    Kernels createKernels(int threads, boolean reference);

    /**
     * Creates a kernel set, saying whether native kernels may be used. Backends without native
     * kernels ignore the flag.
     *
     * @param threads worker threads, at least 1
     * @param reference {@code true} for the plain scalar reference kernels
     * @param nativeKernels whether native kernels may be used where the backend has them
     * @return the kernels; close them to stop their threads
     * @throws IllegalStateException when the backend is unavailable
     */
    default Kernels createKernels(int threads, boolean reference, boolean nativeKernels) {
        return createKernels(threads, reference);
    }
}

package io.jinfer.backend.cuda;

import java.util.List;

/**
 * The NVIDIA libraries jinfer binds through FFM, each loaded lazily: the driver API
 * ({@code libcuda.so.1}, installed with the driver), cuBLASLt (from the CUDA toolkit or the
 * {@code nvidia-cublas} wheel) and NVML ({@code libnvidia-ml.so.1}, also from the driver).
 */
public final class CudaLibraries {

    static final NativeLibrary DRIVER = new NativeLibrary(
            "the CUDA driver library libcuda.so.1 (installed with the NVIDIA driver)", List.of("libcuda.so.1"));
    static final NativeLibrary CUBLAS_LT = new NativeLibrary(
            "cuBLASLt (libcublasLt.so from the CUDA toolkit)",
            List.of("libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so"));
    static final NativeLibrary NVML = new NativeLibrary(
            "NVML libnvidia-ml.so.1 (installed with the NVIDIA driver)", List.of("libnvidia-ml.so.1"));

    private CudaLibraries() {}

    /**
     * Tells why the CUDA driver library cannot be loaded.
     *
     * @return the reason naming libcuda.so.1, or null when it loads
     */
    public static String driverUnavailableReason() {
        return DRIVER.unavailableReason();
    }

    /**
     * Tells why cuBLASLt cannot be loaded.
     *
     * @return the reason naming the library files tried, or null when one loads
     */
    public static String cublasLtUnavailableReason() {
        return CUBLAS_LT.unavailableReason();
    }

    /**
     * Tells why NVML cannot be loaded.
     *
     * @return the reason naming libnvidia-ml.so.1, or null when it loads
     */
    public static String nvmlUnavailableReason() {
        return NVML.unavailableReason();
    }
}

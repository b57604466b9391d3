/**
 * NVIDIA CUDA backend: the CUDA driver API, cuBLASLt and NVML bound through FFM and loaded lazily,
 * and FP8/FP4/GGUF kernels compiled by nvcc at build time (their numerics are shared with a host
 * library that the tests compare bit for bit with the Java reference).
 */
module io.jinfer.backend.cuda {
    requires transitive io.jinfer.api;

    exports io.jinfer.backend.cuda;

    uses io.jinfer.api.spi.Backend;

    provides io.jinfer.api.spi.Backend with io.jinfer.backend.cuda.CudaBackend;
}

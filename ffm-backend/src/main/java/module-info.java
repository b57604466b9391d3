/**
 * NVIDIA CUDA backend: CUDA driver API, cuBLASLt and NVML bound through FFM, FP8/FP4 kernels compiled by nvcc.
 *
 * <p>Not implemented yet: this module holds no backend, registers no service and claims no device.
 */
module io.jinfer.backend.cuda {
    requires transitive io.jinfer.api;
}

/**
 * NVIDIA CUDA support through FFM: lazily loaded driver, NVML and cuBLASLt libraries, the kernel
 * image built by nvcc, and device discovery.
 */
package io.jinfer.backend.cuda;

/**
 * OpenCL backend through FFM, with kernels generated per format and shape at run time. It binds
 * {@code libOpenCL.so.1} on first use and reports itself unavailable (with the reason) when the
 * library, a platform or a device is missing.
 */
module io.jinfer.backend.opencl {
    requires transitive io.jinfer.api;

    exports io.jinfer.backend.opencl;

    provides io.jinfer.api.spi.Backend with io.jinfer.backend.opencl.OpenClBackend;
}

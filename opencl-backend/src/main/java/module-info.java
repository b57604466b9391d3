/**
 * OpenCL backend through FFM, with kernels generated per format and shape at run time.
 *
 * <p>Not implemented yet: this module holds no backend, registers no service and claims no device.
 */
module io.jinfer.backend.opencl {
    requires transitive io.jinfer.api;
}

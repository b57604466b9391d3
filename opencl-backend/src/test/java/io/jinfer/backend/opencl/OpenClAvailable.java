package io.jinfer.backend.opencl;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The OpenCL device tests run on; a test without one is skipped, with the reason, never passed. */
final class OpenClAvailable {
    private static final OpenClBackend BACKEND = new OpenClBackend();

    private OpenClAvailable() {}

    /**
     * Returns the backend after checking it can run.
     *
     * @return the backend
     */
    static OpenClBackend backend() {
        String why = BACKEND.unavailableReason();
        assumeTrue(why == null, () -> "skipped: no usable OpenCL device: " + why);
        return BACKEND;
    }

    /**
     * Returns the selected device after checking OpenCL can run.
     *
     * @return the device tests run on
     */
    static OpenClDevice device() {
        return backend().selectedDevice();
    }
}

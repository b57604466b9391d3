package io.jinfer.backend.opencl;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The OpenCL device tests run on; a test without one is skipped, with the reason, never passed. */
final class OpenClAvailable {
    private static final OpenClBackend BACKEND = new OpenClBackend();

    private OpenClAvailable() {}

    /**
     * Tells whether tests can run on OpenCL here.
     *
     * @return true when a device was found
     */
    static boolean present() {
        return BACKEND.unavailableReason() == null;
    }

    /**
     * Returns the backend after checking it can run (call it in {@code @BeforeEach}, so every test is
     * reported as skipped with the reason; an assumption in {@code @BeforeAll} hides the tests).
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

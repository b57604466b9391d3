package io.jinfer.backend.cuda;

import io.jinfer.api.JinferException;

/** A CUDA driver, NVML or cuBLASLt call that returned an error code. */
public final class CudaException extends JinferException {

    private static final long serialVersionUID = 1L;

    private final int code;

    /**
     * Creates the exception.
     *
     * @param call the function that failed
     * @param code the status it returned
     * @param name the status's symbolic name when known
     */
    public CudaException(String call, int code, String name) {
        super(call + " failed: " + name + " (" + code + ")");
        this.code = code;
    }

    /**
     * Returns the status code the call returned.
     *
     * @return the error code
     */
    public int code() {
        return code;
    }
}

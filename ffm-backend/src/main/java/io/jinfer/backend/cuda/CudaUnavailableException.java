package io.jinfer.backend.cuda;

import io.jinfer.api.JinferException;

/** Thrown when a CUDA library, device or kernel image that an operation needs is not there. */
public final class CudaUnavailableException extends JinferException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is missing and why
     */
    public CudaUnavailableException(String message) {
        super(message);
    }
}

package io.jinfer.loader.quant;

import io.jinfer.api.JinferException;

/**
 * {@link ModelQuantizer} cannot quantise a model: the input holds weights it cannot read, the output
 * would overwrite the input, or the run was interrupted. No output file is left behind.
 */
public final class ModelQuantizerException extends JinferException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message only.
     *
     * @param message what is wrong, naming the file or tensor
     */
    public ModelQuantizerException(String message) {
        super(message);
    }

    /**
     * Creates an exception that wraps a lower-level failure, such as an I/O error.
     *
     * @param message what is wrong
     * @param cause the underlying failure
     */
    public ModelQuantizerException(String message, Throwable cause) {
        super(message, cause);
    }
}

package io.jinfer.chat;

import io.jinfer.api.JinferException;

/**
 * Thrown when a chat template refuses the messages (its {@code raise_exception}, e.g. roles that do
 * not alternate) or cannot be rendered.
 */
public final class ChatTemplateException extends JinferException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what the template said
     */
    public ChatTemplateException(String message) {
        super(message);
    }
}

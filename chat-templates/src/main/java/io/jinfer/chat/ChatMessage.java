package io.jinfer.chat;

/**
 * One message of a chat, as the chat template sees it.
 *
 * @param role {@code system}, {@code user}, {@code assistant} or {@code tool}
 * @param content the message text (parts of a multi-part message joined)
 */
public record ChatMessage(String role, String content) {
    /** Rejects nulls. */
    public ChatMessage {
        if (role == null || content == null) {
            throw new IllegalArgumentException("role and content must not be null");
        }
    }
}

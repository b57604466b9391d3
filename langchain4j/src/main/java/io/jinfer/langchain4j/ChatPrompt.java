package io.jinfer.langchain4j;

import io.jinfer.api.Model;
import io.jinfer.chat.ChatMessage;
import io.jinfer.chat.ChatTemplate;
import java.util.List;

/**
 * Turns a chat into the prompt text the model was trained on. The model's own chat template is the
 * right choice and the default ({@link #forModel(Model)}: the GGUF {@code tokenizer.chat_template}
 * rendered with Jinja, else a built-in template for the family its special tokens reveal);
 * {@link #plain()} serves models that have none.
 */
@FunctionalInterface
public interface ChatPrompt {

    /**
     * One message of a chat.
     *
     * @param role {@code system}, {@code user}, {@code assistant} or {@code tool}
     * @param content the message text
     */
    record Turn(String role, String content) {
        /** Rejects nulls. */
        public Turn {
            if (role == null || content == null) {
                throw new IllegalArgumentException("role and content must not be null");
            }
        }
    }

    /**
     * Renders a chat, ending with the start of the assistant's next turn.
     *
     * @param turns the chat so far, oldest first
     * @return the prompt text (special tokens such as BOS written as their text are recognised)
     */
    String render(List<Turn> turns);

    /**
     * Renders chats with a chat template.
     *
     * @param template the template, e.g. {@link ChatTemplate#forModel(Model)}
     * @return the prompt format
     */
    static ChatPrompt of(ChatTemplate template) {
        return turns -> template.render(turns.stream().map(t -> new ChatMessage(t.role(), t.content())).toList(), true);
    }

    /**
     * Renders chats the way the model expects: its own template, a built-in one for its family, or
     * the plain format when nothing is known about it.
     *
     * @param model the model
     * @return the prompt format
     */
    static ChatPrompt forModel(Model model) {
        return of(ChatTemplate.forModel(model));
    }

    /**
     * Returns role-prefixed lines ending with {@code Assistant:}, for models without a template.
     *
     * @return the plain format
     */
    static ChatPrompt plain() {
        return turns -> {
            StringBuilder sb = new StringBuilder();
            for (Turn t : turns) {
                switch (t.role()) {
                    case "system" -> sb.append(t.content()).append("\n\n");
                    case "user" -> sb.append("User: ").append(t.content()).append('\n');
                    default -> sb.append("Assistant: ").append(t.content()).append('\n');
                }
            }
            return sb.append("Assistant:").toString();
        };
    }
}

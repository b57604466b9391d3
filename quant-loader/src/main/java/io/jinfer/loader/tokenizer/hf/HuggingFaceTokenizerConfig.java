package io.jinfer.loader.tokenizer.hf;

import java.util.Map;
import java.util.Optional;

/**
 * What {@code tokenizer_config.json} says beyond {@code tokenizer.json}: the special tokens by
 * role, whether BOS/EOS are added, and the chat template(s) a server renders prompts with.
 *
 * @param bosToken the beginning-of-sequence token's text, or null
 * @param eosToken the end-of-sequence token's text, or null
 * @param padToken the padding token's text, or null
 * @param unkToken the unknown token's text, or null
 * @param addBosToken whether BOS is added to encoded text; null when the file does not say
 * @param addEosToken whether EOS is added to encoded text; null when the file does not say
 * @param chatTemplates the chat templates by name ({@value #DEFAULT_TEMPLATE} for the main one); empty
 *     when there are none
 */
public record HuggingFaceTokenizerConfig(String bosToken, String eosToken, String padToken, String unkToken,
        Boolean addBosToken, Boolean addEosToken, Map<String, String> chatTemplates) {
    /** The name of the main chat template (the one a plain string {@code chat_template} gives). */
    public static final String DEFAULT_TEMPLATE = "default";

    /** A configuration that says nothing, for a {@code tokenizer.json} without {@code tokenizer_config.json}. */
    public static final HuggingFaceTokenizerConfig EMPTY =
            new HuggingFaceTokenizerConfig(null, null, null, null, null, null, Map.of());

    /** Copies the template map, so that the record stays immutable. */
    public HuggingFaceTokenizerConfig {
        chatTemplates = Map.copyOf(chatTemplates);
    }

    /**
     * Returns the main chat template (a Jinja template, as the file holds it).
     *
     * @return the template, or empty when the model has none
     */
    public Optional<String> chatTemplate() {
        return chatTemplate(DEFAULT_TEMPLATE);
    }

    /**
     * Returns a named chat template, such as {@code tool_use}.
     *
     * @param name the template's name
     * @return the template, or empty when there is none of that name
     */
    public Optional<String> chatTemplate(String name) {
        return Optional.ofNullable(chatTemplates.get(name));
    }

    /**
     * Returns a copy with the main chat template replaced.
     *
     * @param template the template
     * @return the new configuration
     */
    public HuggingFaceTokenizerConfig withChatTemplate(String template) {
        var m = new java.util.HashMap<>(chatTemplates);
        m.put(DEFAULT_TEMPLATE, template);
        return new HuggingFaceTokenizerConfig(bosToken, eosToken, padToken, unkToken, addBosToken, addEosToken, m);
    }
}

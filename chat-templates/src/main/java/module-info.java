/** Chat templates: a model's own Jinja template (GGUF or tokenizer_config.json) or a built-in one. */
module io.jinfer.chat {
    requires transitive io.jinfer.api;
    requires com.fasterxml.jackson.databind;
    requires jinjava;

    exports io.jinfer.chat;
}

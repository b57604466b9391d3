/**
 * Renders chats into prompts: {@link io.jinfer.chat.ChatTemplate} runs a model's Jinja chat template
 * (from GGUF metadata or a {@code tokenizer_config.json}) with Jinjava, or a built-in template for the
 * common families when the model has none.
 */
package io.jinfer.chat;

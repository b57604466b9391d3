package io.jinfer.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.Model;
import io.jinfer.api.Runtime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Built-in templates render the families' formats; a model's own Jinja template is used as written. */
class ChatTemplateTest {
    private static final List<ChatMessage> CHAT = List.of(new ChatMessage("system", "Be kind."),
            new ChatMessage("user", "Hi"), new ChatMessage("assistant", "Hello!"), new ChatMessage("user", "Bye"));

    private static ChatTemplate builtIn(ChatTemplate.BuiltIn b, String bos, String eos) {
        return ChatTemplate.of(b.id(), b.source(), bos, eos);
    }

    @Test
    void llama3() {
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe kind.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n",
                builtIn(ChatTemplate.BuiltIn.LLAMA3, "<|begin_of_text|>", "<|end_of_text|>").render(CHAT, true));
    }

    @Test
    void chatml() {
        assertEquals("<|im_start|>system\nBe kind.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n",
                builtIn(ChatTemplate.BuiltIn.CHATML, "", "<|im_end|>").render(CHAT, true));
        assertTrue(builtIn(ChatTemplate.BuiltIn.CHATML, "", "").render(CHAT, false).endsWith("Bye<|im_end|>\n"));
    }

    @Test
    void mistral() {
        assertEquals("<s>[INST] Be kind.\n\nHi [/INST]Hello!</s>[INST] Bye [/INST]",
                builtIn(ChatTemplate.BuiltIn.MISTRAL, "<s>", "</s>").render(CHAT, true));
    }

    @Test
    void plain() {
        assertEquals("Be kind.\n\nUser: Hi\nAssistant: Hello!\nUser: Bye\nAssistant:",
                builtIn(ChatTemplate.BuiltIn.PLAIN, "<s>", "</s>").render(CHAT, true));
    }

    @Test
    void aModelsOwnTemplateWithHuggingFaceConventions() {
        // trim_blocks/lstrip_blocks as Hugging Face renders, loop variables, filters and raise_exception
        String source = """
                {% for message in messages %}
                    {% if message['role'] == 'system' and not loop.first %}
                        {{ raise_exception('the system message must come first') }}
                    {% endif %}
                <{{ message['role'] | upper }}>{{ message['content'] | trim }}
                {% endfor %}
                {% if add_generation_prompt %}<ASSISTANT>{% endif %}""";
        ChatTemplate t = ChatTemplate.of("model", source, "<s>", "</s>");
        assertEquals("<SYSTEM>Be kind.\n<USER>Hi\n<ASSISTANT>Hello!\n<USER>Bye\n<ASSISTANT>", t.render(CHAT, true));
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> t.render(List.of(
                new ChatMessage("user", "a"), new ChatMessage("system", "b")), true));
        assertTrue(e.getMessage().contains("the system message must come first"), e.getMessage());
    }

    @Test
    void tokenizerConfigBesideAModelWithoutATemplate(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"bos_token": {"content": "<BOS>"}, "eos_token": "<EOS>",
                 "chat_template": [{"name": "tool_use", "template": "tools"},
                                   {"name": "default", "template": "{{ bos_token }}{% for m in messages %}[{{ m.role }}]{{ m.content }}{{ eos_token }}{% endfor %}"}]}
                """);
        Path file = dir.resolve("tiny.gguf");
        io.jinfer.loader.synth.SyntheticModels.write(io.jinfer.loader.synth.SyntheticModel.tiny(), file);
        try (Runtime runtime = Runtime.builder().threads(1).build();
                Model model = runtime.loadModel(file)) {
            assertEquals("plain", ChatTemplate.forModel(model).name(), "the synthetic model has no template");
            assertEquals("plain", ChatTemplate.forModel(model, null).name());
            ChatTemplate t = ChatTemplate.forModel(model, config);
            assertEquals("tokenizer_config.json", t.name());
            assertEquals("<BOS>[user]Hi<EOS>", t.render(List.of(new ChatMessage("user", "Hi")), true));
        }
    }
}

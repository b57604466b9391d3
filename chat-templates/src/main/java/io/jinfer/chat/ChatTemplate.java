package io.jinfer.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import io.jinfer.api.Model;
import io.jinfer.api.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns chat messages into the prompt text a model was trained on, with a Jinja template rendered by
 * Jinjava: the model's own ({@code tokenizer.chat_template} in GGUF metadata) when it has one, else
 * the one of a {@code tokenizer_config.json} beside it, else a built-in one for its family,
 * recognised by the special tokens of its vocabulary.
 *
 * <p>Hugging Face renders chat templates with {@code trim_blocks} and {@code lstrip_blocks}, and gives
 * them {@code messages}, {@code add_generation_prompt}, {@code bos_token}, {@code eos_token} and the
 * functions {@code raise_exception} and {@code strftime_now}; so does this class.
 */
public final class ChatTemplate {
    /** The GGUF metadata key of a model's own template. */
    public static final String METADATA_KEY = "tokenizer.chat_template";

    /** The message of the last {@code raise_exception} on this thread, while a render runs. */
    private static final ThreadLocal<String> RAISED = new ThreadLocal<>();

    private final String name;
    private final String source;
    private final String bosToken;
    private final String eosToken;
    private final Jinjava jinjava;

    private ChatTemplate(String name, String source, String bosToken, String eosToken) {
        this.name = name;
        this.source = source;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.jinjava = new Jinjava(JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withLocale(Locale.ROOT)
                .build());
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                ChatTemplate.class, "raiseException", String.class));
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "strftime_now",
                ChatTemplate.class, "strftimeNow", String.class));
    }

    /**
     * Picks the template of a model: its own, else a built-in one for the family its vocabulary shows.
     *
     * @param model a loaded model
     * @return the template to render its chats with
     */
    public static ChatTemplate forModel(Model model) {
        return forVocabulary(model.tokenizer(), model.metadata().get(METADATA_KEY));
    }

    /**
     * Picks a template from a vocabulary and the GGUF template value, for files that hold a vocabulary
     * and no weights.
     *
     * @param tok the vocabulary's tokenizer
     * @param own the value of {@value #METADATA_KEY}, or {@code null}
     * @return the template to render its chats with
     */
    public static ChatTemplate forVocabulary(Tokenizer tok, Object own) {
        String bos = tok.bosToken() >= 0 ? tok.tokenText(tok.bosToken()) : "";
        String eos = tok.eosToken() >= 0 ? tok.tokenText(tok.eosToken()) : "";
        if (own instanceof String s && !s.isBlank()) {
            return new ChatTemplate("model", s, bos, eos);
        }
        BuiltIn family = BuiltIn.detect(tok);
        return new ChatTemplate(family.id(), family.source(), bos, eos);
    }

    /**
     * Picks the template of a model as {@link #forModel(Model)} does, but with a Hugging Face
     * {@code tokenizer_config.json} as the second choice, after the GGUF metadata and before the
     * built-in templates: its {@code chat_template} (a string, or a list of named templates of which
     * {@code default} is taken) and its {@code bos_token}/{@code eos_token}.
     *
     * @param model a loaded model
     * @param tokenizerConfig a {@code tokenizer_config.json}, or {@code null}
     * @return the template
     * @throws IllegalArgumentException when the file is not readable JSON or its template is malformed
     */
    public static ChatTemplate forModel(Model model, Path tokenizerConfig) {
        ChatTemplate own = forModel(model);
        if (own.name.equals("model") || tokenizerConfig == null) {
            return own;
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(tokenizerConfig.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + tokenizerConfig + ": " + e.getMessage(), e);
        }
        JsonNode t = root.path("chat_template");
        String source = null;
        if (t.isTextual()) {
            source = t.asText();
        } else if (t.isArray()) {
            for (JsonNode named : t) {
                if (source == null || "default".equals(named.path("name").asText())) {
                    source = named.path("template").asText(null);
                }
            }
        }
        if (source == null || source.isBlank()) {
            return own;
        }
        return new ChatTemplate("tokenizer_config.json", source, tokenText(root.get("bos_token"), own.bosToken),
                tokenText(root.get("eos_token"), own.eosToken));
    }

    /** A special token in tokenizer_config.json: a string, or an object whose content is the text. */
    private static String tokenText(JsonNode node, String fallback) {
        if (node == null || node.isNull()) {
            return fallback;
        }
        return node.isTextual() ? node.asText() : node.path("content").asText(fallback);
    }

    /**
     * Creates a template from Jinja source, for tests and for models whose template lives beside them.
     *
     * @param name what to call it in logs
     * @param source the Jinja source
     * @param bosToken the text of the beginning-of-sequence token
     * @param eosToken the text of the end-of-sequence token
     * @return the template
     */
    public static ChatTemplate of(String name, String source, String bosToken, String eosToken) {
        return new ChatTemplate(name, source, bosToken, eosToken);
    }

    /**
     * Returns where the template came from.
     *
     * @return {@code model} for the model's own template, {@code tokenizer_config.json} for one from
     *     that file, else the built-in family's id
     */
    public String name() {
        return name;
    }

    /**
     * Returns the text the template gives the beginning-of-sequence token, to know whether a rendered
     * prompt already starts with it.
     *
     * @return the BOS token's text, possibly empty
     */
    public String bosToken() {
        return bosToken;
    }

    /**
     * Renders a chat.
     *
     * @param messages the chat so far
     * @param addGenerationPrompt whether to end with the header of the assistant's next turn
     * @return the prompt text
     * @throws ChatTemplateException when the template refuses the chat, e.g. roles that do not alternate
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        List<Map<String, Object>> list = messages.stream().map(m -> {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("role", m.role());
            e.put("content", m.content());
            return e;
        }).toList();
        Map<String, Object> vars = new HashMap<>();
        vars.put("messages", list);
        vars.put("add_generation_prompt", addGenerationPrompt);
        vars.put("bos_token", bosToken);
        vars.put("eos_token", eosToken);
        RAISED.remove();
        try {
            RenderResult r = jinjava.renderForResult(source, vars);
            String raised = RAISED.get();
            for (TemplateError e : r.getErrors()) {
                if (e.getSeverity() == TemplateError.ErrorType.FATAL || raised != null) {
                    throw new ChatTemplateException("the chat template refused the messages: "
                            + (raised != null ? raised : e.getMessage()));
                }
            }
            return r.getOutput();
        } finally {
            RAISED.remove();
        }
    }

    /**
     * The {@code raise_exception} function templates call to refuse a chat.
     *
     * @param message the template's message
     * @return never returns
     */
    public static String raiseException(String message) {
        // Jinjava reports a failed function without its exception's message: keep it for render()
        RAISED.set(message);
        throw new IllegalArgumentException(message);
    }

    /**
     * The {@code strftime_now} function of newer templates (today's date in a strftime format); only
     * the directives those templates use are supported.
     *
     * @param format a strftime format such as {@code %d %b %Y}
     * @return today's date in that format
     */
    public static String strftimeNow(String format) {
        String f = format.replace("%d", "dd").replace("%b", "MMM").replace("%B", "MMMM").replace("%Y", "yyyy")
                .replace("%m", "MM");
        return LocalDate.now().format(DateTimeFormatter.ofPattern(f, Locale.ENGLISH));
    }

    /** Built-in templates, for models whose file carries none. */
    enum BuiltIn {
        /** Llama 3: header tokens around each role, {@code <|eot_id|>} after each turn. */
        LLAMA3("llama3", "<|start_header_id|>", """
                {{ bos_token }}{% for m in messages %}<|start_header_id|>{{ m.role }}<|end_header_id|>

                {{ m.content | trim }}<|eot_id|>{% endfor %}{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>

                {% endif %}"""),
        /** ChatML (Qwen and others): {@code <|im_start|>role ... <|im_end|>}. */
        CHATML("chatml", "<|im_start|>", """
                {% for m in messages %}<|im_start|>{{ m.role }}
                {{ m.content }}<|im_end|>
                {% endfor %}{% if add_generation_prompt %}<|im_start|>assistant
                {% endif %}"""),
        /**
         * Mistral: {@code [INST] ... [/INST]} around user turns; a leading system message joins the first.
         * The space after {@code [INST]} is an expression because Jinjava's lstrip_blocks also strips
         * spaces before a tag that does not start its line.
         */
        MISTRAL("mistral", "[INST]", """
                {{ bos_token }}{% for m in messages %}{% if m.role == 'user' %}{{ '[INST] ' }}{% if loop.index0 == 1 and messages[0].role == 'system' %}{{ messages[0].content }}

                {% endif %}{{ m.content }} [/INST]{% elif m.role == 'assistant' %}{{ m.content }}{{ eos_token }}{% endif %}{% endfor %}"""),
        /** Any other model (e.g. a story model): role-prefixed lines, ending with "Assistant:". */
        PLAIN("plain", null, """
                {% for m in messages %}{% if m.role == 'system' %}{{ m.content }}

                {% elif m.role == 'user' %}User: {{ m.content }}
                {% else %}Assistant: {{ m.content }}
                {% endif %}{% endfor %}{% if add_generation_prompt %}Assistant:{% endif %}""");

        private final String id;
        private final String marker;
        private final String source;

        BuiltIn(String id, String marker, String source) {
            this.id = id;
            this.marker = marker;
            this.source = source;
        }

        String id() {
            return id;
        }

        String source() {
            return source;
        }

        /** The family whose marker is one special token of the vocabulary; {@link #PLAIN} when none is. */
        static BuiltIn detect(Tokenizer tok) {
            for (BuiltIn b : values()) {
                if (b.marker != null) {
                    int[] ids = tok.encode(b.marker, false, true);
                    if (ids.length == 1 && b.marker.equals(tok.tokenText(ids[0]))) {
                        return b;
                    }
                }
            }
            return PLAIN;
        }
    }
}

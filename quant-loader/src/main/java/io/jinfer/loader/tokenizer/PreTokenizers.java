package io.jinfer.loader.tokenizer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The byte-level BPE pre-tokenizers, by their {@code tokenizer.ggml.pre} name, with the stages
 * llama.cpp runs for each and the flags that come with them. Regexes are compiled on first use.
 */
final class PreTokenizers {
    /**
     * @param steps the split stages, applied in order
     * @param ignoreMerges whether a pre-token that is itself in the vocabulary skips the merges
     * @param addBos whether BOS is added by default (the metadata may override it)
     */
    record Spec(List<SplitStep> steps, boolean ignoreMerges, boolean addBos) {}

    private static final String CONTRACTIONS_ANY_CASE = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])";
    private static final String QWEN2 = CONTRACTIONS_ANY_CASE
            + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String QWEN35 = CONTRACTIONS_ANY_CASE
            + "|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+"
            + "|\\s+(?!\\S)|\\s+";
    private static final String SEED_CODER = CONTRACTIONS_ANY_CASE
            + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1}| ?[^\\s\\p{L}\\p{N}\\r\\n]+|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String BAILING = "'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])"
            + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+";
    private static final String UFAKZEKA =
            "[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String MINICPM5 = CONTRACTIONS_ANY_CASE
            + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}+| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String EXAONE_MOE = CONTRACTIONS_ANY_CASE
            + "|[^\\r\\n\\p{L}\\p{N}]?(?:\\p{L}\\p{M}*(?: \\p{L}\\p{M}*)*)+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]?"
            + "|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+";
    /** Upper-then-lower letter runs, as the Tekken and GPT-4o pre-tokenizers split words. */
    private static final String CASED_WORDS_UPPER_FIRST = "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+";
    private static final String CASED_WORDS_UPPER_ONLY = "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*";
    private static final String TEKKEN = CASED_WORDS_UPPER_FIRST + "|" + CASED_WORDS_UPPER_ONLY
            + "|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String GPT4O = CASED_WORDS_UPPER_FIRST + CONTRACTIONS_ANY_CASE + "?|"
            + CASED_WORDS_UPPER_ONLY + CONTRACTIONS_ANY_CASE + "?"
            + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String PUNCT_LETTERS = "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+"
            + "|[^\\r\\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String CJK_KANA = "[\u4E00-\u9FA5\u3040-\u309F\u30A0-\u30FF]+";
    private static final String CJK_HANGUL = "[\u4E00-\u9FA5\u0800-\u4E00\uAC00-\uD7FF]+";

    private static final Map<String, Supplier<Spec>> SPECS = new LinkedHashMap<>();
    private static final Map<String, Spec> BUILT = new java.util.concurrent.ConcurrentHashMap<>();

    static {
        Supplier<Spec> llama3 = () -> new Spec(List.of(Llama3Splitter.INSTANCE), true, true);
        for (String n : List.of("llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0",
                "lfm2", "jina-v5-nano")) {
            SPECS.put(n, llama3);
        }
        Supplier<Spec> llama3Regex = () -> new Spec(List.of(Llama3Splitter.INSTANCE), false, false);
        for (String n : List.of("dbrx", "smaug-bpe", "glm4", "chatglm-bpe")) {
            SPECS.put(n, llama3Regex);
        }
        Supplier<Spec> gpt2 = () -> new Spec(List.of(Gpt2Splitter.INSTANCE), false, false);
        for (String n : List.of("gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de",
                "a.x-4.0", "mellum", "modern-bert", "jina-v1-en", "jina-v2-code", "roberta-bpe", "exaone4", "mpt",
                "olmo", "jais", "trillion", "granite-docling")) {
            SPECS.put(n, gpt2);
        }
        SPECS.put("default", () -> new Spec(List.of(new RegexSplitter("[\\p{P}\\$\\+<=>\\^~\\|]+"),
                Gpt2Splitter.INSTANCE, new RegexSplitter("\\p{N}+"), new RegexSplitter("[0-9][0-9][0-9]")),
                false, false));
        SPECS.put("falcon", () -> new Spec(List.of(new RegexSplitter("[\\p{P}\\$\\+<=>\\^~\\|`]+"),
                Gpt2Splitter.INSTANCE, new RegexSplitter("[0-9][0-9][0-9]")), false, false));
        Supplier<Spec> digitsThenGpt2 = () -> new Spec(List.of(new RegexSplitter("\\p{N}"), Gpt2Splitter.INSTANCE),
                false, false);
        for (String n : List.of("starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b",
                "mellum2")) {
            SPECS.put(n, digitsThenGpt2);
        }
        Supplier<Spec> qwen2 = () -> new Spec(List.of(new RegexSplitter(QWEN2)), false, false);
        for (String n : List.of("qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "stablelm2", "hunyuan",
                "solar-open", "megrez", "grok-2")) {
            SPECS.put(n, qwen2);
        }
        SPECS.put("qwen35", () -> new Spec(List.of(new RegexSplitter(QWEN35)), false, false));
        SPECS.put("seed-coder", () -> new Spec(List.of(new RegexSplitter(SEED_CODER)), false, false));
        Supplier<Spec> bailing = () -> new Spec(List.of(new RegexSplitter(BAILING)), false, false);
        for (String n : List.of("bailingmoe", "bailingmoe2", "llada-moe")) {
            SPECS.put(n, bailing);
        }
        SPECS.put("ufakzeka", () -> new Spec(List.of(new RegexSplitter(UFAKZEKA)), false, false));
        SPECS.put("minicpm5", () -> new Spec(List.of(new RegexSplitter("\\p{N}{1,3}"), new RegexSplitter(MINICPM5)),
                true, false));
        SPECS.put("exaone-moe", () -> new Spec(List.of(new RegexSplitter(EXAONE_MOE)), false, false));
        SPECS.put("laguna", () -> new Spec(List.of(new RegexSplitter("[^\\n]+|[\\n]+"), new RegexSplitter(QWEN2)),
                false, false));
        SPECS.put("tekken", () -> new Spec(List.of(new RegexSplitter(TEKKEN)), true, true));
        Supplier<Spec> gpt4o = () -> new Spec(List.of(new RegexSplitter(GPT4O)), false, false);
        for (String n : List.of("gpt-4o", "llama4", "kanana2", "talkie", "minimax-m2")) {
            SPECS.put(n, gpt4o);
        }
        Supplier<Spec> deepseekV3 = () -> new Spec(List.of(new RegexSplitter("\\p{N}{1,3}"),
                new RegexSplitter(CJK_KANA), new RegexSplitter(PUNCT_LETTERS)), false, false);
        for (String n : List.of("deepseek-v3", "hunyuan-dense", "joyai-llm", "hy_v4")) {
            SPECS.put(n, deepseekV3);
        }
        SPECS.put("deepseek-coder", () -> new Spec(List.of(new RegexSplitter("[\r\n]"),
                new RegexSplitter("\\s?\\p{L}+"), new RegexSplitter("\\s?\\p{P}+"), new RegexSplitter(CJK_HANGUL),
                new RegexSplitter("\\p{N}")), false, false));
        Supplier<Spec> poro = () -> new Spec(List.of(
                new RegexSplitter(" ?[^(\\s|.,!?\u2026\u3002\uFF0C\u3001\u0964\u06D4\u060C)]+")), false, false);
        for (String n : List.of("poro-chat", "bloom", "gpt3-finnish")) {
            SPECS.put(n, poro);
        }
        SPECS.put("chameleon", () -> new Spec(List.of(new RegexSplitter("<sentinel:[0-9]+>"),
                new RegexSplitter("(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z"), new RegexSplitter("([\\t\\n]|    |  )"),
                new RegexSplitter("\\p{N}"), new RegexSplitter("[\\p{P}!-/:-@\\[-`{-~]"), Gpt2Splitter.INSTANCE),
                false, true));
    }

    private PreTokenizers() {}

    /**
     * @param name a {@code tokenizer.ggml.pre} value
     * @return its spec, or {@code null} when jinfer does not know it
     */
    static Spec forName(String name) {
        Supplier<Spec> s = SPECS.get(name);
        return s == null ? null : BUILT.computeIfAbsent(name, k -> s.get());
    }

    /** @return every supported name */
    static Set<String> names() {
        return SPECS.keySet();
    }
}

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
     * @param byteEncode whether pre-tokens are spelled with GPT-2's byte characters before merging
     *     (false: SentencePiece-style BPE over the raw text, with {@code <0xXX>} byte fallback)
     * @param escapeWhitespace whether spaces become U+2581 before splitting (and back when decoding)
     * @param dropWhitespace whether whitespace is removed, each run ending a word
     * @param newlineRunsWhole whether a pre-token of newlines only is taken whole when the vocabulary has it
     */
    record Spec(List<SplitStep> steps, boolean ignoreMerges, boolean addBos, boolean byteEncode,
            boolean escapeWhitespace, boolean dropWhitespace, boolean newlineRunsWhole) {
        /** A byte-level spec. */
        Spec(List<SplitStep> steps, boolean ignoreMerges, boolean addBos) {
            this(steps, ignoreMerges, addBos, true, false, false, false);
        }
    }

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

    /** Letters that have case (Latin, Greek, Cyrillic, Armenian, ...), as DeepSeek's LLM tokenizer lists them. */
    private static final String DEEPSEEK_CASED_LETTERS = "[A-Za-z\\u00B5\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u01BA\\u01BC-\\u01BF\\u01C4-\\u0293\\u0295-\\u02AF\\u0370-\\u0373\\u0376\\u0377\\u037B-\\u037D\\u037F\\u0386\\u0388-\\u038A\\u038C\\u038E-\\u03A1\\u03A3-\\u03F5\\u03F7-\\u0481\\u048A-\\u052F\\u0531-\\u0556\\u10A0-\\u10C5\\u13A0-\\u13F5\\u13F8-\\u13FD\\u1C90-\\u1CBA\\u1CBD-\\u1CBF\\u1D00-\\u1D2B\\u1D6B-\\u1D77\\u1D79-\\u1D9A\\u1E00-\\u1F15\\u1F18-\\u1F1D\\u1F20-\\u1F45\\u1F48-\\u1F4D\\u1F50-\\u1F57\\u1F59\\u1F5B\\u1F5D\\u1F5F-\\u1F7D\\u1F80-\\u1FB4\\u1FB6-\\u1FBC\\u1FBE\\u1FC2-\\u1FC4\\u1FC6-\\u1FCC\\u1FD0-\\u1FD3\\u1FD6-\\u1FDB\\u1FE0-\\u1FEC\\u1FF2-\\u1FF4\\u1FF6-\\u1FFC\\u2102\\u2107\\u210A-\\u2113\\u2115\\u2119-\\u211D\\u2124\\u2126\\u2128\\u212A-\\u212D\\u212F-\\u2134\\u2139\\u213C-\\u213F\\u2145-\\u2149\\u214E\\u2183\\u2184\\u2C00-\\u2C7B\\u2C7E-\\u2CE4\\u2CEB-\\u2CEE\\u2CF2\\u2CF3\\uA640-\\uA66D\\uA680-\\uA69B\\uA722-\\uA76F\\uA771-\\uA787\\uA78B-\\uA78E\\uAB70-\\uABBF\\uFB00-\\uFB06\\uFB13-\\uFB17\\uFF21-\\uFF3A\\uFF41-\\uFF5A\\x{10400}-\\x{1044F}\\x{104B0}-\\x{104D3}\\x{104D8}-\\x{104FB}\\x{10C80}-\\x{10CB2}\\x{10CC0}-\\x{10CF2}\\x{118A0}-\\x{118DF}\\x{1E900}-\\x{1E943}]";
    private static final String CASED_OR_MODIFIER = "[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]";
    private static final String LOWER_OR_MODIFIER = "[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]";
    private static final String CASED_WORDS = "[^\\r\\n\\p{L}\\p{N}]?" + CASED_OR_MODIFIER + "*" + LOWER_OR_MODIFIER + "+"
            + CONTRACTIONS_ANY_CASE + "?|[^\\r\\n\\p{L}\\p{N}]?" + CASED_OR_MODIFIER + "+" + LOWER_OR_MODIFIER + "*"
            + CONTRACTIONS_ANY_CASE + "?";
    private static final String PORO = " ?[^(\\s|.,!?\u2026\u3002\uFF0C\u3001\u0964\u06D4\u060C)]+";

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
        Supplier<Spec> poro = () -> new Spec(List.of(new RegexSplitter(PORO)), false, false);
        for (String n : List.of("poro-chat", "bloom", "gpt3-finnish")) {
            SPECS.put(n, poro);
        }
        SPECS.put("viking", () -> new Spec(List.of(new RegexSplitter(PORO), new RegexSplitter("\\p{N}")), false,
                false));
        SPECS.put("deepseek-llm", () -> new Spec(List.of(new RegexSplitter("[\r\n]"),
                new RegexSplitter("\\s?" + DEEPSEEK_CASED_LETTERS + "+"),
                new RegexSplitter("\\s?[!-/:-~\uFF01-\uFF0F\uFF1A-\uFF5E\u2018-\u201F\u3000-\u3002]+"),
                new RegexSplitter("\\s+\\z"), new RegexSplitter(CJK_HANGUL), new RegexSplitter("\\p{N}+")),
                false, false));
        SPECS.put("jais-2", () -> new Spec(List.of(new RegexSplitter(CONTRACTIONS_ANY_CASE
                + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+"
                + "|\\s{512}(?!\\S)|\\s{256}(?!\\S)|\\s{128}(?!\\S)|\\s{64}(?!\\S)|\\s{32}(?!\\S)"
                + "|\\s{16}(?!\\S)|\\s{8}(?!\\S)|\\s{4}(?!\\S)|\\s{1,2}(?!\\S)|\\s{1}")), false, false));
        SPECS.put("youtu", () -> new Spec(List.of(
                new RegexSplitter("[\uAC00-\uD7A3\u3131-\u318E]+|[\uFF01\u2026\u201C\u201D\u2018\u2019\u2014"
                        + "\uFF1A\uFF1B\uFF0C\u3001-\u303F\uFE30-\uFE4F]+|[\u3105-\u312F]+|" + CJK_KANA),
                new RegexSplitter(CASED_WORDS + "|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")),
                true, false));
        Supplier<Spec> tinyAya = () -> new Spec(List.of(new RegexSplitter("\\d{1,3}(?=(?:\\d{3})*\\b)"),
                new RegexSplitter(CASED_WORDS + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+"
                        + "|\\s+(?!\\S)|\\s+")), false, false);
        SPECS.put("tiny_aya", tinyAya);
        SPECS.put("cohere2moe", tinyAya);
        SPECS.put("superbpe", () -> new Spec(List.of(new RegexSplitter("\\p{N}+"),
                new RegexSplitter("(?=(\\d{3})+(?!\\d))")), false, false));
        SPECS.put("spark2_5", () -> new Spec(List.of(new RegexSplitter("\\p{N}{1,3}"), new RegexSplitter(CJK_KANA),
                new RegexSplitter("[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+"
                        + "|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+|[\r\n]|\\s+(?!\\S)|\\s+"),
                new RegexSplitter("\\p{N}")), false, false));
        SPECS.put("granite-embed-multi-97m", () -> new Spec(List.of(new RegexSplitter(
                "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}\\p{M}])([^a-z]))*((?=[\\p{L}\\p{M}])([^A-Z]))+"
                + CONTRACTIONS_ANY_CASE + "?|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}\\p{M}])([^a-z]))+"
                + "((?=[\\p{L}\\p{M}])([^A-Z]))*" + CONTRACTIONS_ANY_CASE + "?"
                + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")), true, false));
        // SentencePiece-style BPE over raw UTF-8: spaces are U+2581, only newline runs are cut out
        Supplier<Spec> spmStyle = () -> new Spec(List.of(new RegexSplitter("[^\\n]+|[\\n]+")), false, true, false,
                true, false, true);
        for (String n : List.of("gemma4", "granite-embed-multi-311m")) {
            SPECS.put(n, spmStyle);
        }
        SPECS.put("sarvam-moe", () -> new Spec(List.of(new RegexSplitter("[^\\n]+|[\\n]+")), false, false, false,
                true, false, false));
        SPECS.put("whitespace", () -> new Spec(List.of(new RegexSplitter("\\S+")), false, false, false, false, true,
                false));
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

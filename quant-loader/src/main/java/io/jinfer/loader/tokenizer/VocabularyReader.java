package io.jinfer.loader.tokenizer;

import io.jinfer.api.ModelFormatException;
import io.jinfer.loader.gguf.GgufMetadata;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads and validates the {@code tokenizer.ggml.*} metadata into a {@link Vocabulary}, with
 * llama.cpp's defaults for whatever the file leaves out.
 */
final class VocabularyReader {
    static final String MODEL = "tokenizer.ggml.model";
    static final String PRE = "tokenizer.ggml.pre";
    static final String TOKENS = "tokenizer.ggml.tokens";
    static final String SCORES = "tokenizer.ggml.scores";
    static final String TOKEN_TYPE = "tokenizer.ggml.token_type";
    static final String MERGES = "tokenizer.ggml.merges";
    static final String BOS = "tokenizer.ggml.bos_token_id";
    static final String EOS = "tokenizer.ggml.eos_token_id";
    static final String EOT = "tokenizer.ggml.eot_token_id";
    static final String EOM = "tokenizer.ggml.eom_token_id";
    static final String UNK = "tokenizer.ggml.unknown_token_id";
    static final String PAD = "tokenizer.ggml.padding_token_id";
    static final String ADD_BOS = "tokenizer.ggml.add_bos_token";
    static final String ADD_EOS = "tokenizer.ggml.add_eos_token";
    static final String ADD_SPACE_PREFIX = "tokenizer.ggml.add_space_prefix";
    static final String SEP = "tokenizer.ggml.seperator_token_id";
    static final String ADD_SEP = "tokenizer.ggml.add_sep_token";
    static final String REMOVE_EXTRA_WS = "tokenizer.ggml.remove_extra_whitespaces";
    static final String CHARSMAP = "tokenizer.ggml.precompiled_charsmap";
    /** Pre-tokenizers llama.cpp implements with special code rather than regexes. */
    private static final Set<String> CUSTOM_PRE = Set.of("kimi-k2", "afmoe");
    /** Tokenizer models llama.cpp knows that jinfer does not implement, with what they are. */
    private static final Map<String, String> UNSUPPORTED_MODELS = Map.of(
            "rwkv", "RWKV's trie tokenizer",
            "plamo2", "PLaMo-2's tokenizer",
            "plamo3", "PLaMo-3's tokenizer",
            "hybriddna", "the hybrid DNA k-mer tokenizer",
            "no_vocab", "no vocabulary",
            "none", "no vocabulary");

    /** Texts that mark an end-of-turn token when the file names none (as llama.cpp guesses). */
    private static final List<String> EOT_TEXTS = List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
            "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>", "<｜end▁of▁sentence｜>", "<end_of_utterance>");
    /** Further texts that end generation whatever the metadata says. */
    private static final Set<String> EOG_TEXTS = Set.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
            "<|endoftext|>", "<|eom_id|>", "<EOT>", "_<EOT>", "<|end_of_text|>", "<end_of_utterance>");
    /** A u32 id of all ones is how converters write "no such token". */
    private static final long NO_TOKEN_U32 = 0xFFFFFFFFL;

    private VocabularyReader() {}

    static Vocabulary read(GgufMetadata md) {
        String modelName = md.getString(MODEL);
        Vocabulary.Model model = switch (modelName) {
            case "llama" -> Vocabulary.Model.SPM;
            case "gpt2", "gemma4", "whitespace" -> Vocabulary.Model.BPE;
            case "bert" -> Vocabulary.Model.WPM;
            case "t5" -> Vocabulary.Model.UGM;
            default -> throw error(MODEL, "unsupported tokenizer model '" + modelName + "'"
                    + (UNSUPPORTED_MODELS.containsKey(modelName) ? " (" + UNSUPPORTED_MODELS.get(modelName) + ")" : "")
                    + "; supported: 'llama' (SentencePiece), 'gpt2' (byte-level BPE), 'gemma4' and 'whitespace'"
                    + " (BPE over raw text), 'bert' (WordPiece), 't5' (unigram)");
        };

        List<String> tokenList = md.getStringArray(TOKENS);
        int n = tokenList.size();
        if (n == 0) {
            throw error(TOKENS, "the vocabulary is empty");
        }
        String[] texts = new String[n];
        Map<String, Integer> idByText = new HashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
            String t = tokenList.get(i);
            if (t.isEmpty()) {
                // llama.cpp keeps empty entries addressable under a unique placeholder text
                t = "[EMPTY_" + i + "]";
            }
            Integer previous = idByText.putIfAbsent(t, i);
            if (previous != null) {
                throw error(TOKENS, "duplicate token text '" + t + "' at ids " + previous + " and " + i);
            }
            texts[i] = t;
        }

        float[] scores = readScores(md, model, n);
        TokenType[] types = readTypes(md, n);

        String pre = "default";
        PreTokenizers.Spec preSpec = null;
        List<String> merges = List.of();
        if (model == Vocabulary.Model.BPE) {
            // these models name their pre-tokenizer by the model itself, whatever the metadata says
            pre = switch (modelName) {
                case "gemma4" -> "gemma4";
                case "whitespace" -> md.findString(PRE).orElse("whitespace");
                default -> md.findString(PRE).orElse("default");
            };
            preSpec = PreTokenizers.forName(pre);
            if (preSpec == null) {
                throw error(PRE, "unsupported pre-tokenizer '" + pre + "'"
                        + (CUSTOM_PRE.contains(pre) ? " (llama.cpp runs it with hand-written code jinfer does not have)" : "")
                        + " (supported: "
                        + String.join(", ", PreTokenizers.names()) + ")");
            }
            merges = md.getStringArray(MERGES);
        }

        boolean spm = model == Vocabulary.Model.SPM;
        // llama.cpp's defaults per model: SPM <s>=1 </s>=2 <unk>=0; BPE 11; BERT [CLS]=101 [UNK]=100
        // [SEP]=102 [PAD]=0; T5 </s>=1 <unk>=2 <pad>=0 and no BOS
        int bos = specialId(md, BOS, switch (model) { case SPM -> 1; case BPE -> 11; case WPM -> 101; case UGM -> -1; }, n);
        int eos = specialId(md, EOS, switch (model) { case SPM -> 2; case BPE -> 11; case WPM -> -1; case UGM -> 1; }, n);
        int unk = specialId(md, UNK, switch (model) { case SPM -> 0; case BPE -> -1; case WPM -> 100; case UGM -> 2; }, n);
        int pad = specialId(md, PAD, model == Vocabulary.Model.WPM || model == Vocabulary.Model.UGM ? 0 : -1, n);
        int eot = specialId(md, EOT, -1, n);
        int eom = specialId(md, EOM, -1, n);
        int sep = specialId(md, SEP, model == Vocabulary.Model.WPM ? 102 : -1, n);

        boolean addBos = md.getBoolean(ADD_BOS, switch (model) {
            case SPM, WPM -> true;
            case BPE -> preSpec.addBos();
            case UGM -> false;
        });
        if (pre.equals("gemma4") || pre.equals("granite-embed-multi-311m")) {
            addBos = true; // as llama.cpp, which overrides the metadata for Gemma 4
        }
        boolean addEos = md.getBoolean(ADD_EOS, model == Vocabulary.Model.UGM);
        boolean addSep = md.getBoolean(ADD_SEP, model == Vocabulary.Model.WPM);
        boolean addSpacePrefix = md.getBoolean(ADD_SPACE_PREFIX, spm);
        if (addSep && sep < 0) {
            throw error(ADD_SEP, "is true, but " + SEP + " names no token");
        }
        if (model == Vocabulary.Model.UGM && unk < 0) {
            throw error(UNK, "the unigram tokenizer needs an unknown token");
        }
        Vocabulary.Extras extras = new Vocabulary.Extras(sep, addSep, md.getBoolean(REMOVE_EXTRA_WS, false),
                model == Vocabulary.Model.UGM ? charsmap(md) : null);
        if (addBos && bos < 0) {
            throw error(ADD_BOS, "is true, but " + BOS + " names no token");
        }
        if (addEos && eos < 0) {
            throw error(ADD_EOS, "is true, but " + EOS + " names no token");
        }

        if (eot < 0) {
            eot = firstWithText(idByText, EOT_TEXTS);
        }
        if (eom < 0) {
            eom = firstWithText(idByText, List.of("<|eom_id|>"));
        }
        boolean[] eog = new boolean[n];
        for (String t : EOG_TEXTS) {
            Integer id = idByText.get(t);
            if (id != null) {
                eog[id] = true;
            }
        }
        for (int id : new int[] {eos, eot, eom}) {
            if (id >= 0) {
                eog[id] = true;
            }
        }
        // A token that ends generation is a control token even when the converter forgot to say so.
        for (int i = 0; i < n; i++) {
            if (eog[i] && types[i] != TokenType.CONTROL) {
                types[i] = TokenType.CONTROL;
            }
        }

        boolean[] lstrip = new boolean[n];
        boolean[] rstrip = new boolean[n];
        applyModelSpecificStrips(md, texts, types, idByText, rstrip);

        return new Vocabulary(model, pre, texts, scores, types, idByText, merges, bos, eos, eot, eom, unk, pad,
                addBos, addEos, addSpacePrefix, lstrip, rstrip, eog, extras);
    }

    private static float[] readScores(GgufMetadata md, Vocabulary.Model model, int n) {
        if (!md.has(SCORES)) {
            if (model == Vocabulary.Model.SPM || model == Vocabulary.Model.UGM) {
                throw error(SCORES, "required by the SentencePiece tokenizers but missing");
            }
            return new float[n];
        }
        Object raw = md.get(SCORES).orElseThrow();
        float[] scores;
        if (raw instanceof float[] f) {
            scores = f.clone();
        } else if (raw instanceof long[] l) {
            scores = new float[l.length];
            for (int i = 0; i < l.length; i++) {
                scores[i] = l[i];
            }
        } else {
            throw error(SCORES, "expected an array of float32 or int32, found " + raw.getClass().getSimpleName());
        }
        if (scores.length != n) {
            throw error(SCORES, "has " + scores.length + " entries but " + TOKENS + " has " + n);
        }
        return scores;
    }

    /** The unigram model's normalization map, stored as an array of bytes; null when absent. */
    private static byte[] charsmap(GgufMetadata md) {
        if (!md.has(CHARSMAP)) {
            return null;
        }
        Object raw = md.get(CHARSMAP).orElseThrow();
        if (!(raw instanceof long[] values)) {
            throw error(CHARSMAP, "expected an array of int8/uint8, found " + raw.getClass().getSimpleName());
        }
        byte[] blob = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            blob[i] = (byte) values[i];
        }
        try {
            new io.jinfer.loader.tokenizer.text.PrecompiledCharsMap(blob);
        } catch (IllegalArgumentException e) {
            throw error(CHARSMAP, e.getMessage());
        }
        return blob;
    }

    private static TokenType[] readTypes(GgufMetadata md, int n) {
        TokenType[] types = new TokenType[n];
        if (!md.has(TOKEN_TYPE)) {
            java.util.Arrays.fill(types, TokenType.NORMAL);
            return types;
        }
        long[] codes = md.getLongArray(TOKEN_TYPE);
        if (codes.length != n) {
            throw error(TOKEN_TYPE, "has " + codes.length + " entries but " + TOKENS + " has " + n);
        }
        for (int i = 0; i < n; i++) {
            TokenType t = TokenType.fromCode(codes[i]);
            if (t == null) {
                throw error(TOKEN_TYPE, "token " + i + " has type " + codes[i] + ", expected 0..6");
            }
            types[i] = t;
        }
        return types;
    }

    private static int specialId(GgufMetadata md, String key, int fallback, int n) {
        if (!md.has(key)) {
            return fallback < n ? fallback : -1;
        }
        long v = md.getLong(key);
        if (v == NO_TOKEN_U32 || v == -1) {
            return -1;
        }
        if (v < 0 || v >= n) {
            throw error(key, "token id " + v + " is out of range [0, " + n + ")");
        }
        return (int) v;
    }

    private static int firstWithText(Map<String, Integer> idByText, List<String> candidates) {
        int best = -1;
        for (String t : candidates) {
            Integer id = idByText.get(t);
            if (id != null && (best < 0 || id < best)) {
                best = id;
            }
        }
        return best;
    }

    /**
     * llama.cpp strips whitespace after the special tokens of Phi-3 models (recognised by name), except
     * after {@code <unk>}, {@code <s>} and {@code <|endoftext|>}.
     */
    private static void applyModelSpecificStrips(GgufMetadata md, String[] texts, TokenType[] types,
            Map<String, Integer> idByText, boolean[] rstrip) {
        String name = md.get("general.name").map(Object::toString).orElse("").toLowerCase(Locale.ROOT);
        if (!name.contains("phi-3") && !name.contains("phi3")) {
            return;
        }
        for (int i = 0; i < texts.length; i++) {
            if (SpecialTokenSplitter.isSpecialCandidate(types[i])) {
                rstrip[i] = true;
            }
        }
        setIfPresent(idByText, rstrip, "</s>", true);
        for (String t : List.of("<unk>", "<s>", "<|endoftext|>")) {
            setIfPresent(idByText, rstrip, t, false);
        }
    }

    private static void setIfPresent(Map<String, Integer> idByText, boolean[] flags, String text, boolean value) {
        Integer id = idByText.get(text);
        if (id != null) {
            flags[id] = value;
        }
    }

    static ModelFormatException error(String key, String problem) {
        return new ModelFormatException(null, -1, key, problem);
    }
}

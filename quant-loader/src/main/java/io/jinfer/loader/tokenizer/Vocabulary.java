package io.jinfer.loader.tokenizer;

import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Everything a tokenizer needs from the GGUF metadata, validated and resolved: token texts, scores
 * and types, the special ids, the BOS/EOS/space-prefix rules and the end-of-generation set.
 * Immutable after construction (the arrays are never handed out).
 */
final class Vocabulary {
    /** The tokenizer families jinfer implements. */
    enum Model {
        /** SentencePiece-style, {@code tokenizer.ggml.model = llama}. */
        SPM,
        /** Byte-level BPE, {@code tokenizer.ggml.model = gpt2}. */
        BPE,
        /** BERT's WordPiece, {@code tokenizer.ggml.model = bert}. */
        WPM,
        /** SentencePiece's unigram model (T5), {@code tokenizer.ggml.model = t5}. */
        UGM
    }

    /**
     * What only some models use: BERT's separator, and the unigram model's whitespace rules and
     * normalization map.
     *
     * @param sep the separator token (BERT's {@code [SEP]}), or -1
     * @param addSep whether the separator ends every encoded sequence
     * @param removeExtraWhitespaces whether runs of spaces collapse to one, and leading and
     *     trailing spaces go (UGM)
     * @param precompiledCharsmap SentencePiece's normalization map (UGM), or null
     */
    record Extras(int sep, boolean addSep, boolean removeExtraWhitespaces, byte[] precompiledCharsmap) {
        static final Extras NONE = new Extras(-1, false, false, null);
    }

    final Model model;
    /** The pre-tokenizer name (BPE only; "default" when absent). */
    final String pre;
    final String[] texts;
    final float[] scores;
    final TokenType[] types;
    final Map<String, Integer> idByText;
    /** BPE merges in rank order (empty for SPM). */
    final List<String> merges;
    final int bos;
    final int eos;
    final int eot;
    final int eom;
    final int unk;
    final int pad;
    final boolean addBos;
    final boolean addEos;
    final boolean addSpacePrefix;
    /** Per token: strip whitespace to the left of a matched special token (llama.cpp's LSTRIP). */
    final boolean[] lstrip;
    /** Per token: strip whitespace to the right of a matched special token (llama.cpp's RSTRIP). */
    final boolean[] rstrip;
    final boolean[] endOfGeneration;
    final Extras extras;

    Vocabulary(Model model, String pre, String[] texts, float[] scores, TokenType[] types,
            Map<String, Integer> idByText, List<String> merges, int bos, int eos, int eot, int eom, int unk,
            int pad, boolean addBos, boolean addEos, boolean addSpacePrefix, boolean[] lstrip, boolean[] rstrip,
            boolean[] endOfGeneration, Extras extras) {
        this.model = model;
        this.pre = pre;
        this.texts = texts;
        this.scores = scores;
        this.types = types;
        this.idByText = Collections.unmodifiableMap(idByText);
        this.merges = merges;
        this.bos = bos;
        this.eos = eos;
        this.eot = eot;
        this.eom = eom;
        this.unk = unk;
        this.pad = pad;
        this.addBos = addBos;
        this.addEos = addEos;
        this.addSpacePrefix = addSpacePrefix;
        this.lstrip = lstrip;
        this.rstrip = rstrip;
        this.endOfGeneration = endOfGeneration;
        this.extras = extras;
    }

    int size() {
        return texts.length;
    }

    /** @return the id of a token with exactly this text, or -1 */
    int id(String text) {
        Integer id = idByText.get(text);
        return id == null ? -1 : id;
    }
}

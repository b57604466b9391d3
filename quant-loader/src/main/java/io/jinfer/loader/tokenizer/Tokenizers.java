package io.jinfer.loader.tokenizer;

import io.jinfer.api.ModelFormatException;
import io.jinfer.api.Tokenizer;
import io.jinfer.loader.gguf.GgufMetadata;

/** Builds tokenizers from GGUF metadata. */
public final class Tokenizers {
    private Tokenizers() {}

    /**
     * Builds the tokenizer that a GGUF file's {@code tokenizer.ggml.*} metadata describes:
     * SentencePiece-style for {@code tokenizer.ggml.model = llama}, byte-level BPE for {@code gpt2}
     * (with the pre-tokenizer {@code tokenizer.ggml.pre} names), WordPiece for {@code bert} and the
     * unigram model for {@code t5}. Tokenization follows llama.cpp's.
     *
     * @param md the metadata
     * @return an immutable, thread-safe tokenizer
     * @throws ModelFormatException naming the key when the metadata is missing something the
     *     tokenizer needs, is inconsistent, or names a tokenizer model or pre-tokenizer that jinfer
     *     does not support
     */
    public static Tokenizer fromGguf(GgufMetadata md) {
        Vocabulary vocab;
        try {
            vocab = VocabularyReader.read(md);
        } catch (io.jinfer.api.ModelFormatException e) {
            if (e.file() != null || md.file() == null) {
                throw e;
            }
            // the reader works on metadata alone; name the file the metadata came from
            throw new io.jinfer.api.ModelFormatException(md.file(), e.offset(), e.field(), e.problem());
        }
        return switch (vocab.model) {
            case SPM -> new SpmTokenizer(vocab);
            case BPE -> new BpeTokenizer(vocab);
            case WPM -> new WpmTokenizer(vocab);
            case UGM -> new UgmTokenizer(vocab);
        };
    }
}

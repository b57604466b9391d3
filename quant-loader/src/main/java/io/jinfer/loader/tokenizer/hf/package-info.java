/**
 * Tokenizers from Hugging Face {@code tokenizer.json} files (with {@code tokenizer_config.json}),
 * as the {@code tokenizers} library runs them: added tokens, normalizer, pre-tokenizer, model (BPE,
 * Unigram, WordPiece), post-processor and decoder. Entry point: {@link
 * io.jinfer.loader.tokenizer.hf.HuggingFaceTokenizers}.
 */
package io.jinfer.loader.tokenizer.hf;

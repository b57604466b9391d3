/**
 * Tokenizers built from GGUF metadata: SentencePiece-style ({@code llama}) and byte-level BPE
 * ({@code gpt2}) vocabularies, reproducing llama.cpp's tokenization exactly. Entry point:
 * {@link io.jinfer.loader.tokenizer.Tokenizers#fromGguf}.
 */
package io.jinfer.loader.tokenizer;

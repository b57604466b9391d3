/**
 * Text helpers shared by the GGUF and Hugging Face tokenizers (GPT-2's byte mapping, streaming UTF-8
 * assembly, SentencePiece's precompiled normalization map). Internal: not exported from the module.
 */
package io.jinfer.loader.tokenizer.text;

/**
 * Synthetic models: seeded random-weight GGUF files of the llama, qwen2 and qwen3 architectures,
 * with llama.cpp's tensor names and metadata and a SentencePiece-style vocabulary, written by
 * streaming so that even a billion-parameter model never sits on the heap.
 */
package io.jinfer.loader.synth;

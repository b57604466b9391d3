/**
 * Reading and writing {@code .safetensors} files: a validating, memory-mapped reader with zero-copy
 * tensor views, sharded checkpoints through {@code model.safetensors.index.json}, and a small writer.
 */
package io.jinfer.loader.safetensors;

/** The GGUF file format (versions 2 and 3): a validating zero-copy reader and a writer. */
package io.jinfer.loader.gguf;

/**
 * Hugging Face model directories: {@code config.json}, the tensor names of the llama family, and the
 * quantised checkpoint formats (NVIDIA ModelOpt, compressed-tensors, FP8 block scales, MXFP4) turned
 * into zero-copy tensor views with their scale grids.
 */
package io.jinfer.loader.hf;

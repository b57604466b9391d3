/**
 * Tokenizers from Hugging Face {@code tokenizer.json} files (with {@code tokenizer_config.json}),
 * run as the {@code tokenizers} library runs them. Entry point:
 * {@link io.jinfer.loader.tokenizer.hf.HuggingFaceTokenizers}.
 *
 * <p>Supported components:
 * <ul>
 *   <li>models: BPE (merges as "a b" strings or [a, b] pairs, byte_fallback, ignore_merges, unk_token,
 *       fuse_unk, continuing_subword_prefix, end_of_word_suffix), Unigram (Viterbi over scores,
 *       byte_fallback, unk_id), WordPiece, WordLevel;</li>
 *   <li>normalizers: NFC, NFD, NFKC, NFKD, Lowercase, Prepend, Replace (string or regex), Strip,
 *       StripAccents, BertNormalizer, Precompiled (SentencePiece charsmap), Nmt, ByteLevel, Sequence;</li>
 *   <li>pre-tokenizers: ByteLevel (add_prefix_space, use_regex), Split (string or regex; Removed,
 *       Isolated, MergedWithPrevious, MergedWithNext, Contiguous; invert), Metaspace (replacement,
 *       prepend_scheme, split), Whitespace, WhitespaceSplit, CharDelimiterSplit, Digits, Punctuation,
 *       BertPreTokenizer, Sequence;</li>
 *   <li>decoders: ByteLevel, Metaspace, ByteFallback, Fuse, Strip, Replace, WordPiece, BPEDecoder,
 *       Sequence;</li>
 *   <li>post-processors: TemplateProcessing (single sequences), BertProcessing, RobertaProcessing,
 *       ByteLevel, Sequence;</li>
 *   <li>added tokens with special, lstrip, rstrip, normalized and single_word.</li>
 * </ul>
 * Anything else (for example the UnicodeScripts pre-tokenizer or the CTC decoder) is rejected with
 * an error naming the type and the file. Regexes are Oniguruma's, translated where Java differs.
 */
package io.jinfer.loader.tokenizer.hf;

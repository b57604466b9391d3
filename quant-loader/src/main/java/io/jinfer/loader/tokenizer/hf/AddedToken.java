package io.jinfer.loader.tokenizer.hf;

/**
 * One entry of {@code added_tokens}: a token matched in the input before normalization and the
 * model run.
 *
 * @param id the token id
 * @param content the text that is matched
 * @param special whether it is a special (control) token: matched only when special tokens are
 *     parsed, and giving no text when decoded
 * @param lstrip whether whitespace before a match is swallowed by it
 * @param rstrip whether whitespace after a match is swallowed by it
 * @param normalized whether it is matched in the normalized text rather than the raw input
 * @param singleWord whether it only matches as a whole word (no letter, digit or '_' beside it)
 */
record AddedToken(int id, String content, boolean special, boolean lstrip, boolean rstrip, boolean normalized,
        boolean singleWord) {}

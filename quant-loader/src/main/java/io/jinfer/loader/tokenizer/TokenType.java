package io.jinfer.loader.tokenizer;

/** The kinds of token that {@code tokenizer.ggml.token_type} records, with their GGUF codes. */
public enum TokenType {
    /** 0: no type recorded. */
    UNDEFINED,
    /** 1: an ordinary piece of text. */
    NORMAL,
    /** 2: the unknown token. */
    UNKNOWN,
    /** 3: a control token such as BOS or EOS; it produces no text. */
    CONTROL,
    /** 4: a token added by the model's authors; its text is matched before ordinary tokenization. */
    USER_DEFINED,
    /** 5: a reserved, unused slot. */
    UNUSED,
    /** 6: a byte-fallback token {@code <0xXX>}. */
    BYTE;

    private static final TokenType[] BY_CODE = values();

    /**
     * Maps a {@code tokenizer.ggml.token_type} code to its type.
     *
     * @param code the GGUF code
     * @return the type, or {@code null} when the code is not one of 0..6
     */
    public static TokenType fromCode(long code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[(int) code] : null;
    }
}

package io.jinfer.loader.tokenizer.text;

/**
 * GPT-2's reversible mapping between bytes and printable code points: byte-level BPE vocabularies
 * spell every byte as one visible character, so that a token text never holds raw control bytes or
 * spaces (a space is {@code Ġ}, U+0120).
 */
public final class ByteLevelMapping {
    private static final char[] BYTE_TO_CHAR = new char[256];
    /** Indexed by code point; -1 where the code point stands for no byte. */
    private static final int[] CHAR_TO_BYTE;

    static {
        boolean[] printable = new boolean[256];
        for (int b = 0; b < 256; b++) {
            printable[b] = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        }
        int next = 256;
        for (int b = 0; b < 256; b++) {
            // printable bytes keep their own code point; the rest take 256, 257, ... in byte order
            BYTE_TO_CHAR[b] = (char) (printable[b] ? b : next++);
        }
        CHAR_TO_BYTE = new int[next];
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        for (int b = 0; b < 256; b++) {
            CHAR_TO_BYTE[BYTE_TO_CHAR[b]] = b;
        }
    }

    private ByteLevelMapping() {}

    /**
     * Spells one byte.
     *
     * @param b the byte (only its low 8 bits count)
     * @return the character that spells it
     */
    public static char charOf(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /**
     * Reads one byte character back.
     *
     * @param cp a code point
     * @return the byte it spells, or -1 when it spells none
     */
    public static int byteOf(int cp) {
        return cp >= 0 && cp < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[cp] : -1;
    }

    /**
     * Spells bytes with GPT-2's byte characters.
     *
     * @param utf8 the bytes (usually a text's UTF-8)
     * @return one character per byte
     */
    public static String encode(byte[] utf8) {
        char[] out = new char[utf8.length];
        for (int i = 0; i < utf8.length; i++) {
            out[i] = BYTE_TO_CHAR[utf8[i] & 0xFF];
        }
        return new String(out);
    }
}

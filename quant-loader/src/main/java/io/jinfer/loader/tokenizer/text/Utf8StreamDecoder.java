package io.jinfer.loader.tokenizer.text;

import io.jinfer.api.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.IntFunction;

/**
 * Streams token bytes out as text, holding back the bytes of a character that is not complete yet
 * (a multi-byte character may arrive one byte-fallback token at a time). Bytes that can never form a
 * character come out at once as U+FFFD; {@link #flush()} turns an unfinished tail into U+FFFD too.
 */
public final class Utf8StreamDecoder implements Tokenizer.StreamDecoder {
    private final IntFunction<byte[]> bytesOfToken;
    private byte[] pending = new byte[16];
    private int size;

    /**
     * Creates a decoder for one stream.
     *
     * @param bytesOfToken the bytes each token stands for (read, never modified)
     */
    public Utf8StreamDecoder(IntFunction<byte[]> bytesOfToken) {
        this.bytesOfToken = bytesOfToken;
    }

    @Override
    public String accept(int token) {
        byte[] b = bytesOfToken.apply(token);
        if (size + b.length > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, size + b.length));
        }
        System.arraycopy(b, 0, pending, size, b.length);
        size += b.length;
        int complete = completePrefix(pending, size);
        if (complete == 0) {
            return "";
        }
        String text = new String(pending, 0, complete, StandardCharsets.UTF_8);
        System.arraycopy(pending, complete, pending, 0, size - complete);
        size -= complete;
        return text;
    }

    @Override
    public String flush() {
        String text = new String(pending, 0, size, StandardCharsets.UTF_8);
        size = 0;
        return text;
    }

    /**
     * Finds where the complete characters of a byte buffer end.
     *
     * @param buf the bytes
     * @param size how many of them are used
     * @return how many leading bytes may be decoded now: all of them, unless the buffer ends inside a
     *     character that later bytes could still complete
     */
    public static int completePrefix(byte[] buf, int size) {
        // a UTF-8 character is at most 4 bytes, so only the last 3 bytes can start an unfinished one
        for (int back = 1; back <= Math.min(3, size); back++) {
            int b = buf[size - back] & 0xFF;
            if ((b & 0xC0) == 0x80) {
                continue; // continuation byte: keep looking for the lead byte
            }
            int needed = b >= 0xF0 && b <= 0xF4 ? 4 : b >= 0xE0 ? (b <= 0xEF ? 3 : 0) : b >= 0xC2 ? 2 : 0;
            if (needed > back && validSoFar(buf, size - back, size)) {
                return size - back;
            }
            return size;
        }
        return size;
    }

    /** Whether the bytes from a lead byte to the end could still become a valid character. */
    private static boolean validSoFar(byte[] buf, int from, int to) {
        int lead = buf[from] & 0xFF;
        if (from + 1 < to) {
            int second = buf[from + 1] & 0xFF;
            // the second byte carries the range limits that rule out overlongs, surrogates and > U+10FFFF
            boolean ok = switch (lead) {
                case 0xE0 -> second >= 0xA0 && second <= 0xBF;
                case 0xED -> second >= 0x80 && second <= 0x9F;
                case 0xF0 -> second >= 0x90 && second <= 0xBF;
                case 0xF4 -> second >= 0x80 && second <= 0x8F;
                default -> true;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}

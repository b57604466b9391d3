package io.jinfer.loader.tokenizer.text;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Builds small precompiled normalization maps for tests. */
public final class CharsMapFixture {
    private CharsMapFixture() {}

    /**
     * A map whose keys are single bytes: a darts-clone array whose root points at 1, each key c sits
     * at 1^c (a leaf with offset 256) and its value at (1^c)^256; then the NUL-terminated strings.
     *
     * @param keys the keys, each one byte (1..255, not 1)
     * @param replacements what each key becomes
     * @return the blob
     */
    public static byte[] singleBytes(char[] keys, String[] replacements) {
        int units = 512;
        int[] u = new int[units];
        u[0] = 1 << 10;
        StringBuilder strings = new StringBuilder();
        for (int k = 0; k < keys.length; k++) {
            int pos = 1 ^ keys[k];
            u[pos] = (256 << 10) | (1 << 8) | keys[k];
            u[pos ^ 256] = 0x80000000 | strings.toString().getBytes(StandardCharsets.UTF_8).length;
            strings.append(replacements[k]).append('\0');
        }
        byte[] s = strings.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(4 + units * 4 + s.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(units * 4);
        for (int v : u) {
            b.putInt(v);
        }
        b.put(s);
        return b.array();
    }
}

package io.jinfer.loader.tokenizer.text;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.text.BreakIterator;
import java.util.Locale;

/**
 * SentencePiece's precompiled normalization map ({@code precompiled_charsmap}): a darts-clone
 * double-array trie over UTF-8 byte strings whose values are offsets of replacement strings.
 *
 * <p>Blob layout: a little-endian u32 with the trie's size in bytes, the trie (u32 units), then the
 * replacement strings, each ending with a NUL byte.
 */
public final class PrecompiledCharsMap {
    private final int[] units;
    private final byte[] strings;

    /**
     * @param blob the map as stored in the model
     * @throws IllegalArgumentException when the blob is too short or its sizes are inconsistent
     */
    public PrecompiledCharsMap(byte[] blob) {
        if (blob.length < 4) {
            throw new IllegalArgumentException("precompiled charsmap of " + blob.length + " bytes is too short");
        }
        ByteBuffer b = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
        long trieSize = Integer.toUnsignedLong(b.getInt());
        if (trieSize % 4 != 0 || trieSize == 0 || trieSize > blob.length - 4L) {
            throw new IllegalArgumentException("precompiled charsmap: trie size " + trieSize
                    + " does not fit the blob of " + blob.length + " bytes");
        }
        units = new int[(int) (trieSize / 4)];
        for (int i = 0; i < units.length; i++) {
            units[i] = b.getInt();
        }
        strings = new byte[blob.length - 4 - (int) trieSize];
        b.get(strings);
    }

    private static boolean hasLeaf(int unit) {
        return ((unit >>> 8) & 1) == 1;
    }

    private static int value(int unit) {
        return unit & 0x7FFFFFFF;
    }

    private static int label(int unit) {
        return unit & (0x80000000 | 0xFF);
    }

    private static int offset(int unit) {
        return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
    }

    /**
     * Finds the prefixes of {@code key[from..to)} that the map holds.
     *
     * @param longest whether to return the longest prefix (SentencePiece) or the shortest (the
     *     {@code tokenizers} library)
     * @return {@code {length, stringOffset}}, or null when no prefix is in the map
     */
    private int[] prefixMatch(byte[] key, int from, int to, boolean longest) {
        int pos = 0;
        int unit = units[0];
        pos ^= offset(unit);
        int[] found = null;
        for (int i = from; i < to; i++) {
            int c = key[i] & 0xFF;
            pos ^= c;
            if (pos < 0 || pos >= units.length) {
                break;
            }
            unit = units[pos];
            if (label(unit) != c) {
                break;
            }
            pos ^= offset(unit);
            if (pos < 0 || pos >= units.length) {
                break;
            }
            if (hasLeaf(unit)) {
                found = new int[] {i + 1 - from, value(units[pos])};
                if (!longest) {
                    return found;
                }
            }
        }
        return found;
    }

    private void appendReplacement(ByteArrayOutputStream out, int at) {
        if (at < 0 || at >= strings.length) {
            throw new IllegalArgumentException("precompiled charsmap: replacement offset " + at
                    + " is outside the " + strings.length + " bytes of strings");
        }
        int end = at;
        while (end < strings.length && strings[end] != 0) {
            end++;
        }
        out.write(strings, at, end - at);
    }

    /**
     * Normalizes as SentencePiece does: at each position the longest prefix in the map is replaced,
     * and a character that starts no prefix is kept.
     *
     * @param text the text
     * @return the normalized text
     */
    public String normalizeLongestMatch(String text) {
        byte[] in = text.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length + 8);
        int i = 0;
        while (i < in.length) {
            int[] m = prefixMatch(in, i, in.length, true);
            if (m != null) {
                appendReplacement(out, m[1]);
                i += m[0];
            } else {
                int n = utf8Length(in[i]);
                out.write(in, i, Math.min(n, in.length - i));
                i += n;
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /**
     * Normalizes as the {@code tokenizers} library's {@code Precompiled} normalizer does: a grapheme
     * cluster shorter than 6 UTF-8 bytes that starts with a mapped prefix is replaced as a whole;
     * otherwise each of its characters is looked up on its own.
     *
     * @param text the text
     * @return the normalized text
     */
    public String normalize(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length() + 8);
        BreakIterator graphemes = BreakIterator.getCharacterInstance(Locale.ROOT);
        graphemes.setText(text);
        int start = graphemes.first();
        for (int end = graphemes.next(); end != BreakIterator.DONE; start = end, end = graphemes.next()) {
            byte[] g = text.substring(start, end).getBytes(StandardCharsets.UTF_8);
            if (g.length < 6) {
                int[] m = prefixMatch(g, 0, g.length, false);
                if (m != null) {
                    appendReplacement(out, m[1]);
                    continue;
                }
            }
            int i = 0;
            while (i < g.length) {
                int n = Math.min(utf8Length(g[i]), g.length - i);
                int[] m = prefixMatch(g, i, i + n, false);
                if (m != null) {
                    appendReplacement(out, m[1]);
                } else {
                    out.write(g, i, n);
                }
                i += n;
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static int utf8Length(byte lead) {
        int b = lead & 0xFF;
        return b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
    }
}

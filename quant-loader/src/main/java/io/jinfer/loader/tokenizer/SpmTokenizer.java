package io.jinfer.loader.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.PriorityQueue;

/**
 * SentencePiece-style tokenization as llama.cpp does it for {@code tokenizer.ggml.model = llama}:
 * spaces become U+2581, a space is prefixed to text at the start or after a special token (when
 * {@code add_space_prefix}), and then adjacent pieces are merged greedily, the pair forming the
 * highest-scoring vocabulary token first (leftmost on ties). Characters that end up in no token are
 * spelled with byte-fallback tokens {@code <0xXX>}, or the unknown token when there are none.
 */
final class SpmTokenizer extends GgufTokenizer {
    private static final char SPACE_MARK = '\u2581';

    /** Token for each byte value: its {@code <0xXX>} token, else a one-character token, else unknown. */
    private final int[] byteTokens = new int[256];

    SpmTokenizer(Vocabulary vocab) {
        super(vocab, SpmTokenizer::pieceBytes);
        for (int b = 0; b < 256; b++) {
            int id = vocab.id(String.format("<0x%02X>", b));
            if (id < 0 && b < 0x80) {
                id = vocab.id(String.valueOf((char) b));
            }
            byteTokens[b] = id >= 0 ? id : vocab.unk;
        }
    }

    /** A normal SentencePiece token stands for its text with U+2581 read as a space. */
    private static byte[] pieceBytes(String text) {
        return text.replace(SPACE_MARK, ' ').getBytes(StandardCharsets.UTF_8);
    }

    @Override
    void encodeText(String raw, boolean afterSpecial, IntList out) {
        String text = (vocab.addSpacePrefix && afterSpecial ? " " + raw : raw).replace(' ', SPACE_MARK);
        new Merge(text).run(out);
    }

    /** One merge run over one text; symbols are code points, linked in a list as they merge. */
    private final class Merge {
        private record Bigram(int left, int right, float score, int size) {}

        private final String text;
        private final int[] start;
        private final int[] len;
        private final int[] prev;
        private final int[] next;
        private final PriorityQueue<Bigram> queue = new PriorityQueue<>((a, b) -> a.score != b.score
                ? Float.compare(b.score, a.score) : Integer.compare(a.left, b.left));

        Merge(String text) {
            this.text = text;
            int n = text.codePointCount(0, text.length());
            start = new int[n];
            len = new int[n];
            prev = new int[n];
            next = new int[n];
            int offset = 0;
            for (int i = 0; i < n; i++) {
                int cpLen = Character.charCount(text.codePointAt(offset));
                start[i] = offset;
                len[i] = cpLen;
                prev[i] = i - 1;
                next[i] = i + 1 < n ? i + 1 : -1;
                offset += cpLen;
            }
        }

        void run(IntList out) {
            int n = start.length;
            if (n == 0) {
                return;
            }
            for (int i = 1; i < n; i++) {
                tryAdd(i - 1, i);
            }
            while (!queue.isEmpty()) {
                Bigram b = queue.poll();
                int l = b.left;
                int r = b.right;
                // stale: one side was merged away, or grew since the pair was queued
                if (len[l] == 0 || len[r] == 0 || len[l] + len[r] != b.size) {
                    continue;
                }
                len[l] += len[r];
                len[r] = 0;
                next[l] = next[r];
                if (next[r] >= 0) {
                    prev[next[r]] = l;
                }
                tryAdd(prev[l], l);
                tryAdd(l, next[l]);
            }
            for (int i = 0; i != -1; i = next[i]) {
                String piece = text.substring(start[i], start[i] + len[i]);
                int id = vocab.id(piece);
                if (id >= 0) {
                    out.add(id);
                } else {
                    // only single characters can be left without a token: spell their bytes
                    for (byte by : piece.getBytes(StandardCharsets.UTF_8)) {
                        int t = byteTokens[by & 0xFF];
                        if (t < 0) {
                            throw new IllegalArgumentException("cannot tokenize '" + piece
                                    + "': the vocabulary has no byte-fallback or unknown token");
                        }
                        out.add(t);
                    }
                }
            }
        }

        private void tryAdd(int l, int r) {
            if (l < 0 || r < 0) {
                return;
            }
            int size = len[l] + len[r];
            int id = vocab.id(text.substring(start[l], start[l] + size));
            if (id >= 0) {
                queue.add(new Bigram(l, r, vocab.scores[id], size));
            }
        }
    }
}

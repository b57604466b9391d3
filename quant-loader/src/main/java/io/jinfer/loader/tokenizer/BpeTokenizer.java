package io.jinfer.loader.tokenizer;

import io.jinfer.loader.tokenizer.text.ByteLevelMapping;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-level BPE as llama.cpp does it for {@code tokenizer.ggml.model = gpt2}: the text is cut into
 * pre-tokens by the pre-tokenizer that {@code tokenizer.ggml.pre} names, each pre-token's UTF-8
 * bytes are spelled with GPT-2's byte characters, and then adjacent pieces are merged, the pair with
 * the lowest merge rank first (leftmost on ties). Results are cached per pre-token.
 */
final class BpeTokenizer extends GgufTokenizer {
    /** Past this many cached pre-tokens the cache starts over, to bound its memory. */
    private static final int CACHE_LIMIT = 65_536;

    private final PreTokenizers.Spec pre;
    /** "left right" → rank. */
    private final Map<String, Integer> ranks;
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    BpeTokenizer(Vocabulary vocab) {
        super(vocab, PreTokenizers.forName(vocab.pre).escapeWhitespace()
                ? t -> t.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8) : BpeTokenizer::pieceBytes);
        this.pre = PreTokenizers.forName(vocab.pre);
        List<String> merges = vocab.merges;
        Map<String, Integer> r = new HashMap<>(merges.size() * 2);
        for (int i = 0; i < merges.size(); i++) {
            String m = merges.get(i);
            // the separator is the first space after the first character
            if (m.indexOf(' ', 1) > 0) {
                r.putIfAbsent(m, i);
            }
        }
        this.ranks = r;
    }

    /** A normal byte-level token stands for the bytes its characters spell. */
    private static byte[] pieceBytes(String text) {
        byte[] out = new byte[text.length() * 4];
        int n = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            int b = ByteLevelMapping.byteOf(cp);
            if (b >= 0) {
                out[n++] = (byte) b;
            } else {
                // not a byte character: keep it as the text it is
                for (byte x : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) {
                    out[n++] = x;
                }
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }

    @Override
    void encodeText(String text, boolean afterSpecial, IntList out) {
        if (pre.dropWhitespace()) {
            // whitespace only separates words: each non-space run is tokenized on its own
            int start = -1;
            for (int i = 0; i <= text.length(); ) {
                int cp = i < text.length() ? text.codePointAt(i) : ' ';
                boolean space = CodepointClasses.isWhitespace(cp);
                if (space && start >= 0) {
                    encodeWords(text.substring(start, i), out);
                    start = -1;
                } else if (!space && start < 0) {
                    start = i;
                }
                i += i < text.length() ? Character.charCount(cp) : 1;
            }
            return;
        }
        encodeWords(pre.escapeWhitespace() ? text.replace(' ', '\u2581') : text, out);
    }

    private void encodeWords(String text, IntList out) {
        int[] cps = text.codePoints().toArray();
        if (cps.length == 0) {
            return;
        }
        IntList spans = new IntList(1);
        spans.add(cps.length);
        for (SplitStep step : pre.steps()) {
            spans = step.split(cps, spans);
        }
        int start = 0;
        for (int s = 0; s < spans.size(); s++) {
            int len = spans.get(s);
            String word = new String(cps, start, len);
            start += len;
            String spelled = pre.byteEncode() ? ByteLevelMapping.encode(word.getBytes(StandardCharsets.UTF_8)) : word;
            out.addAll(encodeWord(spelled));
        }
    }

    private int[] encodeWord(String word) {
        int[] cached = cache.get(word);
        if (cached != null) {
            return cached;
        }
        int[] ids = mergeWord(word);
        if (cache.size() >= CACHE_LIMIT) {
            cache.clear();
        }
        cache.put(word, ids);
        return ids;
    }

    private record Bigram(int left, int right, int rank, int size) {}

    /**
     * Merges one pre-token. Each code point starts as one symbol, indexed by its char offset (a
     * byte-spelled word has one char per byte); symbols stay contiguous, so a symbol starts at its index.
     */
    private int[] mergeWord(String word) {
        if (pre.ignoreMerges() || (pre.newlineRunsWhole() && word.chars().allMatch(c -> c == '\n'))) {
            int id = vocab.id(word);
            if (id >= 0) {
                return new int[] {id};
            }
        }
        int n = word.length();
        int[] len = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        int last = -1;
        for (int i = 0; i < n; i += len[i]) {
            len[i] = Character.charCount(word.codePointAt(i));
            prev[i] = last;
            next[i] = -1;
            if (last >= 0) {
                next[last] = i;
            }
            last = i;
        }
        PriorityQueue<Bigram> queue = new PriorityQueue<>((a, b) -> a.rank != b.rank
                ? Integer.compare(a.rank, b.rank) : Integer.compare(a.left, b.left));
        for (int i = 0; i >= 0 && i < n; i = next[i]) {
            addBigram(word, len, i, next[i], queue);
        }
        while (!queue.isEmpty()) {
            Bigram b = queue.poll();
            int l = b.left;
            int r = b.right;
            if (len[l] == 0 || len[r] == 0 || len[l] + len[r] != b.size) {
                continue; // stale
            }
            len[l] += len[r];
            len[r] = 0;
            next[l] = next[r];
            if (next[r] >= 0) {
                prev[next[r]] = l;
            }
            addBigram(word, len, prev[l], l, queue);
            addBigram(word, len, l, next[l], queue);
        }
        IntList ids = new IntList(4);
        for (int i = 0; i != -1; i = next[i]) {
            String piece = word.substring(i, i + len[i]);
            int id = vocab.id(piece);
            if (id >= 0) {
                ids.add(id);
            } else if (!pre.byteEncode()) {
                // SentencePiece-style: spell the piece's bytes with <0xXX> tokens where they exist
                for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
                    int t = vocab.id(String.format("<0x%02X>", b & 0xFF));
                    if (t >= 0) {
                        ids.add(t);
                    }
                }
            } else {
                // no token for the piece: fall back to single-character tokens where they exist
                for (int k = 0; k < piece.length(); k++) {
                    int c = vocab.id(piece.substring(k, k + 1));
                    if (c >= 0) {
                        ids.add(c);
                    }
                }
            }
        }
        return ids.toArray();
    }

    private void addBigram(String word, int[] len, int l, int r, PriorityQueue<Bigram> queue) {
        if (l < 0 || r < 0) {
            return;
        }
        // symbols are contiguous, so a symbol starts at its own index
        String key = word.substring(l, l + len[l]) + ' ' + word.substring(r, r + len[r]);
        Integer rank = ranks.get(key);
        if (rank != null) {
            queue.add(new Bigram(l, r, rank, len[l] + len[r]));
        }
    }
}

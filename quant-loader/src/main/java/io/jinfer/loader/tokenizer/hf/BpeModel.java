package io.jinfer.loader.tokenizer.hf;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code BPE} model as the {@code tokenizers} library runs it: a word starts as one symbol per
 * character (with the continuing-subword prefix and end-of-word suffix where configured; a character
 * with no token becomes its byte-fallback tokens or the unknown token), then the adjacent pair with
 * the lowest merge rank is merged, leftmost first, until no pair has a merge. Results are cached per word.
 */
final class BpeModel implements TokenModel {
    private static final int CACHE_LIMIT = 65_536;
    /** Longer words are not cached: without a pre-tokenizer a whole text is one word. */
    private static final int CACHED_WORD_MAX_CHARS = 256;

    /** A merge: its rank and the id of the token it makes. */
    private record Merge(int rank, int result) {}

    private final Vocab vocab;
    private final Map<Long, Merge> merges;
    private final int unk;
    private final String prefix;
    private final String suffix;
    private final boolean fuseUnk;
    private final boolean byteFallback;
    private final boolean ignoreMerges;
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    /**
     * @param vocab the vocabulary
     * @param mergePairs the merges in rank order, each as {left, right}; a merge whose parts or result
     *     are not in the vocabulary can never apply and is skipped
     * @param unk the unknown token's id, or -1
     * @param prefix the continuing-subword prefix, or null
     * @param suffix the end-of-word suffix, or null
     */
    BpeModel(Vocab vocab, List<String[]> mergePairs, int unk, String prefix, String suffix, boolean fuseUnk,
            boolean byteFallback, boolean ignoreMerges) {
        this.vocab = vocab;
        this.unk = unk;
        this.prefix = prefix == null || prefix.isEmpty() ? null : prefix;
        this.suffix = suffix == null || suffix.isEmpty() ? null : suffix;
        this.fuseUnk = fuseUnk;
        this.byteFallback = byteFallback;
        this.ignoreMerges = ignoreMerges;
        Map<Long, Merge> m = new HashMap<>(mergePairs.size() * 2);
        for (int rank = 0; rank < mergePairs.size(); rank++) {
            String a = mergePairs.get(rank)[0];
            String b = mergePairs.get(rank)[1];
            int left = vocab.id(a);
            int right = vocab.id(b);
            String joined = a + (this.prefix != null && b.startsWith(this.prefix) ? b.substring(this.prefix.length()) : b);
            int result = vocab.id(joined);
            if (left >= 0 && right >= 0 && result >= 0) {
                m.putIfAbsent(key(left, right), new Merge(rank, result));
            }
        }
        this.merges = m;
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    @Override
    public int[] encode(String word) {
        int[] cached = cache.get(word);
        if (cached != null) {
            return cached;
        }
        int[] ids = merge(word);
        if (word.length() > CACHED_WORD_MAX_CHARS) {
            return ids;
        }
        if (cache.size() >= CACHE_LIMIT) {
            cache.clear();
        }
        cache.put(word, ids);
        return ids;
    }

    /** The starting symbols: one per character, byte-fallback or unknown where needed. */
    private IdList initialSymbols(String word) {
        IdList ids = new IdList(word.length());
        boolean lastWasUnk = false;
        for (int i = 0; i < word.length(); ) {
            int cp = word.codePointAt(i);
            int next = i + Character.charCount(cp);
            String ch = word.substring(i, next);
            String s = (i > 0 && prefix != null ? prefix : "") + ch + (next == word.length() && suffix != null ? suffix : "");
            i = next;
            int id = vocab.id(s);
            if (id >= 0) {
                ids.add(id);
                lastWasUnk = false;
                continue;
            }
            int[] bytes = byteFallback ? vocab.byteFallback(ch) : null;
            if (bytes != null) {
                ids.addAll(bytes);
                lastWasUnk = false;
            } else if (unk >= 0) {
                if (!(fuseUnk && lastWasUnk)) {
                    ids.add(unk);
                }
                lastWasUnk = true;
            }
            // no token, no byte tokens and no unknown token: the character is dropped, as the library does
        }
        return ids;
    }

    private record Candidate(int pos, int rank, int result) {}

    private int[] merge(String word) {
        if (ignoreMerges) {
            int whole = vocab.id(word);
            if (whole >= 0) {
                return new int[] {whole};
            }
        }
        IdList symbols = initialSymbols(word);
        int n = symbols.size();
        int[] id = symbols.toArray();
        int[] prev = new int[n];
        int[] next = new int[n];
        boolean[] gone = new boolean[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<Candidate> queue = new PriorityQueue<>((a, b) -> a.rank != b.rank
                ? Integer.compare(a.rank, b.rank) : Integer.compare(a.pos, b.pos));
        for (int i = 0; i + 1 < n; i++) {
            offer(queue, i, id[i], id[i + 1]);
        }
        while (!queue.isEmpty()) {
            Candidate c = queue.poll();
            int l = c.pos;
            int r = next[l];
            if (gone[l] || r < 0) {
                continue;
            }
            Merge m = merges.get(key(id[l], id[r]));
            if (m == null || m.result != c.result) {
                continue; // stale: a neighbour changed since this pair was queued
            }
            id[l] = m.result;
            gone[r] = true;
            next[l] = next[r];
            if (next[r] >= 0) {
                prev[next[r]] = l;
            }
            if (prev[l] >= 0) {
                offer(queue, prev[l], id[prev[l]], id[l]);
            }
            if (next[l] >= 0) {
                offer(queue, l, id[l], id[next[l]]);
            }
        }
        IdList out = new IdList(n);
        for (int i = 0; i < n; i = next[i] < 0 ? n : next[i]) {
            out.add(id[i]);
        }
        return n == 0 ? new int[0] : out.toArray();
    }

    private void offer(PriorityQueue<Candidate> queue, int pos, int left, int right) {
        Merge m = merges.get(key(left, right));
        if (m != null) {
            queue.add(new Candidate(pos, m.rank, m.result));
        }
    }

    @Override
    public String token(int id) {
        return vocab.text(id);
    }

    @Override
    public int id(String token) {
        return vocab.id(token);
    }

    @Override
    public int size() {
        return vocab.size();
    }
}

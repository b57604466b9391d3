package io.jinfer.loader.tokenizer.hf;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code Unigram} model (SentencePiece's unigram language model): the word is cut into the
 * vocabulary pieces whose scores sum highest (Viterbi). A character that starts no piece is taken
 * as the unknown token, scored 10 below the lowest piece; runs of unknown characters are fused, and
 * with byte fallback an unknown run is spelled with {@code <0xXX>} tokens instead.
 */
final class UnigramModel implements TokenModel {
    private static final float UNKNOWN_PENALTY = 10f;

    private final String[] pieces;
    private final float[] scores;
    private final Map<String, Integer> ids;
    private final Vocab vocab;
    private final Trie trie;
    private final int unk;
    private final boolean byteFallback;
    private final float unkScore;

    /**
     * @param pieces the pieces, by id
     * @param scores their log-probabilities
     * @param unk the unknown token's id, or -1
     */
    UnigramModel(List<String> pieces, float[] scores, int unk, boolean byteFallback) {
        this.pieces = pieces.toArray(String[]::new);
        this.scores = scores.clone();
        this.unk = unk;
        this.byteFallback = byteFallback;
        Map<String, Integer> m = new HashMap<>(pieces.size() * 2);
        for (int i = 0; i < this.pieces.length; i++) {
            m.putIfAbsent(this.pieces[i], i);
        }
        this.ids = m;
        this.vocab = new Vocab(m);
        float min = Float.POSITIVE_INFINITY;
        for (float s : scores) {
            min = Math.min(min, s);
        }
        this.unkScore = (scores.length == 0 ? 0f : min) - UNKNOWN_PENALTY;
        this.trie = new Trie(this.pieces);
    }

    @Override
    public int[] encode(String word) {
        int n = word.length();
        // best[k]: the best path over word[0..k) ends with token bestId[k] starting at bestStart[k]
        double[] best = new double[n + 1];
        int[] bestStart = new int[n + 1];
        int[] bestId = new int[n + 1];
        Arrays.fill(bestStart, -1);
        bestStart[0] = 0;
        for (int start = 0; start < n; ) {
            int charLen = Character.charCount(word.codePointAt(start));
            if (bestStart[start] < 0) {
                start += charLen;
                continue; // unreachable (only inside a surrogate pair)
            }
            double here = best[start];
            boolean singleChar = false;
            Trie.Node node = trie.root;
            for (int end = start; end < n; end++) {
                node = node.child(word.charAt(end));
                if (node == null) {
                    break;
                }
                if (node.id >= 0) {
                    int k = end + 1;
                    double score = here + scores[node.id];
                    if (bestStart[k] < 0 || score > best[k]) {
                        best[k] = score;
                        bestStart[k] = start;
                        bestId[k] = node.id;
                    }
                    if (k - start == charLen) {
                        singleChar = true;
                    }
                }
            }
            if (!singleChar) {
                int k = start + charLen;
                double score = here + unkScore;
                if (bestStart[k] < 0 || score > best[k]) {
                    best[k] = score;
                    bestStart[k] = start;
                    bestId[k] = -1; // unknown
                }
            }
            start += charLen;
        }
        // walk back, fusing runs of unknown characters
        IdList reversedEnds = new IdList(8);
        for (int k = n; k > 0; ) {
            int s = bestStart[k];
            if (bestId[k] < 0) {
                while (s > 0 && bestId[s] < 0) {
                    s = bestStart[s];
                }
            }
            reversedEnds.add(k);
            reversedEnds.add(s);
            k = s;
        }
        IdList out = new IdList(reversedEnds.size() / 2);
        for (int i = reversedEnds.size() - 2; i >= 0; i -= 2) {
            int end = reversedEnds.get(i);
            int s = reversedEnds.get(i + 1);
            if (bestId[end] >= 0) {
                out.add(bestId[end]);
                continue;
            }
            int[] bytes = byteFallback ? vocab.byteFallback(word.substring(s, end)) : null;
            if (bytes != null) {
                out.addAll(bytes);
            } else if (unk >= 0) {
                out.add(unk);
            } else {
                throw new IllegalArgumentException("cannot tokenize '" + word.substring(s, end)
                        + "': the Unigram model has no piece for it and no unk_id");
            }
        }
        return out.toArray();
    }

    @Override
    public String token(int id) {
        return id >= 0 && id < pieces.length ? pieces[id] : null;
    }

    @Override
    public int id(String token) {
        Integer id = ids.get(token);
        return id == null ? -1 : id;
    }

    @Override
    public int size() {
        return pieces.length;
    }

    /** The pieces in a character trie, for the prefix searches of the Viterbi pass. */
    static final class Trie {
        /** One node; {@code keys} is sorted, for a binary search. */
        static final class Node {
            char[] keys = new char[0];
            Node[] children = new Node[0];
            int id = -1;

            Node child(char c) {
                int k = Arrays.binarySearch(keys, c);
                return k >= 0 ? children[k] : null;
            }

            Node childOrAdd(char c) {
                int k = Arrays.binarySearch(keys, c);
                if (k >= 0) {
                    return children[k];
                }
                int at = -k - 1;
                char[] nk = new char[keys.length + 1];
                Node[] nc = new Node[keys.length + 1];
                System.arraycopy(keys, 0, nk, 0, at);
                System.arraycopy(children, 0, nc, 0, at);
                nk[at] = c;
                nc[at] = new Node();
                System.arraycopy(keys, at, nk, at + 1, keys.length - at);
                System.arraycopy(children, at, nc, at + 1, keys.length - at);
                keys = nk;
                children = nc;
                return nc[at];
            }
        }

        final Node root = new Node();

        Trie(String[] pieces) {
            for (int id = 0; id < pieces.length; id++) {
                String p = pieces[id];
                if (p.isEmpty()) {
                    continue;
                }
                Node node = root;
                for (int i = 0; i < p.length(); i++) {
                    node = node.childOrAdd(p.charAt(i));
                }
                if (node.id < 0) {
                    node.id = id;
                }
            }
        }
    }
}

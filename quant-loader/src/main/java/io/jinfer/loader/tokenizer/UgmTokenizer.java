package io.jinfer.loader.tokenizer;

import io.jinfer.loader.tokenizer.text.PrecompiledCharsMap;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * SentencePiece's unigram model as llama.cpp runs it for {@code tokenizer.ggml.model = t5}: the text
 * is normalized (user-defined pieces kept as they are, the precompiled map applied, spaces turned
 * into U+2581 with the configured prefix and collapsing), then cut into the normal, user-defined and
 * unused pieces whose scores sum highest (user-defined pieces score 0). A character that starts no
 * piece is the unknown token, scored 10 below the lowest normal piece; consecutive unknown tokens
 * become one.
 */
final class UgmTokenizer extends GgufTokenizer {
    private static final String SPACE_MARK = "\u2581";
    private static final double UNKNOWN_PENALTY = 10.0;

    /** Every prefix of a matchable piece → the piece's id, or -1 for a prefix that is no piece. */
    private final Map<String, Integer> prefixes = new HashMap<>();
    /** Every prefix of a user-defined piece → whether it is a whole one. */
    private final Map<String, Boolean> userPrefixes = new HashMap<>();
    private final PrecompiledCharsMap charsmap;
    private final double unknownScore;

    UgmTokenizer(Vocabulary vocab) {
        super(vocab, t -> t.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8));
        float min = Float.MAX_VALUE;
        for (int id = 0; id < vocab.size(); id++) {
            TokenType type = vocab.types[id];
            if (type == TokenType.NORMAL) {
                min = Math.min(min, vocab.scores[id]);
            }
            if (type == TokenType.NORMAL || type == TokenType.USER_DEFINED || type == TokenType.UNUSED) {
                String t = vocab.texts[id];
                for (int k = 1; k < t.length(); k++) {
                    prefixes.putIfAbsent(t.substring(0, k), -1);
                }
                prefixes.merge(t, id, (old, now) -> old >= 0 ? old : now);
            }
            if (type == TokenType.USER_DEFINED) {
                String t = vocab.texts[id];
                for (int k = 1; k < t.length(); k++) {
                    userPrefixes.putIfAbsent(t.substring(0, k), false);
                }
                userPrefixes.put(t, true);
            }
        }
        this.unknownScore = (min == Float.MAX_VALUE ? 0 : min) - UNKNOWN_PENALTY;
        byte[] blob = vocab.extras.precompiledCharsmap();
        this.charsmap = blob == null ? null : new PrecompiledCharsMap(blob);
    }

    @Override
    void encodeText(String text, boolean afterSpecial, IntList out) {
        String s = normalize(text);
        int n = s.length();
        if (n == 0) {
            return;
        }
        double[] best = new double[n + 1];
        int[] from = new int[n + 1];
        int[] token = new int[n + 1];
        java.util.Arrays.fill(best, Double.NEGATIVE_INFINITY);
        best[0] = 0;
        for (int start = 0; start < n; ) {
            int cpLen = Character.charCount(s.codePointAt(start));
            boolean single = false;
            for (int end = start + 1; end <= n; end++) {
                Integer id = prefixes.get(s.substring(start, end));
                if (id == null) {
                    break;
                }
                if (id >= 0) {
                    single |= end - start == cpLen;
                    double score = best[start] + (vocab.types[id] == TokenType.USER_DEFINED ? 0.0 : vocab.scores[id]);
                    if (score > best[end]) {
                        best[end] = score;
                        from[end] = start;
                        token[end] = id;
                    }
                }
            }
            if (!single) {
                int end = start + cpLen;
                double score = best[start] + unknownScore;
                if (score > best[end]) {
                    best[end] = score;
                    from[end] = start;
                    token[end] = vocab.unk;
                }
            }
            start += cpLen;
        }
        IntList reversed = new IntList(8);
        boolean previousUnknown = false;
        for (int end = n; end > 0; end = from[end]) {
            boolean unknown = token[end] == vocab.unk;
            if (!(previousUnknown && unknown)) {
                reversed.add(token[end]);
            }
            previousUnknown = unknown;
        }
        for (int i = reversed.size() - 1; i >= 0; i--) {
            out.add(reversed.get(i));
        }
    }

    /**
     * SentencePiece's normalization: user-defined pieces pass unchanged, the precompiled map replaces
     * the longest prefix it knows, and spaces become U+2581 (one in front when {@code add_space_prefix};
     * runs collapsed and ends trimmed when {@code remove_extra_whitespaces}).
     */
    String normalize(String text) {
        StringBuilder mapped = new StringBuilder(text.length() + 4);
        for (int i = 0; i < text.length(); ) {
            int user = longestUserDefined(text, i);
            if (user > 0) {
                mapped.append(text, i, i + user);
                i += user;
                continue;
            }
            int cpEnd = i + Character.charCount(text.codePointAt(i));
            if (charsmap == null) {
                mapped.append(text, i, cpEnd);
                i = cpEnd;
                continue;
            }
            // the map works on UTF-8 prefixes; it is applied to the rest up to the next user-defined piece
            int stop = cpEnd;
            while (stop < text.length() && longestUserDefined(text, stop) == 0) {
                stop += Character.charCount(text.codePointAt(stop));
            }
            mapped.append(charsmap.normalizeLongestMatch(text.substring(i, stop)));
            i = stop;
        }
        boolean prepend = vocab.addSpacePrefix;
        boolean merge = vocab.extras.removeExtraWhitespaces();
        StringBuilder out = new StringBuilder(mapped.length() + 4);
        boolean inWord = false;
        boolean prepended = false;
        for (int i = 0; i < mapped.length(); i++) {
            char c = mapped.charAt(i);
            if (c != ' ') {
                if (!inWord) {
                    inWord = true;
                    if ((prepend && !prepended) || merge) {
                        out.append(SPACE_MARK);
                        prepended = true;
                    }
                }
                out.append(c);
            } else {
                inWord = false;
                if (!merge) {
                    out.append(SPACE_MARK);
                }
            }
        }
        return out.toString();
    }

    private int longestUserDefined(String text, int at) {
        int longest = 0;
        for (int end = at + 1; end <= text.length(); end++) {
            Boolean whole = userPrefixes.get(text.substring(at, end));
            if (whole == null) {
                break;
            }
            if (whole) {
                longest = end - at;
            }
        }
        return longest;
    }
}

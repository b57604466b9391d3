package io.jinfer.loader.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Cuts the special-token texts out of an input before ordinary tokenization, as llama.cpp does:
 * special tokens are tried longest first, each one splitting every text fragment left over by the
 * longer ones. User-defined tokens are always matched; control and unknown tokens only when the
 * caller asks to parse special tokens.
 */
final class SpecialTokenSplitter {
    /** A piece of the input: either a token id already decided, or a range of text still to tokenize. */
    record Fragment(int token, int start, int end) {
        static Fragment text(int start, int end) {
            return new Fragment(-1, start, end);
        }

        static Fragment special(int token) {
            return new Fragment(token, 0, 0);
        }

        boolean isText() {
            return token < 0;
        }
    }

    private final Vocabulary vocab;
    /** Candidate ids, longest text first (ties by id, so the order is deterministic). */
    private final int[] candidates;

    SpecialTokenSplitter(Vocabulary vocab) {
        this.vocab = vocab;
        this.candidates = IntStream.range(0, vocab.size())
                .filter(i -> isSpecialCandidate(vocab.types[i]))
                .boxed()
                .sorted(Comparator.<Integer>comparingInt(i -> -vocab.texts[i].length()).thenComparingInt(i -> i))
                .mapToInt(Integer::intValue)
                .toArray();
    }

    /** @return whether tokens of this type are matched in the input before tokenization */
    static boolean isSpecialCandidate(TokenType type) {
        return type == TokenType.CONTROL || type == TokenType.USER_DEFINED || type == TokenType.UNKNOWN;
    }

    /**
     * @param text the input
     * @param parseSpecial whether control and unknown tokens are matched too
     * @return the fragments in input order (empty for empty input)
     */
    List<Fragment> split(String text, boolean parseSpecial) {
        List<Fragment> fragments = new ArrayList<>();
        if (text.isEmpty()) {
            return fragments;
        }
        fragments.add(Fragment.text(0, text.length()));
        for (int id : candidates) {
            TokenType type = vocab.types[id];
            if (!parseSpecial && type != TokenType.USER_DEFINED) {
                continue;
            }
            String special = vocab.texts[id];
            if (!containsIn(text, fragments, special)) {
                continue;
            }
            fragments = splitOn(text, fragments, id, special);
        }
        return fragments;
    }

    private static boolean containsIn(String text, List<Fragment> fragments, String special) {
        for (Fragment f : fragments) {
            if (f.isText()) {
                int at = text.indexOf(special, f.start());
                if (at >= 0 && at + special.length() <= f.end()) {
                    return true;
                }
            }
        }
        return false;
    }

    private List<Fragment> splitOn(String text, List<Fragment> fragments, int id, String special) {
        List<Fragment> out = new ArrayList<>(fragments.size() + 4);
        for (Fragment f : fragments) {
            if (!f.isText()) {
                out.add(f);
                continue;
            }
            int from = f.start();
            int end = f.end();
            while (true) {
                int at = text.indexOf(special, from);
                if (at < 0 || at + special.length() > end) {
                    if (from < end) {
                        out.add(Fragment.text(from, end));
                    }
                    break;
                }
                int leftEnd = at;
                if (vocab.lstrip[id]) {
                    while (leftEnd > from && isAsciiSpace(text.charAt(leftEnd - 1))) {
                        leftEnd--;
                    }
                }
                if (leftEnd > from) {
                    out.add(Fragment.text(from, leftEnd));
                }
                out.add(Fragment.special(id));
                from = at + special.length();
                if (vocab.rstrip[id]) {
                    while (from < end && isAsciiSpace(text.charAt(from))) {
                        from++;
                    }
                }
            }
        }
        return out;
    }

    /** C's isspace in the "C" locale, which llama.cpp uses for stripping. */
    static boolean isAsciiSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
    }
}

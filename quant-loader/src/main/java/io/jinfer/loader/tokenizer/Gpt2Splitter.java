package io.jinfer.loader.tokenizer;

import static io.jinfer.loader.tokenizer.CodepointClasses.isLetter;
import static io.jinfer.loader.tokenizer.CodepointClasses.isNumber;
import static io.jinfer.loader.tokenizer.CodepointClasses.isWhitespace;

/**
 * GPT-2's pre-tokenizer, {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+},
 * written out by hand as llama.cpp runs it (a regex engine gives the same spans, only slower).
 */
final class Gpt2Splitter implements SplitStep {
    static final Gpt2Splitter INSTANCE = new Gpt2Splitter();

    private Gpt2Splitter() {}

    @Override
    public void splitRange(int[] cps, int from, int to, IntList out) {
        int tokenStart = from;
        int pos = from;
        while (pos < to) {
            int c = cps[pos];
            int contraction = contractionLength(cps, pos, to);
            if (contraction > 0) {
                pos += contraction;
            } else {
                // the letter, number and "other" runs may each start with one space
                int probe = c == ' ' ? pos + 1 : pos;
                int p = probe < to ? cps[probe] : -1;
                if (p >= 0 && isLetter(p)) {
                    pos = probe;
                    while (pos < to && isLetter(cps[pos])) {
                        pos++;
                    }
                } else if (p >= 0 && isNumber(p)) {
                    pos = probe;
                    while (pos < to && isNumber(cps[pos])) {
                        pos++;
                    }
                } else if (p >= 0 && isOther(p)) {
                    pos = probe;
                    while (pos < to && isOther(cps[pos])) {
                        pos++;
                    }
                } else {
                    int spaces = 0;
                    while (pos + spaces < to && isWhitespace(cps[pos + spaces])) {
                        spaces++;
                    }
                    if (spaces > 1 && pos + spaces < to) {
                        // \s+(?!\S): leave the last space to prefix the word that follows
                        pos += spaces - 1;
                    } else if (spaces > 0) {
                        pos += spaces;
                    } else {
                        pos++;
                    }
                }
            }
            out.add(pos - tokenStart);
            tokenStart = pos;
        }
    }

    /** @return the length of a case-sensitive English contraction at {@code pos}, or 0 */
    private static int contractionLength(int[] cps, int pos, int to) {
        if (cps[pos] != '\'' || pos + 1 >= to) {
            return 0;
        }
        int a = cps[pos + 1];
        if (a == 's' || a == 't' || a == 'm' || a == 'd') {
            return 2;
        }
        if (pos + 2 < to) {
            int b = cps[pos + 2];
            if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) {
                return 3;
            }
        }
        return 0;
    }

    static boolean isOther(int cp) {
        return !isWhitespace(cp) && !isLetter(cp) && !isNumber(cp);
    }
}

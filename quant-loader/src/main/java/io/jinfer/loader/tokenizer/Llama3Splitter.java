package io.jinfer.loader.tokenizer;

import static io.jinfer.loader.tokenizer.CodepointClasses.isLetter;
import static io.jinfer.loader.tokenizer.CodepointClasses.isNumber;
import static io.jinfer.loader.tokenizer.CodepointClasses.isWhitespace;
import static io.jinfer.loader.tokenizer.CodepointClasses.toLower;

/**
 * Llama 3's pre-tokenizer, {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
 * ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+}, written out by hand as llama.cpp runs it.
 */
final class Llama3Splitter implements SplitStep {
    static final Llama3Splitter INSTANCE = new Llama3Splitter();

    private Llama3Splitter() {}

    @Override
    public void splitRange(int[] cps, int from, int to, IntList out) {
        int tokenStart = from;
        int pos = from;
        while (pos < to) {
            int c = cps[pos];
            int contraction = contractionLength(cps, pos, to);
            if (contraction > 0) {
                pos += contraction;
                tokenStart = emit(out, tokenStart, pos);
                continue;
            }
            // [^\r\n\p{L}\p{N}]?\p{L}+
            if (!(c == '\r' || c == '\n' || isNumber(c))
                    && (isLetter(c) || (pos + 1 < to && isLetter(cps[pos + 1])))) {
                pos++;
                while (pos < to && isLetter(cps[pos])) {
                    pos++;
                }
                tokenStart = emit(out, tokenStart, pos);
                continue;
            }
            // \p{N}{1,3}
            if (isNumber(c)) {
                while (pos < to && isNumber(cps[pos])) {
                    pos++;
                    if (pos - tokenStart >= 3) {
                        tokenStart = emit(out, tokenStart, pos);
                    }
                }
                tokenStart = emit(out, tokenStart, pos);
                continue;
            }
            // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
            int probe = c == ' ' ? pos + 1 : pos;
            if (probe < to && Gpt2Splitter.isOther(cps[probe])) {
                pos = probe;
                while (pos < to && Gpt2Splitter.isOther(cps[pos])) {
                    pos++;
                }
                while (pos < to && (cps[pos] == '\r' || cps[pos] == '\n')) {
                    pos++;
                }
                tokenStart = emit(out, tokenStart, pos);
                continue;
            }
            int spaces = 0;
            int afterLastNewline = -1;
            while (pos + spaces < to && isWhitespace(cps[pos + spaces])) {
                int w = cps[pos + spaces];
                if (w == '\r' || w == '\n') {
                    afterLastNewline = pos + spaces + 1;
                }
                spaces++;
            }
            if (afterLastNewline >= 0) {
                // \s*[\r\n]+
                pos = afterLastNewline;
            } else if (spaces > 1 && pos + spaces < to) {
                // \s+(?!\S)
                pos += spaces - 1;
            } else if (spaces > 0) {
                pos += spaces;
            } else {
                pos++;
            }
            tokenStart = emit(out, tokenStart, pos);
        }
    }

    private static int emit(IntList out, int tokenStart, int pos) {
        if (pos > tokenStart) {
            out.add(pos - tokenStart);
        }
        return pos;
    }

    /** @return the length of a case-insensitive English contraction at {@code pos}, or 0 */
    private static int contractionLength(int[] cps, int pos, int to) {
        if (cps[pos] != '\'' || pos + 1 >= to) {
            return 0;
        }
        int a = toLower(cps[pos + 1]);
        if (a == 's' || a == 't' || a == 'm' || a == 'd') {
            return 2;
        }
        if (pos + 2 < to) {
            int b = toLower(cps[pos + 2]);
            if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) {
                return 3;
            }
        }
        return 0;
    }
}

package io.jinfer.loader.quant;

import io.jinfer.loader.gguf.GgufTensorInfo;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;

/**
 * The order in which llama.cpp's model loader lists tensors, and so the order llama-quantize writes
 * them in: tensors outside the layers first, then layer by layer ({@code blk.N.}, by N), each group
 * sorted by name (byte-wise). Writing the same order makes jinfer's output byte-identical to
 * llama-quantize's.
 */
final class LlamaTensorOrder {
    /** Compares tensor infos by llama.cpp's order. */
    static final Comparator<GgufTensorInfo> COMPARATOR = (a, b) -> compare(a.name(), b.name());

    private static final String LAYER_PREFIX = "blk.";

    private LlamaTensorOrder() {}

    /**
     * @param a a tensor name
     * @param b another
     * @return negative, zero or positive as {@code a} comes before, with or after {@code b}
     */
    static int compare(String a, String b) {
        int la = layer(a);
        int lb = layer(b);
        if (la != lb) {
            return Integer.compare(la, lb);
        }
        return Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @param name a tensor name
     * @return N for a name that starts with {@code blk.N}, else -1
     */
    static int layer(String name) {
        if (!name.startsWith(LAYER_PREFIX)) {
            return -1;
        }
        long n = 0;
        int i = LAYER_PREFIX.length();
        int start = i;
        while (i < name.length() && name.charAt(i) >= '0' && name.charAt(i) <= '9' && n <= Integer.MAX_VALUE) {
            n = n * 10 + (name.charAt(i) - '0');
            i++;
        }
        return i == start || n > Integer.MAX_VALUE ? -1 : (int) n;
    }
}

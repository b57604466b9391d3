package io.jinfer.cli;

import java.util.Locale;

/** Byte counts for people. */
final class Sizes {
    private Sizes() {}

    /**
     * @param bytes a byte count
     * @return it in B, KiB, MiB or GiB with two decimals
     */
    static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.2f %s", v, units[u]);
    }
}

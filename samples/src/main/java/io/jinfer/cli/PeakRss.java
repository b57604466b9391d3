package io.jinfer.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The process's peak resident set size, as Linux reports it. */
final class PeakRss {
    private static final Path STATUS = Path.of("/proc/self/status");

    private PeakRss() {}

    /** @return peak RSS in bytes ({@code VmHWM} of /proc/self/status), or -1 where it is not available */
    static long bytes() {
        try {
            return parse(Files.readString(STATUS));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * @param status the text of /proc/self/status
     * @return the VmHWM value in bytes, or -1 when the line is absent
     */
    static long parse(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("VmHWM:")) {
                String[] parts = line.substring("VmHWM:".length()).trim().split("\\s+");
                long kib = Long.parseLong(parts[0]);
                return parts.length > 1 && parts[1].equalsIgnoreCase("kB") ? kib * 1024 : kib;
            }
        }
        return -1;
    }
}

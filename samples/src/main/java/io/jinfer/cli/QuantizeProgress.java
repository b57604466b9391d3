package io.jinfer.cli;

import io.jinfer.loader.quant.ModelQuantizer;
import io.jinfer.loader.quant.ModelQuantizerListener;
import io.jinfer.loader.quant.ModelQuantizerProgress;
import io.jinfer.loader.quant.ModelQuantizerReport;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The progress of {@code jinfer quantize} on standard error: on a terminal one line redrawn in place
 * ({@code \r}) at most ten times a second, elsewhere (a log, a pipe) one line per tensor.
 */
final class QuantizeProgress implements ModelQuantizerListener {
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintStream err;
    private final boolean terminal;
    private long lastDraw;
    private boolean drawn;
    private int lastLength;
    private boolean lineOpen;

    /**
     * @param err where to draw
     * @param terminal whether {@code err} is a terminal that understands {@code \r}
     */
    QuantizeProgress(PrintStream err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    @Override
    public void progress(ModelQuantizerProgress p) {
        long now = System.nanoTime();
        if (terminal && (!drawn || now - lastDraw >= REDRAW_NANOS)) {
            drawn = true;
            lastDraw = now;
            redraw(status(p) + "  " + p.tensorName());
        }
    }

    @Override
    public void tensorDone(ModelQuantizerReport.TensorStats t, ModelQuantizerProgress p) {
        String line = status(p) + "  " + describe(t);
        if (terminal) {
            redraw(line);
            if (p.tensor() == p.tensorCount()) {
                endLine();
            }
        } else {
            err.println(line);
        }
        err.flush();
    }

    private void redraw(String line) {
        // Spaces wipe what is left of a longer previous line.
        String pad = line.length() < lastLength ? " ".repeat(lastLength - line.length()) : "";
        err.print("\r" + line + pad);
        err.flush();
        lastLength = line.length();
        lineOpen = true;
    }

    /** Ends a line left open by a redraw, so that what follows (an error, say) starts on its own line. */
    void endLine() {
        if (lineOpen) {
            err.println();
            lineOpen = false;
        }
    }

    private static String status(ModelQuantizerProgress p) {
        int width = Integer.toString(p.tensorCount()).length();
        return String.format(Locale.ROOT, "[%" + width + "d/%d] %5.1f%% %8.1f MB/s", p.tensor(), p.tensorCount(),
                100 * p.fraction(), p.megabytesPerSecond());
    }

    private static String describe(ModelQuantizerReport.TensorStats t) {
        String how = t.converted()
                ? ModelQuantizer.targetName(t.sourceFormat()) + " -> " + ModelQuantizer.targetName(t.format())
                : "copied (" + ModelQuantizer.targetName(t.format()) + ")";
        return t.name() + " " + Sizes.human(t.bytesIn()) + " " + how;
    }

    /**
     * Whether standard error is a terminal. Java only says whether standard input and output are
     * ({@link System#console()}), so on Linux the target of file descriptor 2 decides.
     *
     * @return whether to redraw in place
     */
    static boolean stderrIsTerminal() {
        Path fd = Path.of("/proc/self/fd/2");
        if (Files.exists(fd, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try {
                String target = Files.readSymbolicLink(fd).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
            } catch (IOException | UnsupportedOperationException | SecurityException e) {
                return false;
            }
        }
        java.io.Console c = System.console();
        return c != null && c.isTerminal();
    }
}

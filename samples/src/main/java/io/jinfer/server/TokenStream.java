package io.jinfer.server;

import io.jinfer.api.TokenListener;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Hands generated text from the scheduler's thread to the HTTP thread that writes it, without ever
 * blocking the scheduler (a slow client must not stall other sequences), and records the time to the
 * first token and between tokens. Cancelling makes the next {@link #onToken} stop the generation.
 */
final class TokenStream implements TokenListener {
    private final BlockingQueue<String> pieces = new LinkedBlockingQueue<>();
    private final ServerMetrics metrics;
    private final long arrivalNanos;
    private long lastNanos;
    private boolean first = true;
    private volatile boolean cancelled;

    TokenStream(ServerMetrics metrics, long arrivalNanos) {
        this.metrics = metrics;
        this.arrivalNanos = arrivalNanos;
    }

    @Override
    public boolean onToken(int token, String text) {
        long now = System.nanoTime();
        if (first) {
            metrics.firstToken((now - arrivalNanos) / 1e9);
            first = false;
        } else {
            metrics.interToken((now - lastNanos) / 1e9);
        }
        lastNanos = now;
        if (!text.isEmpty()) {
            pieces.add(text);
        }
        return !cancelled;
    }

    /** The next piece of text, waiting at most {@code millis}; {@code null} when none came. */
    String next(long millis) throws InterruptedException {
        return pieces.poll(millis, TimeUnit.MILLISECONDS);
    }

    /** The next piece of text if one is there. */
    String poll() {
        return pieces.poll();
    }

    /** Stops the generation at its next token. */
    void cancel() {
        cancelled = true;
    }
}

package io.jinfer.executor;

import java.util.List;

/**
 * Holds back generated text that might be the start of a stop string, so that a stop string is never
 * streamed to the caller, and finds the first complete one.
 */
final class StopStringMatcher {
    private final List<String> stops;
    private final StringBuilder text = new StringBuilder();
    private int emitted;
    private int stopAt = -1;

    StopStringMatcher(List<String> stops) {
        this.stops = stops;
    }

    /**
     * Adds text and returns what can safely be shown now.
     *
     * @param piece newly decoded text
     * @return text that cannot belong to a stop string
     */
    String accept(String piece) {
        text.append(piece);
        if (stops.isEmpty()) {
            return drain(text.length());
        }
        int first = -1;
        for (String s : stops) {
            int i = text.indexOf(s, Math.max(0, emitted - s.length() + 1));
            if (i >= 0 && (first < 0 || i < first)) {
                first = i;
            }
        }
        if (first >= 0) {
            stopAt = first;
            return drain(first);
        }
        int hold = 0;
        for (String s : stops) {
            for (int len = Math.min(s.length() - 1, text.length() - emitted); len > hold; len--) {
                if (endsWithPrefix(s, len)) {
                    hold = len;
                    break;
                }
            }
        }
        return drain(text.length() - hold);
    }

    private boolean endsWithPrefix(String stop, int len) {
        int start = text.length() - len;
        for (int i = 0; i < len; i++) {
            if (text.charAt(start + i) != stop.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private String drain(int upTo) {
        if (upTo <= emitted) {
            return "";
        }
        String out = text.substring(emitted, upTo);
        emitted = upTo;
        return out;
    }

    /** @return whether a stop string was seen */
    boolean stopped() {
        return stopAt >= 0;
    }

    /** @return held-back text that turned out not to be a stop string (at the end of generation) */
    String flush() {
        return stopped() ? "" : drain(text.length());
    }

    /** @return the generated text without the stop string and what follows it */
    String finalText() {
        return stopped() ? text.substring(0, stopAt) : text.toString();
    }
}

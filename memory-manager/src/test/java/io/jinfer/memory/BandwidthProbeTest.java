package io.jinfer.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BandwidthProbeTest {
    @Test
    void measuresAPositiveFiniteBandwidthForOneAndSeveralThreads() {
        BandwidthProbe.Result r = BandwidthProbe.measure(64L << 20, 2, 2);
        assertEquals(64L << 20, r.bufferBytes());
        assertEquals(2, r.threads());
        assertTrue(Double.isFinite(r.singleThreadGbps()) && r.singleThreadGbps() > 0, "1 thread: " + r);
        assertTrue(Double.isFinite(r.gbps()) && r.gbps() > 0, "2 threads: " + r);
    }

    @Test
    void oneThreadReportsTheSameNumberTwice() {
        BandwidthProbe.Result r = BandwidthProbe.measure(16L << 20, 1, 1);
        assertEquals(r.singleThreadGbps(), r.gbps());
    }

    @Test
    void ceilingIsBandwidthOverBytesPerToken() {
        BandwidthProbe.Result r = new BandwidthProbe.Result(1 << 30, 2, 10, 20);
        // 20 GB/s over 0.5 GB per token: 40 tokens/s.
        assertEquals(40.0, r.ceilingTokensPerSecond(500_000_000L), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> r.ceilingTokensPerSecond(0));
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> BandwidthProbe.measure(1 << 20, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> BandwidthProbe.measure(1 << 20, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> BandwidthProbe.measure(100, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> BandwidthProbe.cached(0));
    }

    @Test
    void cachedResultIsMeasuredOnce() {
        // The full-size probe takes a few seconds; measure it once and check the cache returns it again.
        BandwidthProbe.Result first = BandwidthProbe.cached(1);
        assertSame(first, BandwidthProbe.cached(1));
        assertEquals(BandwidthProbe.DEFAULT_BYTES, first.bufferBytes());
        assertTrue(first.gbps() > 0 && Double.isFinite(first.gbps()), first.toString());
    }
}

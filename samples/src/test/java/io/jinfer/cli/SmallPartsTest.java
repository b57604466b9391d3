package io.jinfer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.loader.gguf.GgufMetadata;
import io.jinfer.loader.gguf.GgufValueType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Median, peak RSS parsing, byte sizes and metadata rendering. */
class SmallPartsTest {

    @Test
    void medianOfOddAndEvenCounts() {
        assertEquals(3, Stats.median(new double[] {5, 1, 3}));
        assertEquals(2.5, Stats.median(new double[] {4, 1, 3, 2}));
        assertEquals(7, Stats.median(new double[] {7}));
        assertThrows(IllegalArgumentException.class, () -> Stats.median(new double[0]));
    }

    @Test
    void peakRssComesFromVmHwm() {
        assertEquals(2048L * 1024, PeakRss.parse("Name:\tjava\nVmPeak:\t 9999 kB\nVmHWM:\t    2048 kB\nVmRSS:\t 1 kB\n"));
        assertEquals(-1, PeakRss.parse("Name:\tjava\n"));
        if (System.getProperty("os.name").toLowerCase().contains("linux")) {
            assertTrue(PeakRss.bytes() > 1 << 20, "a JVM uses more than 1 MiB");
        }
    }

    @Test
    void humanSizes() {
        assertEquals("512 B", Sizes.human(512));
        assertEquals("1.50 KiB", Sizes.human(1536));
        assertEquals("2.00 GiB", Sizes.human(2L << 30));
    }

    @Test
    void longArraysShowTheirFirstItemsAndTheCount() {
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            tokens.add("t" + i);
        }
        var e = new GgufMetadata.Entry(GgufValueType.ARRAY, GgufValueType.STRING, tokens);
        assertEquals("array<string>[100]", MetadataFormatter.typeName(e));
        String v = MetadataFormatter.value(e);
        assertTrue(v.startsWith("[\"t0\", \"t1\", "), v);
        assertTrue(v.contains("\"t7\""), v);
        assertTrue(!v.contains("\"t8\""), v);
        assertTrue(v.endsWith("(100 items)]"), v);

        var shortArray = new GgufMetadata.Entry(GgufValueType.ARRAY, GgufValueType.INT32, new long[] {1, -2, 3});
        assertEquals("[1, -2, 3]", MetadataFormatter.value(shortArray));
    }

    @Test
    void scalarsPrintAsTheirFileTypes() {
        assertEquals("1.0E-5", MetadataFormatter.value(new GgufMetadata.Entry(GgufValueType.FLOAT32, null, (double) 1e-5f)));
        assertEquals("18446744073709551615", MetadataFormatter.value(new GgufMetadata.Entry(GgufValueType.UINT64, null, -1L)));
        assertEquals("\"a\\nb\\\"\"", MetadataFormatter.value(new GgufMetadata.Entry(GgufValueType.STRING, null, "a\nb\"")));
        String longText = "x".repeat(MetadataFormatter.STRING_CHARS_SHOWN + 10);
        assertTrue(MetadataFormatter.value(new GgufMetadata.Entry(GgufValueType.STRING, null, longText))
                .endsWith("(" + longText.length() + " chars)"));
    }
}

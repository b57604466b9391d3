package io.jinfer.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.DeviceInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostDeviceTest {

    @Test
    void readsTotalAndAvailableMemory(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("meminfo");
        Files.writeString(f, "MemTotal:       24000000 kB\nMemFree:  100 kB\nMemAvailable:   20000000 kB\n");
        long[] m = HostDevice.memInfo(f);
        assertEquals(24_000_000L * 1024, m[0]);
        assertEquals(20_000_000L * 1024, m[1]);
        long[] missing = HostDevice.memInfo(dir.resolve("absent"));
        assertEquals(-1, missing[0]);
        assertEquals(-1, missing[1]);
    }

    @Test
    void describesTheHostWithAGivenBandwidth() {
        DeviceInfo d = HostDevice.describe(2, 12e9);
        assertEquals("cpu", d.id());
        assertEquals(DeviceInfo.Kind.CPU, d.kind());
        assertEquals(12e9, d.memoryBandwidth());
        assertTrue(d.readsHostMemoryInPlace());
        assertTrue(d.memoryBytes() > 0);
        assertTrue(d.availableBytes() > 0 && d.availableBytes() <= d.memoryBytes());
        assertTrue(HostDevice.cacheKey(3).contains(".threads3."), HostDevice.cacheKey(3));
    }

    @Test
    void probeCacheSurvivesCorruptionAndIgnoresImplausibleValues(@TempDir Path dir) throws Exception {
        ProbeCache c = new ProbeCache(dir.resolve("sub").resolve("probes.properties"));
        assertFalse(c.get("k", 0, 10).isPresent());
        assertTrue(c.put("k", 5.5));
        assertTrue(c.put("other", 99));
        assertEquals(5.5, c.get("k", 0, 10).getAsDouble());
        assertFalse(c.get("other", 0, 10).isPresent(), "outside the plausible range");
        Files.writeString(c.file(), "k=not a number\n\\u00zz broken");
        assertFalse(c.get("k", 0, 10).isPresent());
        assertTrue(c.put("k", 1.0));
        assertEquals(1.0, c.get("k", 0, 10).getAsDouble());
        try (var files = Files.list(c.file().getParent())) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }
}

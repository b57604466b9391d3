package io.jinfer.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MappedFileTest {
    @TempDir
    Path dir;

    @Test
    void missingFileNamesThePathAndTheReason() {
        Path missing = dir.resolve("nope.gguf");
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> MappedFile.open(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        assertTrue(e.getCause() instanceof NoSuchFileException);
    }

    @Test
    void directoryIsRefusedClearly() {
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> MappedFile.open(dir));
        assertTrue(e.getMessage().contains("directory"), e.getMessage());
    }

    @Test
    void emptyFileMapsToAnEmptySegmentThatDiesWithTheMapping() throws Exception {
        Path empty = Files.createFile(dir.resolve("empty"));
        MappedFile m = MappedFile.open(empty);
        MemorySegment seg = m.segment();
        assertEquals(0, m.size());
        assertEquals(0, seg.byteSize());
        assertThrows(IndexOutOfBoundsException.class, () -> seg.get(ValueLayout.JAVA_BYTE, 0));
        m.close();
        assertTrue(m.isClosed());
        assertFalse(seg.scope().isAlive(), "the empty segment shares the mapping's lifetime");
    }

    @Test
    void contentIsMappedReadOnly() throws Exception {
        Path f = dir.resolve("data");
        Files.write(f, new byte[] {1, 2, 3, 4, 5});
        try (MappedFile m = MappedFile.open(f)) {
            assertEquals(f, m.path());
            assertEquals(5, m.size());
            assertTrue(m.segment().isMapped());
            assertTrue(m.segment().isReadOnly());
            assertEquals(4, m.segment().get(ValueLayout.JAVA_BYTE, 3));
            assertThrows(IllegalArgumentException.class,
                    () -> m.segment().set(ValueLayout.JAVA_BYTE, 0, (byte) 9));
        }
    }

    @Test
    void accessAfterCloseAndCloseTwiceFailCleanly() throws Exception {
        Path f = dir.resolve("data");
        Files.write(f, new byte[64]);
        MappedFile m = MappedFile.open(f);
        MemorySegment slice = m.segment().asSlice(8, 8);
        m.close();
        assertThrows(IllegalStateException.class, () -> slice.get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
        IllegalStateException seg = assertThrows(IllegalStateException.class, m::segment);
        assertTrue(seg.getMessage().contains(f.toString()), seg.getMessage());
        IllegalStateException twice = assertThrows(IllegalStateException.class, m::close);
        assertTrue(twice.getMessage().contains(f.toString()) && twice.getMessage().contains("already"),
                twice.getMessage());
        assertEquals(64, m.size());
    }

    /** @return resident kB of this process's mappings of {@code file}, from /proc/self/smaps */
    private static long residentKb(Path file) throws Exception {
        long kb = 0;
        boolean inFile = false;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
                inFile = line.endsWith(file.toString());
            } else if (inFile && line.startsWith("Rss:")) {
                kb += Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return kb;
    }

    @Test
    void populatingMapsEveryPageAndKeepsTheContent() throws Exception {
        Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/self/smaps")), "needs Linux /proc/self/smaps");
        Path f = dir.resolve("weights");
        byte[] data = new byte[40 << 20];
        new java.util.Random(3).nextBytes(data);
        Files.write(f, data);
        try (MappedFile m = MappedFile.open(f)) {
            long before = residentKb(f);
            m.populateInBackground();
            m.populateInBackground(); // a second call starts nothing more
            assertTrue(m.awaitPopulation(30_000), "population did not end");
            long after = residentKb(f);
            assertTrue(after >= (40 << 10) - 64, "resident " + before + " -> " + after + " kB of a 40 MiB file");
            assertEquals(data[12345], m.segment().get(ValueLayout.JAVA_BYTE, 12345));
            assertEquals(data[data.length - 1], m.segment().get(ValueLayout.JAVA_BYTE, data.length - 1));
        }
    }

    @Test
    void closingDuringPopulationStopsItCleanly() throws Exception {
        Path f = dir.resolve("sparse");
        try (var raf = new java.io.RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(1L << 30); // a sparse GiB: population takes a while
        }
        MappedFile m = MappedFile.open(f);
        m.populateInBackground();
        m.close();
        assertTrue(m.awaitPopulation(0), "the population thread outlived close()");
        assertThrows(IllegalStateException.class, m::segment);
        m.populateInBackground(); // after close: nothing happens
        assertTrue(m.awaitPopulation(0));
    }

    @Test
    void madviseIsBoundOnLinux() {
        Assumptions.assumeTrue(System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).contains("linux"),
                "madvise exists only on Linux");
        assertTrue(PageAdvice.available(), "madvise not bound: is native access enabled for the tests?");
    }
}

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
}

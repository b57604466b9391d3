package io.jinfer.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class ZeroPagesTest {
    @Test
    void memoryIsZeroWritableAndGoneWhenTheArenaCloses() {
        MemorySegment seg;
        try (Arena arena = Arena.ofShared()) {
            seg = ZeroPages.allocate(arena, 3 * 4096 + 100);
            assertEquals(3 * 4096 + 100, seg.byteSize());
            assertEquals(0, seg.address() % 64, "alignment");
            for (long i = 0; i < seg.byteSize(); i += 511) {
                assertEquals(0, seg.get(ValueLayout.JAVA_BYTE, i), "byte " + i);
            }
            seg.setAtIndex(ValueLayout.JAVA_LONG, 5, 42L);
            seg.set(ValueLayout.JAVA_BYTE, seg.byteSize() - 1, (byte) 7);
            assertEquals(42L, seg.getAtIndex(ValueLayout.JAVA_LONG, 5));
            assertEquals(7, seg.get(ValueLayout.JAVA_BYTE, seg.byteSize() - 1));
        }
        MemorySegment closed = seg;
        assertThrows(IllegalStateException.class, () -> closed.get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void absurdSizesAreRefused() {
        try (Arena arena = Arena.ofConfined()) {
            assertThrows(IllegalArgumentException.class, () -> ZeroPages.allocate(arena, 0));
            assertThrows(IllegalArgumentException.class, () -> ZeroPages.allocate(arena, -5));
        }
    }

    @Test
    void pagesBecomeResidentOnlyWhenWritten() throws IOException {
        Assumptions.assumeTrue(ZeroPages.onDemand(), "needs mmap (Linux): memory here is zeroed up front");
        Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/self/statm")), "needs /proc/self/statm");
        long size = 512L << 20;
        try (Arena arena = Arena.ofShared()) {
            long before = residentBytes();
            MemorySegment seg = ZeroPages.allocate(arena, size);
            long afterAllocate = residentBytes();
            assertTrue(afterAllocate - before < (64L << 20),
                    "allocating 512 MiB made " + ((afterAllocate - before) >> 20) + " MiB resident");
            for (long i = 0; i < (128L << 20); i += 4096) {
                seg.set(ValueLayout.JAVA_BYTE, i, (byte) 1);
            }
            long afterTouch = residentBytes();
            assertTrue(afterTouch - afterAllocate > (96L << 20),
                    "writing 128 MiB made only " + ((afterTouch - afterAllocate) >> 20) + " MiB resident");
        }
    }

    private static long residentBytes() throws IOException {
        String[] fields = Files.readString(Path.of("/proc/self/statm")).trim().split("\\s+");
        return Long.parseLong(fields[1]) * 4096;
    }
}

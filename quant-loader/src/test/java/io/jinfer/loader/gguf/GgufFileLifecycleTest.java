package io.jinfer.loader.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.spi.TensorView;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tensor views are slices of the mapping, and closing the file makes them fail cleanly. */
class GgufFileLifecycleTest {
    @TempDir
    Path dir;

    private Path write() {
        Path f = dir.resolve("m.gguf");
        new GgufWriter().putString("general.architecture", "llama")
                .addTensor("a", QuantFormat.F32, new long[] {8}, new byte[32])
                .addTensor("b", QuantFormat.Q8_0, new long[] {64, 2}, new byte[136])
                .write(f);
        return f;
    }

    @Test
    void viewsAreZeroCopySlicesOfTheMapping() {
        try (GgufFile g = GgufFile.open(write())) {
            MemorySegment whole = g.mapping().segment();
            for (GgufTensorInfo info : g.tensorInfos()) {
                MemorySegment data = g.tensor(info.name()).data();
                assertTrue(data.isMapped(), info.name());
                assertTrue(data.isReadOnly(), info.name());
                assertEquals(whole.address() + g.dataOffset() + info.offset(), data.address(), info.name());
                assertTrue(data.address() + data.byteSize() <= whole.address() + whole.byteSize(), info.name());
                assertEquals(whole.scope(), data.scope(), "the view lives exactly as long as the mapping");
            }
        }
    }

    @Test
    void viewAccessAfterCloseThrowsIllegalState() {
        GgufFile g = GgufFile.open(write());
        TensorView a = g.tensor("a");
        assertEquals(0f, a.data().get(ValueLayout.JAVA_FLOAT_UNALIGNED, 0));
        g.close();
        assertTrue(g.isClosed());
        assertThrows(IllegalStateException.class, () -> a.data().get(ValueLayout.JAVA_FLOAT_UNALIGNED, 0));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> g.tensor("b"));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertEquals("llama", g.metadata().getString("general.architecture"), "metadata lives on the heap");
    }

    @Test
    void closingTwiceIsAClearError() {
        Path f = write();
        GgufFile g = GgufFile.open(f);
        g.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, g::close);
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("already closed"),
                e.getMessage());
    }

    @Test
    void missingFileIsAnIoError() {
        Path missing = dir.resolve("missing.gguf");
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> GgufFile.open(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }
}

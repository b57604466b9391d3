package io.jinfer.loader.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.QuantFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** The writer refuses bad input with messages naming the key or tensor, and never leaves a partial file. */
class GgufWriterValidationTest {
    @TempDir
    Path dir;

    private static void refused(Executable e, String... fragments) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        for (String f : fragments) {
            assertTrue(x.getMessage().contains(f), () -> "\"" + f + "\" missing from: " + x.getMessage());
        }
    }

    @Test
    void refusesBadMetadata() {
        GgufWriter w = new GgufWriter().putString("k", "v");
        refused(() -> w.putString("k", "again"), "k", "duplicate metadata key");
        refused(() -> w.putUint8("u8", 256), "u8", "256", "UINT8");
        refused(() -> w.putInt8("i8", -129), "i8", "INT8");
        refused(() -> w.putUint32("u32", -1), "u32", "UINT32");
        refused(() -> w.put("s", GgufValueType.STRING, 5L), "s", "STRING", "Long");
        refused(() -> w.put("f", GgufValueType.FLOAT32, 1L), "f", "FLOAT32");
        refused(() -> w.put("a", GgufValueType.ARRAY, List.of()), "a", "element type");
        refused(() -> w.putArray("arr", GgufValueType.FLOAT32, new double[1]), "arr", "float[]");
        refused(() -> w.putArray("arr", GgufValueType.UINT16, new long[] {1, 70000}), "arr[1]", "UINT16");
        refused(() -> w.putArray("arr", GgufValueType.STRING, List.of("a", 3)), "arr[1]", "String");
        refused(() -> w.putArray("arr", GgufValueType.ARRAY, List.of("flat")), "arr[0]", "nested array");
        refused(() -> w.alignment(48), "general.alignment", "power of two", "48");
        refused(() -> w.putInt32("general.alignment", 32), "general.alignment", "UINT32");
        refused(() -> w.version(1), "2 or 3");
    }

    @Test
    void refusesBadTensors() {
        GgufWriter w = new GgufWriter().addTensor("t", QuantFormat.F32, new long[] {2}, new byte[8]);
        refused(() -> w.addTensor("t", QuantFormat.F32, new long[] {2}, new byte[8]), "t", "duplicate tensor name");
        refused(() -> w.addTensor("s", QuantFormat.F32, new long[] {2, 2}, new byte[8]), "s", "needs 16 bytes",
                "8 were given");
        refused(() -> w.addTensor("q", QuantFormat.Q4_0, new long[] {33}, new byte[18]), "q", "blocks of 32");
        refused(() -> w.addTensor("z", QuantFormat.F32, new long[] {4, 0}, new byte[0]), "z", "dimension 1");
        refused(() -> w.addTensor("n", QuantFormat.F32, new long[0], new byte[0]), "n", "1 to 4 dimensions");
        refused(() -> w.addTensor("five", QuantFormat.F32, new long[] {1, 1, 1, 1, 1}, new byte[4]), "five");
        refused(() -> w.addTensor("o", QuantFormat.F32, new long[] {1L << 32, 1L << 32}, new byte[0]), "o",
                "overflow");
    }

    @Test
    void aFailingCallbackLeavesNoFileAndKeepsTheOldOne() throws IOException {
        Path target = dir.resolve("model.gguf");
        Files.writeString(target, "previous");
        GgufWriter shortWrite = new GgufWriter().addTensor("t", QuantFormat.F32, new long[] {4},
                out -> out.write(new byte[12]));
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> shortWrite.write(target));
        assertTrue(e.getMessage().contains(target.toString()) && e.getMessage().contains("12"), e.getMessage());
        GgufWriter longWrite = new GgufWriter().addTensor("t", QuantFormat.F32, new long[] {4},
                out -> out.write(new byte[20]));
        assertThrows(UncheckedIOException.class, () -> longWrite.write(target));
        GgufWriter throwing = new GgufWriter().addTensor("t", QuantFormat.F32, new long[] {4}, out -> {
            out.write(1);
            throw new IOException("disk on fire");
        });
        assertTrue(assertThrows(UncheckedIOException.class, () -> throwing.write(target)).getMessage()
                .contains("disk on fire"));
        assertEquals("previous", Files.readString(target));
        assertEquals(List.of(target), Files.list(dir).toList(), "no temporary file is left behind");
    }

    @Test
    void writtenFileHasOrdinaryPermissions() throws IOException {
        Path f = dir.resolve("perm.gguf");
        new GgufWriter().putBool("b", true).write(f);
        if (Files.getFileStore(f).supportsFileAttributeView(PosixFileAttributeView.class)) {
            assertEquals(PosixFilePermissions.fromString("rw-r--r--"), Files.getPosixFilePermissions(f));
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-rw----"));
            new GgufWriter().putBool("b", false).write(f);
            assertEquals(PosixFilePermissions.fromString("rw-rw----"), Files.getPosixFilePermissions(f),
                    "replacing a file keeps its permissions");
        }
        try (GgufFile g = GgufFile.open(f)) {
            assertEquals(false, g.metadata().getBoolean("b", true));
        }
    }

    @Test
    void streamsALargeTensorThroughTheCallback() throws Exception {
        long rows = 1024;
        int rowBytes = 8192;
        Path f = dir.resolve("big.gguf");
        MessageDigest written = MessageDigest.getInstance("SHA-256");
        new GgufWriter().version(2).alignment(64)
                .addTensor("big", QuantFormat.F32, new long[] {rowBytes / 4, rows}, out -> {
                    Random rnd = new Random(7);
                    byte[] row = new byte[rowBytes];
                    for (long r = 0; r < rows; r++) {
                        rnd.nextBytes(row);
                        written.update(row);
                        out.write(row);
                    }
                })
                .addTensor("tail", QuantFormat.F32, new long[] {1}, new byte[] {1, 2, 3, 4})
                .write(f);
        try (GgufFile g = GgufFile.open(f)) {
            MessageDigest read = MessageDigest.getInstance("SHA-256");
            read.update(g.tensor("big").data().asByteBuffer());
            assertArrayEquals(written.digest(), read.digest());
            assertArrayEquals(new byte[] {1, 2, 3, 4}, g.tensor("tail").data().toArray(ValueLayout.JAVA_BYTE));
            assertEquals(2, g.version());
        }
    }
}

package io.jinfer.loader.safetensors;

import static io.jinfer.loader.safetensors.RawSafetensors.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.ModelFormatException;
import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.LittleEndian;
import io.jinfer.api.spi.TensorView;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Round trips through the writer, and one failing test per malformed header, each naming file, offset and field. */
class SafetensorsFileTest {
    @TempDir
    Path dir;

    private Path twoTensors() {
        Path f = dir.resolve("ok.safetensors");
        new SafetensorsWriter().putMetadata("format", "pt")
                .addF32("w", new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6})
                .add("b", SafetensorsDtype.BF16, new long[] {3}, new byte[] {0, 0x3f, (byte) 0x80, 0x3f, 0, 0x40})
                .write(f);
        return f;
    }

    @Test
    void writtenFileReadsBackAsZeroCopyViews() throws IOException {
        Path f = twoTensors();
        try (SafetensorsFile st = SafetensorsFile.open(f)) {
            assertEquals(Map.of("format", "pt"), st.metadata());
            assertEquals(List.of("w", "b"), st.names());
            assertEquals(0, st.dataOffset() % 8, "the header is padded to 8 bytes");
            SafetensorsTensor w = st.tensor("w");
            assertEquals(SafetensorsDtype.F32, w.dtype());
            assertArrayEquals(new long[] {2, 3}, w.shape());
            assertArrayEquals(new long[] {3, 2}, w.ggmlShape(), "[out, in] becomes ggml's [in, out]");
            TensorView v = w.toView();
            assertEquals(QuantFormat.F32, v.format());
            assertEquals(3, v.columns());
            assertEquals(2, v.rows());
            assertEquals(6f, v.data().getAtIndex(LittleEndian.FLOAT, 5));
            assertTrue(v.data().isMapped(), "the view is a slice of the mapping, not a copy");
            assertEquals(QuantFormat.BF16, st.tensor("b").toView().format());
            assertEquals(Files.size(f), st.dataOffset() + 24 + 6);
        }
    }

    @Test
    void closingUnmapsTheViews() {
        SafetensorsFile st = SafetensorsFile.open(twoTensors());
        MemorySegment data = st.tensor("w").data();
        st.close();
        assertTrue(st.isClosed());
        assertThrows(IllegalStateException.class, () -> data.get(ValueLayout.JAVA_BYTE, 0));
        assertThrows(IllegalStateException.class, () -> st.tensor("w"));
        assertThrows(IllegalStateException.class, st::close);
    }

    @Test
    void u8TensorsHaveNoDirectView() {
        Path f = dir.resolve("u8.safetensors");
        new SafetensorsWriter().add("codes", SafetensorsDtype.U8, new long[] {2, 2}, new byte[4]).write(f);
        try (SafetensorsFile st = SafetensorsFile.open(f)) {
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> st.tensor("codes").toView());
            assertTrue(e.getMessage().contains("quantization description"), e.getMessage());
        }
    }

    @Test
    void missingTensorIsNamed() {
        try (SafetensorsFile st = SafetensorsFile.open(twoTensors())) {
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> st.tensor("nope"));
            assertEquals("nope", e.field());
            assertFalse(st.hasTensor("nope"));
        }
    }

    private ModelFormatException fails(byte[] bytes, long offset, String field, String... fragments) throws IOException {
        Path f = dir.resolve("bad.safetensors");
        Files.write(f, bytes);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SafetensorsFile.open(f).close());
        String m = e.getMessage();
        assertEquals(f, e.file(), m);
        assertEquals(offset, e.offset(), m);
        assertEquals(field, e.field(), m);
        for (String fragment : fragments) {
            assertTrue(m.contains(fragment), () -> "\"" + fragment + "\" missing from: " + m);
        }
        return e;
    }

    @Test
    void fileShorterThanTheLengthField() throws IOException {
        fails(new byte[5], 0, "header length", "5 bytes", "truncated");
    }

    @Test
    void absurdHeaderLength() throws IOException {
        fails(RawSafetensors.of(1L << 40, "{}", 0), 0, "header length", "1099511627776");
        fails(RawSafetensors.of(-1L, "{}", 0), 0, "header length", "18446744073709551615");
    }

    @Test
    void headerLongerThanTheFile() throws IOException {
        fails(RawSafetensors.of(100, "{}", 0), 0, "header length", "100 bytes", "only 2", "truncated");
    }

    @Test
    void malformedJson() throws IOException {
        String h = "{\"a\":{\"dtype\":}";
        // The offset points at the unexpected '}', counted from the start of the file.
        fails(RawSafetensors.of(h, 0), 8 + h.indexOf('}'), "header", "malformed JSON");
    }

    @Test
    void headerThatIsNotAnObject() throws IOException {
        fails(RawSafetensors.of("[1,2]   ", 0), 8, "header", "expected a JSON object");
    }

    @Test
    void trailingTextAfterTheHeader() throws IOException {
        fails(RawSafetensors.of("{} {}", 0), 11, "header", "expected the end of the JSON");
    }

    @Test
    void duplicateTensorNames() throws IOException {
        String h = "{" + tensor("a", "U8", "[1]", 0, 1) + "," + tensor("a", "U8", "[1]", 1, 2) + "}";
        fails(RawSafetensors.of(h, 2), 8 + h.indexOf("\"a\"", 2), "a", "duplicate");
    }

    @Test
    void entryThatIsNotAnObject() throws IOException {
        fails(RawSafetensors.of("{\"a\":3}", 0), 9, "a", "expected an object");
    }

    @Test
    void missingDtype() throws IOException {
        fails(RawSafetensors.of("{\"a\":{\"shape\":[1],\"data_offsets\":[0,1]}}", 1), 9, "a dtype", "nothing");
    }

    @Test
    void unknownDtype() throws IOException {
        fails(RawSafetensors.of("{" + tensor("a", "Q4", "[1]", 0, 1) + "}", 1), 9, "a dtype", "unknown type \"Q4\"");
    }

    @Test
    void subByteDtype() throws IOException {
        fails(RawSafetensors.of("{" + tensor("a", "F4", "[2]", 0, 1) + "}", 1), 9, "a dtype", "less than a byte");
    }

    @Test
    void negativeDimension() throws IOException {
        fails(RawSafetensors.of("{" + tensor("a", "U8", "[-1]", 0, 1) + "}", 1), 9, "a shape", "non-negative");
    }

    @Test
    void offsetsThatAreNotAPair() throws IOException {
        fails(RawSafetensors.of("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1,2]}}", 2), 9,
                "a data_offsets", "array of 2");
    }

    @Test
    void offsetsThatRunBackwards() throws IOException {
        fails(RawSafetensors.of("{" + tensor("a", "U8", "[1]", 2, 1) + "}", 2), 9, "a data_offsets", "begin <= end");
    }

    @Test
    void shapeTimesDtypeDiffersFromTheByteRange() throws IOException {
        fails(RawSafetensors.of("{" + tensor("a", "F32", "[2,3]", 0, 20) + "}", 24), 9, "a data_offsets",
                "needs 24 bytes", "span 20");
    }

    @Test
    void sizeThatOverflows() throws IOException {
        fails(RawSafetensors.of("{" + tensor("a", "F64", "[4611686018427387904,4]", 0, 8) + "}", 8), 9, "a shape",
                "overflows");
    }

    @Test
    void tensorPastTheEndOfTheFile() throws IOException {
        fails(RawSafetensors.of("{" + tensor("a", "F32", "[4]", 0, 16) + "}", 12), 9, "a data_offsets",
                "inside the 12 data bytes", "truncated");
    }

    @Test
    void overlappingTensors() throws IOException {
        String h = "{" + tensor("a", "F32", "[2]", 0, 8) + "," + tensor("b", "F32", "[2]", 4, 12) + "}";
        fails(RawSafetensors.of(h, 12), 8 + h.indexOf("\"b\""), "b data_offsets", "overlapping", "tensor a");
    }

    @Test
    void metadataThatIsNotStrings() throws IOException {
        fails(RawSafetensors.of("{\"__metadata__\":{\"n\":1}}", 0), 9, "__metadata__.n", "expected a string");
    }

    @Test
    void emptyTensorsMayShareAnOffset() throws IOException {
        String h = "{" + tensor("a", "F32", "[0]", 0, 0) + "," + tensor("b", "F32", "[1]", 0, 4) + "}";
        Path f = dir.resolve("empty.safetensors");
        Files.write(f, RawSafetensors.of(h, 4));
        try (SafetensorsFile st = SafetensorsFile.open(f)) {
            assertEquals(0, st.tensor("a").data().byteSize());
            assertEquals(4, st.tensor("b").data().byteSize());
        }
    }

    /** Every proper prefix of a valid file fails with a ModelFormatException, never anything else. */
    @Test
    void everyTruncationFailsCleanly() throws IOException {
        byte[] whole = Files.readAllBytes(twoTensors());
        Path f = dir.resolve("cut.safetensors");
        for (int n = 0; n < whole.length; n++) {
            Files.write(f, Arrays.copyOf(whole, n));
            int len = n;
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> SafetensorsFile.open(f).close(),
                    () -> "prefix of " + len + " bytes");
            assertEquals(f, e.file());
        }
    }
}

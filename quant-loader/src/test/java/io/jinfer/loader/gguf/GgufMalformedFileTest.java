package io.jinfer.loader.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.ModelFormatException;
import io.jinfer.api.QuantFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each malformed case fails at open with a {@link ModelFormatException} whose message names the
 * file, the byte offset, the field, and what was expected and found.
 */
class GgufMalformedFileTest {
    private static final int F32 = QuantFormat.F32.ggmlType();
    private static final int ARRAY = GgufValueType.ARRAY.ordinal();

    @TempDir
    Path dir;

    private ModelFormatException fails(RawGguf raw, long offset, String field, String... fragments) throws IOException {
        return fails(raw.bytes(), offset, field, fragments);
    }

    private ModelFormatException fails(byte[] bytes, long offset, String field, String... fragments)
            throws IOException {
        Path f = dir.resolve("bad.gguf");
        Files.write(f, bytes);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> GgufFile.open(f).close());
        String m = e.getMessage();
        assertEquals(f, e.file(), m);
        assertEquals(offset, e.offset(), m);
        assertEquals(field, e.field(), m);
        assertTrue(m.contains(f.toString()) && m.contains("at byte " + offset + ": " + field + ": "), m);
        for (String fragment : fragments) {
            assertTrue(m.contains(fragment), () -> "\"" + fragment + "\" missing from: " + m);
        }
        return e;
    }

    /** Two F32 tensors and two keys; every case below breaks one thing in a file like it. */
    private static RawGguf valid() {
        return RawGguf.header(3, 2, 2).kvString("general.architecture", "llama").kvU32("general.alignment", 32)
                .tensor("a", F32, 0, 8).tensor("b", F32, 32, 4, 2).pad(32).data(64, 1);
    }

    /** Header with no keys and the given tensor table, then aligned data. */
    private static RawGguf tensors(int count, java.util.function.UnaryOperator<RawGguf> table, int dataBytes) {
        return table.apply(RawGguf.header(3, count, 0)).pad(32).data(dataBytes, 7);
    }

    @Test
    void baselineIsValid() throws IOException {
        Path f = dir.resolve("ok.gguf");
        Files.write(f, valid().bytes());
        try (GgufFile g = GgufFile.open(f)) {
            assertEquals(2, g.tensorInfos().size());
            assertEquals("llama", g.metadata().getString("general.architecture"));
        }
    }

    @Test
    void badMagic() throws IOException {
        byte[] b = valid().bytes();
        b[3] = 'X';
        fails(b, 0, "magic", "expected \"GGUF\"", "found 0x58554747");
    }

    @Test
    void version1() throws IOException {
        fails(RawGguf.header(1, 0, 0), 4, "version", "expected 2 or 3, found 1");
    }

    @Test
    void version99() throws IOException {
        fails(RawGguf.header(99, 0, 0), 4, "version", "expected 2 or 3, found 99");
    }

    @Test
    void bigEndian() throws IOException {
        fails(RawGguf.header(Integer.reverseBytes(3), 0, 0), 4, "version", "found 50331648", "big-endian");
    }

    @Test
    void tensorCountBeyondFile() throws IOException {
        fails(RawGguf.header(3, 1_000_000_000_000L, 0), 8, "tensor_count", "found 1000000000000");
        fails(RawGguf.header(3, -1L, 0), 8, "tensor_count", "found 18446744073709551615");
    }

    @Test
    void kvCountBeyondFile() throws IOException {
        fails(RawGguf.header(3, 0, 5).kvU32("x", 1), 16, "metadata_kv_count", "found 5");
    }

    @Test
    void arrayLengthBeyondFile() throws IOException {
        RawGguf r = RawGguf.header(3, 0, 1).str("arr").u32(ARRAY).u32(GgufValueType.INT32.ordinal()).mark("len")
                .u64(1000).u32(1).u32(2);
        fails(r, r.at("len"), "arr array length", "found 1000", "8 bytes remain");
    }

    @Test
    void keyLengthBeyondFile() throws IOException {
        fails(RawGguf.header(3, 0, 1).u64(500).data(20, 0), 24, "metadata key #0", "string length 500",
                "20 bytes remain");
    }

    @Test
    void stringValueLengthBeyondFile() throws IOException {
        RawGguf r = RawGguf.header(3, 0, 1).str("name").u32(GgufValueType.STRING.ordinal()).mark("v")
                .u64(1L << 40).data(3, 0);
        fails(r, r.at("v"), "name", "string length 1099511627776");
    }

    @Test
    void unknownValueType() throws IOException {
        RawGguf r = RawGguf.header(3, 0, 1).str("k").mark("t").u32(13).u32(0);
        fails(r, r.at("t"), "k type", "unknown metadata value type 13", "expected 0 to 12");
    }

    @Test
    void unknownArrayElementType() throws IOException {
        RawGguf r = RawGguf.header(3, 0, 1).str("k").u32(ARRAY).mark("e").u32(99).u64(0);
        fails(r, r.at("e"), "k element type", "unknown metadata value type 99");
    }

    @Test
    void boolNotZeroOrOne() throws IOException {
        RawGguf r = RawGguf.header(3, 0, 1).str("flag").u32(GgufValueType.BOOL.ordinal()).mark("b").u8(2);
        fails(r, r.at("b"), "flag", "expected a bool (0 or 1), found 2");
        RawGguf arr = RawGguf.header(3, 0, 1).str("flags").u32(ARRAY).u32(GgufValueType.BOOL.ordinal()).u64(3)
                .u8(1).mark("b").u8(0xFF).u8(0);
        fails(arr, arr.at("b"), "flags[1]", "found 255");
    }

    @Test
    void arraysNestedTooDeep() throws IOException {
        RawGguf r = RawGguf.header(3, 0, 1).str("deep").u32(ARRAY);
        for (int i = 0; i < GgufCursor.MAX_NESTING + 1; i++) {
            r.mark("level" + i).u32(ARRAY).u64(1);
        }
        r.u32(ARRAY).u64(0);
        fails(r, r.at("level" + GgufCursor.MAX_NESTING), "deep" + "[0]".repeat(GgufCursor.MAX_NESTING),
                "nested at most " + GgufCursor.MAX_NESTING);
    }

    @Test
    void tensorDataOutOfBounds() throws IOException {
        RawGguf r = tensors(1, t -> t.tensor("a", F32, 64, 8), 32);
        fails(r, r.at("a.offset"), "a offset", "expected the tensor's 32 bytes inside the file", "past its end");
    }

    @Test
    void overlappingTensors() throws IOException {
        RawGguf r = tensors(2, t -> t.tensor("a", F32, 0, 16).tensor("b", F32, 32, 8), 96);
        fails(r, r.at("b.offset"), "b offset", "overlapping", "tensor a");
    }

    @Test
    void misalignedOffset() throws IOException {
        RawGguf r = tensors(1, t -> t.tensor("a", F32, 4, 8), 64);
        fails(r, r.at("a.offset"), "a offset", "expected a multiple of the alignment 32, found 4");
    }

    @ParameterizedTest
    @ValueSource(ints = {77, 4, 31, 41, -1})
    void unknownTensorType(int type) throws IOException {
        RawGguf r = tensors(1, t -> t.tensor("a", type, 0, 8), 64);
        // name (8 + 1) + n_dims (4) + one dimension (8)
        fails(r, r.at("a") + 21, "a type", "unknown tensor type " + Integer.toUnsignedString(type));
    }

    @Test
    void noDimensions() throws IOException {
        RawGguf r = tensors(1, t -> t.tensor("a", F32, 0), 64);
        fails(r, r.at("a") + 9, "a n_dims", "expected 1 to 4 dimensions, found 0");
    }

    @Test
    void fiveDimensions() throws IOException {
        RawGguf r = tensors(1, t -> t.tensor("a", F32, 0, 1, 1, 1, 1, 8), 64);
        fails(r, r.at("a") + 9, "a n_dims", "found 5");
    }

    @Test
    void zeroDimension() throws IOException {
        RawGguf r = tensors(1, t -> t.tensor("a", F32, 0, 8, 0), 64);
        fails(r, r.at("a") + 21, "a ne[1]", "expected a dimension > 0, found 0");
    }

    @Test
    void dimensionOverflow() throws IOException {
        RawGguf r = tensors(1, t -> t.tensor("a", F32, 0, 1L << 32, 1L << 31), 64);
        fails(r, r.at("a") + 21, "a ne[1]", "overflows 2^63", "[4294967296, 2147483648]");
        RawGguf huge = tensors(1, t -> t.tensor("a", F32, 0, -1L), 64);
        fails(huge, huge.at("a") + 13, "a ne[0]", "found 18446744073709551615");
    }

    @Test
    void rowNotWholeBlocks() throws IOException {
        RawGguf r = tensors(1, t -> t.tensor("a", QuantFormat.Q4_0.ggmlType(), 0, 33, 2), 64);
        fails(r, r.at("a") + 13, "a ne[0]", "expected a multiple of 32", "Q4_0", "found 33");
    }

    @Test
    void duplicateTensorNames() throws IOException {
        RawGguf r = tensors(2, t -> t.tensor("a", F32, 0, 8).tensor("a", F32, 32, 8), 64);
        fails(r, r.at("a"), "a", "expected unique tensor names, found a duplicate (tensor #1)");
    }

    @Test
    void duplicateKeys() throws IOException {
        RawGguf r = RawGguf.header(3, 0, 2).kvString("k", "x").mark("second").kvString("k", "y");
        fails(r, r.at("second"), "k", "expected unique metadata keys, found a duplicate");
    }

    @ParameterizedTest
    @ValueSource(ints = {48, 0, 3, -1, 1 << 31})
    void alignmentNotAPowerOfTwo(int alignment) throws IOException {
        RawGguf r = RawGguf.header(3, 0, 1).kvU32("general.alignment", alignment);
        fails(r, r.at("general.alignment"), "general.alignment", "expected a power of two",
                "found " + Integer.toUnsignedString(alignment));
    }

    @Test
    void alignmentOfWrongType() throws IOException {
        RawGguf r = RawGguf.header(3, 0, 1).str("general.alignment").mark("t").u32(GgufValueType.INT32.ordinal())
                .u32(32);
        fails(r, r.at("t"), "general.alignment", "expected a UINT32, found INT32");
    }

    @Test
    void dataSectionMissing() throws IOException {
        RawGguf r = RawGguf.header(3, 1, 0).tensor("a", F32, 0, 8);
        int end = r.size();
        fails(r, end, "tensor data", "expected the data section at " + GgufFile.align(end, 32));
    }
}

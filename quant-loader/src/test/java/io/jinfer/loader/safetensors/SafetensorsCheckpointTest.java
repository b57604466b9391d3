package io.jinfer.loader.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.ModelFormatException;
import io.jinfer.api.format.LittleEndian;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model directories: a single file, shards listed by the index, and indexes that disagree with the shards. */
class SafetensorsCheckpointTest {
    @TempDir
    Path dir;

    private void shard(String file, String... names) {
        SafetensorsWriter w = new SafetensorsWriter();
        for (int i = 0; i < names.length; i++) {
            w.addF32(names[i], new long[] {2}, new float[] {i, file.length()});
        }
        w.write(dir.resolve(file));
    }

    private void index(String weightMap) throws IOException {
        Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX),
                "{\"metadata\":{\"total_size\":0},\"weight_map\":{" + weightMap + "}}");
    }

    @Test
    void shardsListedByTheIndexFormOneTable() throws IOException {
        shard("model-00001-of-00002.safetensors", "a", "b");
        shard("model-00002-of-00002.safetensors", "c");
        index("\"a\":\"model-00001-of-00002.safetensors\",\"b\":\"model-00001-of-00002.safetensors\","
                + "\"c\":\"model-00002-of-00002.safetensors\"");
        try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(dir)) {
            assertEquals(2, ck.files().size(), "each shard mapped once");
            assertEquals(List.of("a", "b", "c"), ck.names());
            assertEquals(1f, ck.tensor("b").data().getAtIndex(LittleEndian.FLOAT, 0));
            assertTrue(ck.tensor("c").file().getFileName().toString().startsWith("model-00002"));
        }
    }

    @Test
    void singleFileWithoutAnIndex() {
        shard(SafetensorsCheckpoint.SINGLE, "x");
        try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(dir)) {
            assertEquals(List.of("x"), ck.names());
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> ck.tensor("y"));
            assertEquals("y", e.field());
        }
    }

    @Test
    void indexNamingAMissingShard() throws IOException {
        shard("one.safetensors", "a");
        index("\"a\":\"one.safetensors\",\"b\":\"two.safetensors\"");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SafetensorsCheckpoint.open(dir));
        assertTrue(e.getMessage().contains("two.safetensors") && e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void indexPlacingATensorInTheWrongShard() throws IOException {
        shard("one.safetensors", "a");
        shard("two.safetensors", "b");
        index("\"a\":\"two.safetensors\",\"b\":\"two.safetensors\"");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SafetensorsCheckpoint.open(dir));
        assertEquals("weight_map.a", e.field());
        assertTrue(e.getMessage().contains("no shard has it"), e.getMessage());
    }

    @Test
    void tensorStoredInTwoShards() throws IOException {
        shard("one.safetensors", "a");
        shard("two.safetensors", "a");
        index("\"a\":\"one.safetensors\",\"z\":\"two.safetensors\"");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SafetensorsCheckpoint.open(dir));
        assertTrue(e.getMessage().contains("also stored in one.safetensors"), e.getMessage());
    }

    @Test
    void indexEscapingTheDirectory() throws IOException {
        index("\"a\":\"../elsewhere.safetensors\"");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SafetensorsCheckpoint.open(dir));
        assertEquals("weight_map.a", e.field());
    }

    @Test
    void malformedIndex() throws IOException {
        Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX), "{\"weight_map\": [");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SafetensorsCheckpoint.open(dir));
        assertTrue(e.getMessage().contains("malformed JSON"), e.getMessage());
    }

    @Test
    void directoryWithoutSafetensors() {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SafetensorsCheckpoint.open(dir));
        assertTrue(e.getMessage().contains("found 0 .safetensors files"), e.getMessage());
    }
}

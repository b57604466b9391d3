package io.jinfer.loader.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jinfer.api.ModelFormatException;
import io.jinfer.api.QuantFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Truncated and randomly corrupted files fail with {@link ModelFormatException} and nothing else. */
class GgufCorruptionTest {
    @TempDir
    Path dir;

    private byte[] valid;
    private int headerEnd;

    /**
     * A small file with every kind of metadata and three tensors; the last tensor fills its aligned
     * slot, so the file has no trailing padding and every shorter prefix lacks needed bytes.
     */
    @BeforeEach
    void writeSmallFile() throws IOException {
        Path f = dir.resolve("small.gguf");
        new GgufWriter().alignment(16).putString("general.architecture", "llama").putUint32("n", 7)
                .putInt8("i8", -3).putBool("flag", true).putFloat32("eps", 1e-5f).putFloat64("d", 2.5)
                .putUint64("u64", 1L << 40).putArray("tokens", GgufValueType.STRING, List.of("a", "bc", ""))
                .putArray("scores", GgufValueType.FLOAT32, new float[] {0.5f, -1f})
                .putArray("types", GgufValueType.INT32, new long[] {1, 2, 3})
                .putArray("bools", GgufValueType.BOOL, new boolean[] {true, false})
                .putArray("nested", GgufValueType.ARRAY, List.of(List.of("x"), new long[] {4}))
                .addTensor("q", QuantFormat.Q8_0, new long[] {32, 1}, new byte[34])
                .addTensor("h", QuantFormat.F16, new long[] {3}, new byte[] {1, 2, 3, 4, 5, 6})
                .addTensor("w", QuantFormat.F32, new long[] {4, 2}, new byte[32])
                .write(f);
        valid = Files.readAllBytes(f);
        try (GgufFile g = GgufFile.open(f)) {
            headerEnd = (int) g.dataOffset();
            assertEquals(valid.length, g.dataOffset() + g.tensorInfos().get(2).offset() + 32,
                    "the last tensor ends the file");
        }
    }

    @Test
    void everyPrefixFailsWithModelFormatException() throws IOException {
        Path cut = dir.resolve("cut.gguf");
        for (int len = 0; len < valid.length; len++) {
            Files.write(cut, java.util.Arrays.copyOf(valid, len));
            try (GgufFile g = GgufFile.open(cut)) {
                fail("a prefix of " + len + " of " + valid.length + " bytes opened");
            } catch (ModelFormatException e) {
                assertTrue(e.getMessage().startsWith(cut.toString() + " at byte "), e.getMessage());
                assertTrue(e.offset() >= 0 && e.offset() <= len, e.getMessage());
            } catch (RuntimeException e) {
                throw new AssertionError("prefix of " + len + " bytes threw " + e, e);
            }
        }
    }

    @Test
    void randomCorruptionOnlyEverThrowsModelFormatException() {
        int[] outcomes = new int[2];
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            Random rnd = new Random(20261126L);
            Path bad = dir.resolve("fuzz.gguf");
            for (int round = 0; round < 3000; round++) {
                byte[] b = valid.clone();
                int flips = 1 + rnd.nextInt(4);
                for (int i = 0; i < flips; i++) {
                    // Mostly the header: flips in tensor data are valid files and teach nothing.
                    int at = rnd.nextInt(10) < 8 ? rnd.nextInt(headerEnd) : rnd.nextInt(b.length);
                    b[at] = switch (rnd.nextInt(4)) {
                        case 0 -> (byte) 0xFF;
                        case 1 -> 0;
                        default -> (byte) (b[at] ^ (1 + rnd.nextInt(255)));
                    };
                }
                Files.write(bad, b);
                try (GgufFile g = GgufFile.open(bad)) {
                    g.tensors().forEach(t -> t.data().get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0));
                    outcomes[0]++;
                } catch (ModelFormatException e) {
                    outcomes[1]++;
                } catch (RuntimeException | Error e) {
                    throw new AssertionError("round " + round + " threw " + e, e);
                }
            }
        });
        System.out.printf("fuzz: %d corrupted files opened, %d rejected%n", outcomes[0], outcomes[1]);
        assertTrue(outcomes[0] > 0 && outcomes[1] > 0, "both outcomes occur: " + outcomes[0] + " opened, "
                + outcomes[1] + " rejected");
    }
}

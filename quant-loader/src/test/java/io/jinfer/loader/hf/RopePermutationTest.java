package io.jinfer.loader.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The Q/K row order between Hugging Face's rotate-half layout and GGUF's adjacent pairs. */
class RopePermutationTest {

    @Test
    void toGgufInterleavesTheHalvesOfEachHead() {
        // 2 heads of 4 rows: HF rows (0 1 | 2 3) (4 5 | 6 7) become GGUF 0 2 1 3, 4 6 5 7.
        RopePermutation p = new RopePermutation(2, true);
        long[] got = new long[8];
        for (int r = 0; r < 8; r++) {
            got[r] = p.sourceRow(r, 8);
        }
        assertArrayEquals(new long[] {0, 2, 1, 3, 4, 6, 5, 7}, got);
    }

    @Test
    void backIsTheInverseAndMatchesTheTestFixturesUnpermute() {
        int heads = 3;
        int rows = 3 * 8;
        RopePermutation to = new RopePermutation(heads, true);
        RopePermutation back = new RopePermutation(heads, false);
        byte[] gguf = new byte[rows];
        for (int r = 0; r < rows; r++) {
            gguf[r] = (byte) r;
            assertEquals(r, to.sourceRow(back.sourceRow(r, rows), rows));
            assertEquals(r, back.sourceRow(to.sourceRow(r, rows), rows));
        }
        byte[] hf = HfDirectories.unpermute(gguf, rows, 1, heads);
        for (int r = 0; r < rows; r++) {
            assertEquals(gguf[(int) back.sourceRow(r, rows)], hf[r], "row " + r);
        }
    }

    @Test
    void fitsOnlyEvenHeads() {
        assertTrue(new RopePermutation(4, true).fits(32));
        assertFalse(new RopePermutation(4, true).fits(12), "heads of 3 rows");
        assertFalse(new RopePermutation(5, true).fits(32));
        assertThrows(IllegalArgumentException.class, () -> new RopePermutation(0, true));
    }
}

package io.jinfer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class JsonTest {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    @Test
    void logitsObjectHasTokensAndOneRowPerTokenThatRoundTrips() throws Exception {
        int[] tokens = {1, 450, 2};
        SplittableRandom r = new SplittableRandom(7);
        float[][] logits = new float[3][5];
        for (float[] row : logits) {
            for (int i = 0; i < row.length; i++) {
                row[i] = (float) ((r.nextDouble() - 0.5) * Math.pow(10, r.nextInt(-12, 12)));
            }
        }
        logits[1][0] = Float.MIN_VALUE;
        logits[1][1] = -Float.MAX_VALUE;
        logits[1][2] = -0.0f;
        StringBuilder sb = new StringBuilder();
        Json.writeLogits(sb, tokens, logits);

        JsonNode root = MAPPER.readTree(sb.toString());
        assertEquals(2, root.size(), "exactly the keys tokens and logits");
        JsonNode t = root.get("tokens");
        assertEquals(tokens.length, t.size());
        for (int i = 0; i < tokens.length; i++) {
            assertEquals(tokens[i], t.get(i).intValue());
        }
        JsonNode l = root.get("logits");
        assertEquals(tokens.length, l.size());
        for (int i = 0; i < logits.length; i++) {
            assertEquals(logits[i].length, l.get(i).size());
            for (int j = 0; j < logits[i].length; j++) {
                float back = Float.parseFloat(l.get(i).get(j).decimalValue().toString());
                assertEquals(Float.floatToIntBits(Math.abs(logits[i][j]) == 0 ? 0 : logits[i][j]),
                        Float.floatToIntBits(Math.abs(back) == 0 ? 0 : back), "row " + i + " col " + j);
            }
        }
        assertTrue(sb.toString().endsWith("]]}\n"), "one object on one line");
    }

    @Test
    void nonFiniteFloatsBecomeNull() throws Exception {
        StringBuilder sb = new StringBuilder();
        Json.writeLogits(sb, new int[] {3}, new float[][] {{Float.NaN, Float.NEGATIVE_INFINITY, 1.5f}});
        JsonNode row = MAPPER.readTree(sb.toString()).get("logits").get(0);
        assertTrue(row.get(0).isNull());
        assertTrue(row.get(1).isNull());
        assertEquals(1.5, row.get(2).doubleValue());
    }

    @Test
    void stringsAreEscaped() throws Exception {
        String s = "a\"b\\c\nd\te\u0001é";
        assertEquals(s, MAPPER.readTree(Json.string(new StringBuilder(), s).toString()).textValue());
    }
}

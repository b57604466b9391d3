package io.jinfer.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.SamplingParams;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SamplerTest {
    private static final int[] NO_HISTORY = new int[0];

    private static float[] randomLogits(long seed, int n) {
        Random r = new Random(seed);
        float[] l = new float[n];
        for (int i = 0; i < n; i++) {
            l[i] = (float) r.nextGaussian() * 3;
        }
        return l;
    }

    @Test
    void greedyTakesTheArgmax() {
        float[] l = randomLogits(1, 1000);
        l[417] = 100;
        assertEquals(417, new Sampler(SamplingParams.GREEDY, l.length).sample(l.clone(), NO_HISTORY, 0));
    }

    @Test
    void greedyIgnoresNaN() {
        float[] l = {Float.NaN, 1, 3, 2};
        assertEquals(2, new Sampler(SamplingParams.GREEDY, 4).sample(l, NO_HISTORY, 0));
    }

    @Test
    void sameSeedSameTokensDifferentSeedDifferentTokens() {
        float[] l = randomLogits(2, 500);
        SamplingParams a = SamplingParams.builder().temperature(1.5f).topK(0).topP(1f).minP(0).seed(7).build();
        SamplingParams b = SamplingParams.builder().temperature(1.5f).topK(0).topP(1f).minP(0).seed(8).build();
        int[] s1 = draw(a, l, 50);
        int[] s2 = draw(a, l, 50);
        int[] s3 = draw(b, l, 50);
        assertEquals(java.util.Arrays.toString(s1), java.util.Arrays.toString(s2));
        assertNotEquals(java.util.Arrays.toString(s1), java.util.Arrays.toString(s3));
    }

    private static int[] draw(SamplingParams p, float[] logits, int n) {
        Sampler s = new Sampler(p, logits.length);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = s.sample(logits.clone(), NO_HISTORY, 0);
        }
        return out;
    }

    @Test
    void topKLimitsTheCandidates() {
        float[] l = randomLogits(3, 300);
        Set<Integer> top3 = new HashSet<>();
        float[] sorted = l.clone();
        java.util.Arrays.sort(sorted);
        for (int i = 0; i < l.length; i++) {
            if (l[i] >= sorted[sorted.length - 3]) {
                top3.add(i);
            }
        }
        SamplingParams p = SamplingParams.builder().temperature(5f).topK(3).topP(1f).minP(0).seed(1).build();
        for (int t : draw(p, l, 300)) {
            assertTrue(top3.contains(t), "token " + t + " is outside the top 3");
        }
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        // probabilities ~ 0.5, 0.3, 0.2 (temperature 1): top-p 0.7 keeps the first two only
        float[] l = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.2)};
        SamplingParams p = SamplingParams.builder().temperature(1f).topK(0).topP(0.7f).minP(0).seed(3).build();
        Set<Integer> seen = new HashSet<>();
        for (int t : draw(p, l, 400)) {
            seen.add(t);
        }
        assertEquals(Set.of(0, 1), seen);
    }

    @Test
    void minPDropsUnlikelyTokens() {
        float[] l = {(float) Math.log(0.6), (float) Math.log(0.35), (float) Math.log(0.05)};
        SamplingParams p = SamplingParams.builder().temperature(1f).topK(0).topP(1f).minP(0.1f).seed(3).build();
        for (int t : draw(p, l, 400)) {
            assertNotEquals(2, t);
        }
    }

    @Test
    void frequenciesFollowTheDistribution() {
        float[] l = {(float) Math.log(0.75), (float) Math.log(0.25)};
        SamplingParams p = SamplingParams.builder().temperature(1f).topK(0).topP(1f).minP(0).seed(11).build();
        int zeros = 0;
        for (int t : draw(p, l, 4000)) {
            zeros += t == 0 ? 1 : 0;
        }
        assertEquals(0.75, zeros / 4000.0, 0.03);
    }

    @Test
    void repetitionPenaltyChangesTheGreedyChoice() {
        float[] l = {2.0f, 1.9f, 0f};
        SamplingParams p = SamplingParams.builder().temperature(0).repetitionPenalty(1.2f).build();
        assertEquals(1, new Sampler(p, 3).sample(l.clone(), new int[] {0}, 1));
        assertEquals(0, new Sampler(p, 3).sample(l.clone(), new int[] {2}, 1));
    }

    @Test
    void frequencyAndPresencePenaltiesSubtract() {
        float[] l = {5f, 4f};
        SamplingParams p = SamplingParams.builder().temperature(0).frequencyPenalty(0.4f).presencePenalty(0.5f).build();
        float[] x = l.clone();
        new Sampler(p, 2).sample(x, new int[] {0, 0, 1}, 3);
        assertEquals(5f - 2 * 0.4f - 0.5f, x[0], 1e-6);
        assertEquals(4f - 0.4f - 0.5f, x[1], 1e-6);
    }

    @Test
    void absurdParametersAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.builder().temperature(-1).build());
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.builder().topP(0).build());
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.builder().topK(-2).build());
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.builder().minP(2).build());
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.builder().repetitionPenalty(0).build());
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.builder().temperature(Float.NaN).build());
    }
}

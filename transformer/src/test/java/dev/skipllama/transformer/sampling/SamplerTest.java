package dev.skipllama.transformer.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class SamplerTest {

    @Property(tries = 200)
    void greedyIsArgmaxAndTopKOneIsToo(@ForAll @IntRange(min = 1, max = 300) int n, @ForAll long seed) {
        float[] l = logits(n, seed);
        int best = Sampler.argmax(l, n);
        assertEquals(best, new Sampler(SamplingConfig.GREEDY).sample(l, null, 0));
        assertEquals(best, new Sampler(new SamplingConfig(1.3f, 1, 1f, 0f, 1f, 64, seed)).sample(l, null, 0));
    }

    @Test
    void sameSeedSameTokens() {
        float[] l = logits(100, 3);
        int[] a = new int[50], b = new int[50];
        Sampler s1 = new Sampler(SamplingConfig.sample(0.9f, 42)), s2 = new Sampler(SamplingConfig.sample(0.9f, 42));
        for (int i = 0; i < 50; i++) {
            a[i] = s1.sample(l, null, 0);
            b[i] = s2.sample(l, null, 0);
        }
        assertArrayEquals(a, b);
    }

    /** With no filters, temperature-1 sampling follows softmax(logits): chi-square test, fixed seed. */
    @Test
    void plainSamplingFollowsTheSoftmax() {
        float[] l = {2.0f, 1.0f, 0.5f, 0.0f, -1.0f, -3.0f};
        double[] p = new double[l.length];
        double z = 0;
        for (int i = 0; i < l.length; i++) {
            z += p[i] = Math.exp(l[i]);
        }
        Sampler s = new Sampler(new SamplingConfig(1f, 0, 1f, 0f, 1f, 64, 7));
        int draws = 60_000;
        int[] count = new int[l.length];
        for (int i = 0; i < draws; i++) {
            count[s.sample(l, null, 0)]++;
        }
        double chi2 = 0;
        for (int i = 0; i < l.length; i++) {
            double e = draws * p[i] / z;
            chi2 += (count[i] - e) * (count[i] - e) / e;
        }
        assertTrue(chi2 < 20.5, "chi-square " + chi2 + " exceeds the 0.1% critical value for 5 degrees of freedom");
    }

    @Test
    void topPAndMinPCutTheTail() {
        float[] l = {5f, 4.9f, 0f, -1f, -2f};
        Sampler topP = new Sampler(new SamplingConfig(1f, 0, 0.5f, 0f, 1f, 64, 1));
        Sampler minP = new Sampler(new SamplingConfig(1f, 0, 1f, 0.5f, 1f, 64, 1));
        for (int i = 0; i < 2000; i++) {
            assertEquals(0, topP.sample(l, null, 0)); // p(0) ≈ 0.52 already reaches 0.5
            assertTrue(minP.sample(l, null, 0) <= 1);
        }
    }

    @Test
    void repetitionPenaltyDemotesSeenTokens() {
        float[] l = {3f, 2.9f, -1f};
        Sampler s = new Sampler(new SamplingConfig(0f, 0, 1f, 0f, 1.5f, 64, 0));
        assertEquals(1, s.sample(l, new int[]{0, 0, 0}, 3)); // 3/1.5 = 2 < 2.9
        assertEquals(0, s.sample(l, new int[]{0}, 0));       // empty window: no penalty
    }

    @Test
    void badSettingsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new SamplingConfig(-1f, 0, 1f, 0f, 1f, 64, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingConfig(1f, 0, 0f, 0f, 1f, 64, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingConfig(1f, 0, 1f, 1f, 1f, 64, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingConfig(1f, -1, 1f, 0f, 1f, 64, 0));
    }

    private static float[] logits(int n, long seed) {
        Random r = new Random(seed);
        float[] l = new float[n];
        for (int i = 0; i < n; i++) {
            l[i] = (float) (3 * r.nextGaussian());
        }
        return l;
    }
}

package dev.skipllama.skip.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.transformer.llama.LayerAction;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlanFileTest {

    @Property(tries = 200)
    void writeThenReadGivesTheSamePlan(@ForAll("plans") StaticPlan plan) {
        StaticPlan back = PlanFile.parse(PlanFile.toJson(plan), "test");
        assertEquals(plan, back);
    }

    @Provide
    Arbitrary<StaticPlan> plans() {
        Arbitrary<List<LayerAction>> actions = Arbitraries.of(LayerAction.class).list().ofMinSize(1).ofMaxSize(40);
        Arbitrary<String> names = Arbitraries.strings().ofMinLength(1).ofMaxLength(20)
                .filter(s -> !s.isBlank()).filter(s -> s.codePoints().noneMatch(cp -> Character.isSurrogate((char) cp)));
        Arbitrary<Boolean> withScores = Arbitraries.of(true, false);
        return Combinators.combine(names, actions, withScores).flatAs((n, a, w) -> {
            if (!w) {
                return Arbitraries.just(new StaticPlan(n, a, List.of()));
            }
            return Arbitraries.doubles().between(-1e6, 1e6).list().ofSize(a.size()).map(s -> new StaticPlan(n, a, s));
        });
    }

    @Test
    void roundTripThroughAFile(@TempDir Path dir) {
        StaticPlan plan = StaticPlan.of("shortgpt:2", 4, List.of(1, 2), LayerAction.SKIP, new double[]{0.5, 0.01, 0.02, 0.3});
        Path file = dir.resolve("plan.json");
        PlanFile.write(plan, file);
        assertEquals(plan, PlanFile.read(file));
    }

    @Test
    void theFileIsReadable() {
        StaticPlan plan = StaticPlan.of("attn-drop:1", 2, List.of(1), LayerAction.SKIP_ATTENTION, null);
        assertEquals("""
                {
                  "format": "skipllama-static-plan",
                  "version": 1,
                  "method": "attn-drop:1",
                  "layers": [
                    {"layer": 0, "action": "run"},
                    {"layer": 1, "action": "skip-attention"}
                  ]
                }
                """, PlanFile.toJson(plan));
    }

    @Test
    void malformedFilesAreRejectedClearly() {
        String ok = PlanFile.toJson(StaticPlan.of("x", 2, List.of(1), LayerAction.SKIP, null));
        List<String[]> cases = new ArrayList<>();
        cases.add(new String[]{"{\"format\": ", "not valid JSON"});
        cases.add(new String[]{"[1, 2]", "not valid JSON"});
        cases.add(new String[]{ok.replace("skipllama-static-plan", "other"), "\"format\" must be \"skipllama-static-plan\""});
        cases.add(new String[]{ok.replace("\"version\": 1", "\"version\": 2"), "unsupported \"version\" number 2"});
        cases.add(new String[]{ok.replace("\"method\": \"x\"", "\"method\": 3"), "\"method\" must be a non-empty string"});
        cases.add(new String[]{ok.replace("\"action\": \"skip\"", "\"action\": \"drop\""), "layers[1]: unknown action \"drop\""});
        cases.add(new String[]{ok.replace("{\"layer\": 1", "{\"layer\": 2"), "layers[1]: \"layer\" must be 1"});
        cases.add(new String[]{ok.replace("{\"layer\": 1, ", "{"), "layers[1]: \"layer\" must be 1"});
        cases.add(new String[]{ok.replace("\"action\": \"run\"}", "\"action\": \"run\", \"score\": 0.5}"), "either every layer has a \"score\" or none"});
        cases.add(new String[]{ok.replace("\"action\": \"run\"}", "\"action\": \"run\", \"score\": \"high\"}"), "\"score\" must be a number"});
        cases.add(new String[]{ok.replace("\"action\": \"run\"}", "\"action\": \"run\", \"why\": 1}"), "layers[0]: unknown field \"why\""});
        cases.add(new String[]{ok.replace("\"version\": 1,", "\"version\": 1, \"extra\": true,"), "unknown field \"extra\""});
        cases.add(new String[]{ok.replaceAll("(?s)\"layers\": \\[.*\\]", "\"layers\": []"), "\"layers\" must be a non-empty array"});
        cases.add(new String[]{ok.replace("{\"layer\": 0, \"action\": \"run\"}", "7"), "layers[0]: expected an object"});
        for (String[] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PlanFile.parse(c[0], "p.json"), c[1]);
            assertTrue(e.getMessage().startsWith("static plan file p.json: "), e.getMessage());
            assertTrue(e.getMessage().contains(c[1]), "want '" + c[1] + "' in: " + e.getMessage());
        }
    }

    @Test
    void aPlanForAnotherModelIsRejected() {
        StaticPlan plan = StaticPlan.full(4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new StaticSkip("plan:x", plan, 6));
        assertTrue(e.getMessage().contains("has 4 layers, the model has 6"), e.getMessage());
    }

    @Test
    void planSummary() {
        StaticPlan p = new StaticPlan("m", List.of(LayerAction.RUN, LayerAction.SKIP, LayerAction.SKIP_ATTENTION, LayerAction.SKIP_FFN), List.of());
        assertEquals(2.0, p.layersPerToken());
        assertEquals(List.of(1), p.layersWith(LayerAction.SKIP));
        assertTrue(!p.hooks().fillSkippedKv(1));
        assertEquals(LayerAction.SKIP_ATTENTION, p.hooks().action(2));
    }

    /** Issue 14, cases 7 and 8: a plan file that is not UTF-8, or that never ends, is named with the byte and the bound. */
    @Test
    void badAndEndlessPlanFilesAreNamed(@TempDir Path dir) throws java.io.IOException {
        Path f = dir.resolve("plan.json");
        java.nio.file.Files.write(f, new byte[]{'{', '"', (byte) 0xfe, '"', '}'});
        java.io.UncheckedIOException e = assertThrows(java.io.UncheckedIOException.class, () -> PlanFile.read(f));
        assertEquals(f + ": not valid UTF-8 at byte offset 2 (line 1): found the bytes fe 22 7d, expected UTF-8 text", e.getMessage());
        Path zero = Path.of("/dev/zero");
        if (java.nio.file.Files.exists(zero)) {
            long t0 = System.nanoTime();
            e = assertThrows(java.io.UncheckedIOException.class, () -> PlanFile.read(zero));
            assertEquals("/dev/zero: more than 4194304 bytes, the most a static plan file can use", e.getMessage());
            assertTrue(System.nanoTime() - t0 < 2_000_000_000L);
        }
    }
}

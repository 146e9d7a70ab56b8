package dev.skipllama.skip.speculative;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.skip.SkipSpecException;
import dev.skipllama.transformer.model.Model;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DraftVocabularyTest {

    @Test
    void defaultSizeIsAQuarterOfALargeVocabulary() {
        assertEquals(4096, DraftVocabulary.defaultSize(4096), "a small vocabulary keeps its whole head");
        assertEquals(32000, DraftVocabulary.defaultSize(32000));
        assertEquals(32064, DraftVocabulary.defaultSize(128256), "Llama-3: FR-Spec's 32k, a multiple of 64");
        assertEquals(8192, DraftVocabulary.defaultSize(32768));
    }

    @Test
    void theFallbackPutsEndOfGenerationFirstThenOrdinaryPiecesByScore() throws IOException {
        try (Model m = Model.load(Path.of("../models/tiny-layerskip"))) {
            var v = m.tokenizer().vocabulary();
            int[] r = DraftVocabulary.fromTokenizer(m.tokenizer()).ranking();
            assertTrue(m.tokenizer().isEndOfGeneration(r[0]), "EOS first: " + v.piece(r[0]));
            for (int i = 2; i < 3000; i++) {
                assertTrue(v.score(r[i - 1]) >= v.score(r[i]), "scores descend at " + i);
            }
            assertEquals("BYTE", v.type(r[v.size() - 100]).name(), "byte fallback after the ordinary pieces");
            DraftVocabulary counted = DraftVocabulary.fromText(m.tokenizer(), List.of("the the the cat", "the cat sat"));
            int the = m.tokenizer().encode("the", false)[0];
            assertEquals(the, counted.ranking()[0], "the most frequent token of the text first");
            assertTrue(counted.source().startsWith("calibration text"), counted.source());
        }
    }

    @Test
    void topIsTheMostFrequentInIdOrder() {
        DraftVocabulary v = DraftVocabulary.fromCounts(new long[]{5, 0, 9, 9, 1}, DraftVocabulary.byTokenId(5), "test");
        assertArrayEquals(new int[]{2, 3, 0, 4, 1}, v.ranking(), "count, then the tie-break ranking");
        assertArrayEquals(new int[]{0, 2, 3}, v.top(3));
        assertThrows(IllegalArgumentException.class, () -> v.top(0));
        assertThrows(IllegalArgumentException.class, () -> v.top(6));
    }

    @Test
    void aRankingFileRoundTripsAndBadFilesAreNamedErrors(@TempDir Path dir) throws IOException {
        DraftVocabulary v = DraftVocabulary.fromCounts(new long[]{1, 7, 3, 0, 2, 2}, DraftVocabulary.byTokenId(6), "some text");
        Path f = dir.resolve("draft.json");
        v.write(f, List.of());
        DraftVocabulary back = DraftVocabulary.read(f, 6);
        assertArrayEquals(v.ranking(), back.ranking());
        assertTrue(back.source().startsWith("some text"), back.source());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DraftVocabulary.read(f, 7));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("ranks 6 tokens"), e.getMessage());
        Files.writeString(f, "{\"format\": \"skipllama-draft-vocabulary\", \"version\": 1, \"tokens\": [0, 1, 1]}");
        e = assertThrows(IllegalArgumentException.class, () -> DraftVocabulary.read(f, 3));
        assertTrue(e.getMessage().contains("exactly once"), e.getMessage());
        Files.writeString(f, "not json");
        assertThrows(IllegalArgumentException.class, () -> DraftVocabulary.read(f, 3));
    }

    @Test
    void specsParse() {
        Speculation a = Speculation.parse("auto");
        assertTrue(a.isAuto());
        assertEquals(Speculation.AUTO_MAX_DRAFT, a.draftLength());
        assertEquals(5, Speculation.parse("auto,max=5").draftLength());
        Speculation f = Speculation.parse(" 4, 3 ,tokens=16384");
        assertEquals(4, f.exitLayer());
        assertEquals(3, f.draftLength());
        assertEquals(16384, f.draftTokens(128256));
        assertEquals(128256, Speculation.parse("4,3,tokens=all").draftTokens(128256));
        assertEquals(32064, Speculation.parse("4,3").draftTokens(128256));
        for (String bad : new String[]{"", "4", "x,3", "4,0", "4,33", "0,3", "4,3,tokens=0", "4,3,max=4", "auto,foo=1", "4,3,tokens",
                "4,3,tokens=1,tokens=2", "auto,vocab="}) {
            assertThrows(SkipSpecException.class, () -> Speculation.parse(bad), bad);
        }
    }
}

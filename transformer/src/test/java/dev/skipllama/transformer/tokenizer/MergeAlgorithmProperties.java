package dev.skipllama.transformer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The heap-based merge loops against the plain definition of each algorithm, written the slow
 * obvious way: scan all adjacent pairs, merge the best (leftmost on a tie), repeat.
 */
class MergeAlgorithmProperties {

    @Provide
    Arbitrary<String> texts() {
        return TextArbitraries.text(80);
    }

    /** What both properties need from the fixtures, built once. */
    private static final class Fixtures {
        static final Vocabulary SPM = VocabFixtures.spm().vocabulary();
        static final Map<String, Integer> MERGEABLE = new HashMap<>();
        static final Vocabulary BPE = VocabFixtures.bpe().vocabulary();
        static final Map<String, Integer> INDEX = BPE.index();
        static final Map<String, Integer> RANK = new HashMap<>();
        static final BpeWordMerger MERGER;

        static {
            for (int id = 0; id < SPM.size(); id++) {
                if (SPM.type(id) == TokenType.NORMAL || SPM.type(id) == TokenType.USER_DEFINED) {
                    MERGEABLE.put(SPM.piece(id), id);
                }
            }
            try (var g = dev.skipllama.transformer.gguf.GgufFile.open(VocabFixtures.gguf("ggml-vocab-llama-bpe.gguf"))) {
                List<String[]> merges = Merges.parse(g.getStringArray("tokenizer.ggml.merges"), "fixture");
                for (int r = 0; r < merges.size(); r++) {
                    RANK.putIfAbsent(merges.get(r)[0] + " " + merges.get(r)[1], r);
                }
                MERGER = new BpeWordMerger(new MergeTable(merges, INDEX));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    @Property(tries = 200)
    void sentencePieceHeapEqualsTheDefinition(@ForAll("texts") String s) {
        Vocabulary v = Fixtures.SPM;
        Map<String, Integer> mergeable = Fixtures.MERGEABLE;
        String text = (" " + s).replace(' ', '\u2581');
        IntList bounds = new IntList(8);
        new SentencePieceBpe(mergeable, v.scores()).segment(text, bounds);
        List<String> ours = new ArrayList<>();
        for (int i = 0; i < bounds.size(); i += 2) {
            ours.add(text.substring(bounds.get(i), bounds.get(i + 1)));
        }
        List<String> symbols = new ArrayList<>();
        text.codePoints().forEach(cp -> symbols.add(Character.toString(cp)));
        while (true) {
            int best = -1;
            float bestScore = 0;
            for (int i = 0; i + 1 < symbols.size(); i++) {
                Integer id = mergeable.get(symbols.get(i) + symbols.get(i + 1));
                if (id != null && (best < 0 || v.score(id) > bestScore)) {
                    best = i;
                    bestScore = v.score(id);
                }
            }
            if (best < 0) {
                break;
            }
            symbols.set(best, symbols.get(best) + symbols.remove(best + 1));
        }
        assertEquals(symbols, ours);
    }

    @Property(tries = 300)
    void bpeHeapEqualsTheDefinition(@ForAll("texts") String s) {
        Vocabulary v = Fixtures.BPE;
        // Treat the whole text as one word (no pre-tokenizer) so words are long and varied.
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        List<String> symbols = new ArrayList<>();
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            symbols.add(String.valueOf(ByteUnicode.toChar(bytes[i])));
            ids[i] = Fixtures.INDEX.get(symbols.get(i));
        }
        int n = Fixtures.MERGER.merge(ids, ids.length);
        while (true) {
            int best = -1;
            int bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < symbols.size(); i++) {
                Integer r = Fixtures.RANK.get(symbols.get(i) + " " + symbols.get(i + 1));
                if (r != null && r < bestRank) {
                    best = i;
                    bestRank = r;
                }
            }
            if (best < 0) {
                break;
            }
            symbols.set(best, symbols.get(best) + symbols.remove(best + 1));
        }
        List<String> ours = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ours.add(v.piece(ids[i]));
        }
        assertEquals(symbols, ours);
    }

    /** Cutting the text where no piece joins two characters changes nothing: the whole text merged at once agrees. */
    @Property(tries = 300)
    void sentencePieceCutsDoNotChangeTheResult(@ForAll("texts") String s) {
        Tokenizer tok = VocabFixtures.spm();
        Vocabulary v = Fixtures.SPM;
        String text = (" " + s.replace('\u2581', ' ')).replace(' ', '\u2581');
        IntList bounds = new IntList(8);
        new SentencePieceBpe(Fixtures.MERGEABLE, v.scores()).segment(text, bounds);
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < bounds.size(); i += 2) {
            String piece = text.substring(bounds.get(i), bounds.get(i + 1));
            Integer id = Fixtures.MERGEABLE.get(piece);
            if (id != null) {
                expected.add(id);
            } else {
                for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
                    expected.add(v.pieces().indexOf(String.format("<0x%02X>", b & 0xFF)));
                }
            }
        }
        if (s.isEmpty()) {
            expected.clear(); // no dummy prefix on empty text
        }
        int[] ours = tok.encode(s.replace('\u2581', ' '));
        assertEquals(expected, java.util.stream.IntStream.of(ours).boxed().toList());
    }
}

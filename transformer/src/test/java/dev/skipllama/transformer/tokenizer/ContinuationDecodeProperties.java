package dev.skipllama.transformer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Generated text continues the prompt: for any prompt and any generated ids, the prompt's text
 * followed by the text streamed for the generated ids is the decoding of all ids together, as
 * llama.cpp prints it. The SentencePiece rule that drops the dummy-prefix space applies to the start
 * of the sequence only, so after "The man" the generated {@code ▁who} is " who" (issue 14, case 1:
 * it used to print "The manwho").
 */
class ContinuationDecodeProperties {

    @Provide
    Arbitrary<List<Integer>> spmIds() {
        return Arbitraries.frequencyOf(
                Tuple.of(5, Arbitraries.integers().between(259, 31999)), // ordinary pieces, most starting with ▁
                Tuple.of(2, Arbitraries.integers().between(3, 258)),     // byte tokens
                Tuple.of(1, Arbitraries.of(0, 1, 2, 29871))).list().ofMaxSize(12);
    }

    @Provide
    Arbitrary<List<Integer>> bpeIds() {
        return Arbitraries.frequencyOf(
                Tuple.of(5, Arbitraries.integers().between(0, 127999)),
                Tuple.of(1, Arbitraries.of(128000, 128001, 128009, 220))).list().ofMaxSize(12);
    }

    @Property(tries = 300)
    void sentencePiece(@ForAll("prompts") String prompt, @ForAll boolean bos, @ForAll("spmIds") List<Integer> generated) {
        check(VocabFixtures.spm(), prompt, bos, generated);
    }

    @Property(tries = 300)
    void byteLevelBpe(@ForAll("prompts") String prompt, @ForAll boolean bos, @ForAll("bpeIds") List<Integer> generated) {
        check(VocabFixtures.bpe(), prompt, bos, generated);
    }

    @Provide
    Arbitrary<String> prompts() {
        return Arbitraries.oneOf(TextArbitraries.text(12), Arbitraries.of("The man", " leading", "", "a  b", "\n"));
    }

    /** The case of the issue, spelled out: " who" keeps its space after a prompt. */
    @net.jqwik.api.Example
    void theFirstGeneratedPieceKeepsItsSpace() {
        Tokenizer spm = VocabFixtures.spm();
        int who = spm.encode("who")[0]; // the dummy prefix makes it ▁who
        assertEquals("▁who", spm.vocabulary().piece(who));
        int[] prompt = spm.encode("The man", true);
        assertEquals(" who", spm.newDecoder().continuing(prompt).next(who));
        assertEquals("who", spm.newDecoder().next(who), "at the start of a sequence the dummy prefix is dropped");
        assertEquals("who", spm.newDecoder().continuing(new int[]{spm.bos()}).next(who), "BOS alone is no visible text");
    }

    private static void check(Tokenizer tok, String prompt, boolean bos, List<Integer> generated) {
        int[] promptIds = tok.encode(prompt, bos);
        int[] gen = generated.stream().mapToInt(Integer::intValue).toArray();
        String promptText = tok.decode(promptIds);
        assertEquals(prompt, promptText, "the prompt round-trips (the premise of the property)");
        PieceDecoder d = tok.newDecoder().continuing(promptIds);
        StringBuilder streamed = new StringBuilder();
        for (int id : gen) {
            streamed.append(d.next(id));
        }
        streamed.append(d.finish());
        int[] all = new int[promptIds.length + gen.length];
        System.arraycopy(promptIds, 0, all, 0, promptIds.length);
        System.arraycopy(gen, 0, all, promptIds.length, gen.length);
        assertEquals(tok.decode(all), promptText + streamed);
    }
}

package dev.skipllama.transformer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Decoding token by token gives exactly the text of decoding all at once, for any id sequence:
 * including byte tokens that split (or break) UTF-8 characters, control tokens, and the
 * SentencePiece leading-space rule.
 */
class StreamingDecodeProperties {

    /** Mostly byte-level pieces (Llama-2 {@code <0xXX>} ids 3..258; Llama-3 single-byte ids 0..255), some anything. */
    @Provide
    Arbitrary<List<Integer>> spmIds() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.integers().between(3, 258)),
                net.jqwik.api.Tuple.of(2, Arbitraries.of(0, 1, 2, 29871, 259, 15043)),
                net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(0, 31999))).list().ofMaxSize(24);
    }

    @Provide
    Arbitrary<List<Integer>> bpeIds() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.integers().between(0, 255)),
                net.jqwik.api.Tuple.of(2, Arbitraries.of(128000, 128001, 128009, 220, 9468, 248)),
                net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(0, 128255))).list().ofMaxSize(24);
    }

    @Property(tries = 500)
    void sentencePiece(@ForAll("spmIds") List<Integer> ids, @ForAll boolean renderSpecial) {
        check(VocabFixtures.spm(), ids, renderSpecial);
    }

    /** Found by the property above (seed -8083662000245413853): the bytes of an encoded surrogate, ED A0 80. */
    @net.jqwik.api.Example
    void anEncodedSurrogateDecodesAlikeInPiecesAndAtOnce() {
        check(VocabFixtures.spm(), List.of(240, 163, 131), true);
        assertEquals("\uFFFD\uFFFD\uFFFD", VocabFixtures.spm().decode(new int[]{240, 163, 131}, true));
    }

    @Property(tries = 500)
    void byteLevelBpe(@ForAll("bpeIds") List<Integer> ids, @ForAll boolean renderSpecial) {
        check(VocabFixtures.bpe(), ids, renderSpecial);
    }

    private static void check(Tokenizer tok, List<Integer> ids, boolean renderSpecial) {
        int[] arr = ids.stream().mapToInt(Integer::intValue).toArray();
        PieceDecoder d = tok.newDecoder(renderSpecial);
        StringBuilder streamed = new StringBuilder();
        for (int id : arr) {
            streamed.append(d.next(id));
        }
        streamed.append(d.finish());
        assertEquals(tok.decode(arr, renderSpecial), streamed.toString());
    }
}

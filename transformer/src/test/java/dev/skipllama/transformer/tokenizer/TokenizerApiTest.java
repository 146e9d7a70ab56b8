package dev.skipllama.transformer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.OptionalInt;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Special tokens, BOS/EOS, end of generation and error messages, on the real vocabularies. */
class TokenizerApiTest {

    @Test
    void llama3SpecialTokensAreFoundByText() {
        Tokenizer t = VocabFixtures.bpe();
        assertEquals(OptionalInt.of(128000), t.specialToken("<|begin_of_text|>"));
        assertEquals(OptionalInt.of(128001), t.specialToken("<|end_of_text|>"));
        assertEquals(OptionalInt.of(128006), t.specialToken("<|start_header_id|>"));
        assertEquals(OptionalInt.of(128007), t.specialToken("<|end_header_id|>"));
        assertEquals(OptionalInt.of(128009), t.specialToken("<|eot_id|>"));
        assertEquals(OptionalInt.empty(), t.specialToken("Hello")); // a normal token is not a special one
        assertEquals(OptionalInt.empty(), t.specialToken("<|no_such_token|>"));
        assertTrue(t.isEndOfGeneration(128001));
        assertTrue(t.isEndOfGeneration(128009));
        assertFalse(t.isEndOfGeneration(128000));
        assertEquals(OptionalInt.of(1), VocabFixtures.spm().specialToken("<s>"));
        assertTrue(VocabFixtures.spm().isEndOfGeneration(2));
    }

    @Test
    void llama3ChatTemplateParsesSpecialsOnlyWhenAsked() {
        Tokenizer t = VocabFixtures.bpe();
        String prompt = "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|>";
        int[] ids = t.encode(prompt, false, true);
        int[] expected = concat(new int[] {128000, 128006}, t.encode("user"), new int[] {128007},
                t.encode("\n\nHello!"), new int[] {128009});
        assertArrayEquals(expected, ids);
        assertEquals("user\n\nHello!", t.decode(ids));
        assertEquals(prompt, t.decode(ids, true));
        // As plain text the same characters are ordinary pieces: no id of a special token appears.
        assertTrue(IntStream.of(t.encode(prompt)).allMatch(id -> id < 128000));
        assertEquals(prompt, t.decode(t.encode(prompt)));
    }

    @Test
    void sentencePieceSpecialsGetADummyPrefixAfterThemAsInLlamaCpp() {
        Tokenizer t = VocabFixtures.spm();
        assertArrayEquals(new int[] {1, 15043, 2, 1, 15043}, t.encode("<s>Hello</s><s>Hello", false, true));
        assertArrayEquals(new int[] {1, 15043}, t.encode("Hello", true));
        assertEquals(-1, IntStream.of(t.encode("<s>Hello")).filter(id -> id < 3).findAny().orElse(-1));
    }

    @Test
    void decodeRejectsIdsOutsideTheVocabulary() {
        Tokenizer t = VocabFixtures.spm();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {15043, 32000}));
        assertEquals("token id 32000 at position 1 is outside the vocabulary [0, 32000)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {-1}));
        assertEquals("token id -5 is outside the vocabulary [0, 32000)",
                assertThrows(IllegalArgumentException.class, () -> t.newDecoder().next(-5)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.pieceBytes(32000, false));
    }

    @Test
    void unpairedSurrogatesAreRejected() {
        assertEquals("text has an unpaired surrogate U+D83D at index 2; it has no UTF-8 form to tokenize",
                assertThrows(IllegalArgumentException.class, () -> VocabFixtures.bpe().encode("ab\uD83D")).getMessage());
    }

    @Test
    void piecesAndByteFallback() {
        Tokenizer t = VocabFixtures.spm();
        assertArrayEquals(" Hello".getBytes(), t.pieceBytes(15043, false));
        assertArrayEquals(new byte[] {(byte) 0xF0}, t.pieceBytes(243, false)); // <0xF0>
        assertArrayEquals(new byte[0], t.pieceBytes(1, false));
        assertArrayEquals("<s>".getBytes(), t.pieceBytes(1, true));
        // An emoji no piece covers: its four UTF-8 bytes as <0xXX> tokens, reassembled when decoding.
        int[] ids = t.encode("🦙");
        assertArrayEquals(new int[] {29871, 243, 162, 169, 156}, ids);
        assertEquals("🦙", t.decode(ids));
        PieceDecoder d = t.newDecoder();
        assertEquals("", d.next(29871)); // the dummy-prefix space is dropped
        assertEquals("", d.next(243));
        assertEquals("", d.next(162));
        assertEquals("", d.next(169));
        assertEquals("🦙", d.next(156));
        assertEquals("", d.finish());
    }

    @Test
    void anIncompleteCharacterAtTheEndBecomesAReplacementCharacter() {
        Tokenizer t = VocabFixtures.spm();
        PieceDecoder d = t.newDecoder();
        assertEquals("", d.next(243));
        assertEquals("\uFFFD", d.finish());
        assertEquals("\uFFFD", t.decode(new int[] {243}));
    }

    @Test
    void bosNeedsABosToken() {
        Vocabulary v = new Vocabulary(java.util.List.of("a", "b"), null, Vocabulary.normalTypes(2), -1, -1, -1);
        SentencePieceTokenizer t = new SentencePieceTokenizer(v, false, false, false);
        assertArrayEquals(new int[] {0, 1}, t.encode("ab"));
        assertEquals("a BOS token was asked for but this vocabulary has none",
                assertThrows(IllegalStateException.class, () -> t.encode("ab", true)).getMessage());
    }

    private static int[] concat(int[]... parts) {
        return Arrays.stream(parts).flatMapToInt(IntStream::of).toArray();
    }
}

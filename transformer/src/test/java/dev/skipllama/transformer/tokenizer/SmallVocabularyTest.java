package dev.skipllama.transformer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The algorithms' rules on vocabularies small enough to reason about by hand. */
class SmallVocabularyTest {

    private static final TokenType N = TokenType.NORMAL;

    private static SentencePieceTokenizer spm(List<String> pieces, float[] scores, TokenType[] types, int unk) {
        return new SentencePieceTokenizer(new Vocabulary(pieces, scores, types, -1, -1, unk), true, false, false);
    }

    @Test
    void sentencePieceMergesTheHighestScoreFirstAndTheLeftmostOnATie() {
        List<String> pieces = List.of("<unk>", "▁", "a", "b", "ab", "ba", "▁a");
        TokenType[] types = {TokenType.UNKNOWN, N, N, N, N, N, N};
        // "ab" and "ba" tie: the leftmost pair (a,b) merges first.
        assertArrayEquals(new int[] {1, 4, 2}, spm(pieces, new float[] {0, 0, 0, 0, -1, -1, -5}, types, 0).encode("aba"));
        // "ba" scores higher: it merges first, which leaves "a" free to form the low-scoring "▁a".
        assertArrayEquals(new int[] {6, 5}, spm(pieces, new float[] {0, 0, 0, 0, -2, -1, -5}, types, 0).encode("aba"));
        // Only "ab" and "ba", tied, and "a" at the end: the leftmost pair again.
        assertArrayEquals(new int[] {1, 4, 5}, spm(pieces, new float[] {0, 0, 0, 0, -1, -1, -9}, types, 0).encode("abba"));
    }

    @Test
    void withoutByteTokensARunOfUnknownCharactersIsOneUnk() {
        List<String> pieces = List.of("<unk>", "▁", "a");
        SentencePieceTokenizer t = spm(pieces, null, new TokenType[] {TokenType.UNKNOWN, N, N}, 0);
        assertArrayEquals(new int[] {1, 2, 0, 2, 0}, t.encode("aéüa€"));
        assertEquals("a a", t.decode(new int[] {1, 2, 0, 1, 2})); // <unk> is invisible
        assertThrows(IllegalArgumentException.class,
                () -> spm(List.of("▁", "a"), null, new TokenType[] {N, N}, -1).encode("é"));
    }

    @Test
    void removeExtraWhitespacesNormalizesLikeSentencepiece() {
        assertEquals("a b c", SentencePieceTokenizer.collapseSpaces("  a   b c  "));
        assertEquals("", SentencePieceTokenizer.collapseSpaces("   "));
        assertEquals("a\t b", SentencePieceTokenizer.collapseSpaces("a\t b")); // only ' ' counts
        Vocabulary v = new Vocabulary(List.of("▁", "a", "b"), null, new TokenType[] {N, N, N}, -1, -1, -1);
        assertArrayEquals(new int[] {0, 1, 0, 2}, new SentencePieceTokenizer(v, true, true, false).encode("  a   b "));
        assertArrayEquals(new int[] {}, new SentencePieceTokenizer(v, true, true, false).encode("   "));
    }

    @Test
    void specialTokensAreCutLongestTextFirstAsLlamaCppDoes() {
        // "bcd" is longer than "ab", so in "abcd" it wins although "ab" starts earlier.
        List<String> pieces = List.of("▁", "a", "b", "c", "d", "ab", "bcd");
        TokenType u = TokenType.USER_DEFINED;
        SentencePieceTokenizer t = new SentencePieceTokenizer(
                new Vocabulary(pieces, null, new TokenType[] {N, N, N, N, N, u, u}, -1, -1, -1), false, false, false);
        assertArrayEquals(new int[] {1, 6}, t.encode("abcd"));
        assertArrayEquals(new int[] {5, 3}, t.encode("abc"));
    }

    @Test
    void byteLevelBpeMergesByRank() {
        String[] pieces = new String[259];
        for (int b = 0; b < 256; b++) {
            pieces[b] = String.valueOf(ByteUnicode.toChar(b));
        }
        pieces[256] = "bc";
        pieces[257] = "ab";
        pieces[258] = "abc";
        Vocabulary v = new Vocabulary(List.of(pieces), null, Vocabulary.normalTypes(259), -1, -1, -1);
        // (b,c) has the better rank, so "abc" = a + bc, and a + bc → abc exists as merge #2.
        ByteLevelBpeTokenizer t = new ByteLevelBpeTokenizer(v,
                List.of(new String[] {"b", "c"}, new String[] {"a", "b"}, new String[] {"a", "bc"}), false, false);
        assertArrayEquals(new int[] {258}, t.encode("abc"));
        assertArrayEquals(new int[] {257, 257}, t.encode("abab"));
        ByteLevelBpeTokenizer noTriple = new ByteLevelBpeTokenizer(v,
                List.of(new String[] {"b", "c"}, new String[] {"a", "b"}), false, false);
        assertArrayEquals(new int[] {'a', 256}, noTriple.encode("abc"));
        // Bytes beyond ASCII go through the byte alphabet: "é" is C3 A9.
        assertArrayEquals(new int[] {0xC3, 0xA9}, t.encode("é"));
        assertEquals("é", t.decode(new int[] {0xC3, 0xA9}));
    }

    @Test
    void vocabularyChecksItsShape() {
        assertEquals("the vocabulary has 2 tokens but 1 token types", assertThrows(TokenizerFormatException.class,
                () -> new Vocabulary(List.of("a", "b"), null, new TokenType[] {N}, -1, -1, -1)).getMessage());
        assertEquals("bos token id 2 is outside the vocabulary [0, 2)", assertThrows(TokenizerFormatException.class,
                () -> new Vocabulary(List.of("a", "b"), null, new TokenType[] {N, N}, 2, -1, -1)).getMessage());
        Vocabulary dup = new Vocabulary(List.of("a", "a"), null, new TokenType[] {N, N}, -1, -1, -1);
        assertEquals("tokens 0 and 1 have the same text 'a'",
                assertThrows(TokenizerFormatException.class, dup::index).getMessage());
        assertEquals("[EMPTY_1]", new Vocabulary(List.of("a", ""), null, new TokenType[] {N, N}, -1, -1, -1).piece(1));
        assertEquals("token 3 has type code 9, expected one of 1 (normal), 2 (unknown), 3 (control), 4 (user-defined), "
                + "5 (unused), 6 (byte)", assertThrows(TokenizerFormatException.class, () -> TokenType.fromCode(9, 3)).getMessage());
    }
}

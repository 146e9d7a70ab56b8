package dev.skipllama.transformer.tokenizer;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

/**
 * Random Unicode text that exercises what tokenizers get wrong: runs of spaces, tabs and line
 * breaks (and Unicode spaces such as NBSP, U+2028, U+3000), apostrophes for contractions, digits
 * and other numbers, letters of several scripts, combining marks, emoji outside the BMP, and any
 * other code point. Never an unpaired surrogate (no UTF-8 form).
 */
final class TextArbitraries {
    private TextArbitraries() {
    }

    static Arbitrary<Integer> codePoints() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.integers().between(0x20, 0x7E)),
                net.jqwik.api.Tuple.of(4, Arbitraries.of((int) ' ', (int) ' ', (int) '\t', (int) '\n', (int) '\r',
                        0xA0, 0x2028, 0x3000, 0x0B, 0x85, 0x1680)),
                net.jqwik.api.Tuple.of(2, Arbitraries.of((int) '\'', (int) 's', (int) 'S', (int) 'l', (int) 'L',
                        (int) 'r', (int) 'e', (int) 'v', (int) 'E', (int) 'm', (int) 'd', (int) 't', (int) 'T')),
                net.jqwik.api.Tuple.of(2, Arbitraries.of(0xBD, 0x0663, 0x2167, 0xFF13, 0x1D7D8)), // ½ ٣ Ⅷ ３ 𝟘
                net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(0xA1, 0x24F)),     // Latin-1 and Latin Extended
                net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(0x0400, 0x04FF)),  // Cyrillic
                net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(0x4E00, 0x4FFF)),  // CJK
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0x0300, 0x036F)),  // combining marks
                net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(0x1F300, 0x1F64F)), // emoji
                net.jqwik.api.Tuple.of(1, Arbitraries.of(0x200D, 0xFE0F, 0xFFFD, 0x10FFFF, 0xE000)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, 0x10FFFF)
                        .filter(c -> c < 0xD800 || c > 0xDFFF)));
    }

    /** Random text of up to {@code maxCodePoints} code points. */
    static Arbitrary<String> text(int maxCodePoints) {
        return codePoints().list().ofMaxSize(maxCodePoints).map(cps -> {
            StringBuilder sb = new StringBuilder();
            cps.forEach(sb::appendCodePoint);
            return sb.toString();
        });
    }
}

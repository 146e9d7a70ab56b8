package dev.skipllama.transformer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * decode(encode(s)) == s on random Unicode text, for the Llama-2 SentencePiece vocabulary, the
 * embedded model's tokenizer.model and the Llama-3 byte-level BPE vocabulary.
 *
 * <p>The SentencePiece contract: encode puts one dummy space before the text (the {@code ▁} of
 * the first piece) and decode removes one space from the first visible piece, so the text comes
 * back exactly, leading spaces included, with or without BOS. Excluded: U+2581 {@code ▁} itself,
 * which SentencePiece uses for a space and therefore decodes as one (sentencepiece does the
 * same), and special-token text when specials are parsed.
 */
class RoundTripProperties {

    @Provide
    Arbitrary<String> texts() {
        return TextArbitraries.text(60);
    }

    @Provide
    Arbitrary<String> spmTexts() {
        return TextArbitraries.text(60).filter(s -> s.indexOf('\u2581') < 0);
    }

    @Property(tries = 400)
    void llama2SentencePiece(@ForAll("spmTexts") String s, @ForAll boolean bos) {
        Tokenizer tok = VocabFixtures.spm();
        assertEquals(s, tok.decode(tok.encode(s, bos)));
    }

    @Property(tries = 400)
    void tinyModelSentencePiece(@ForAll("spmTexts") String s, @ForAll boolean bos) {
        Tokenizer tok = TinyModelTest.tiny();
        assertEquals(s, tok.decode(tok.encode(s, bos)));
    }

    @Property(tries = 400)
    void llama3ByteLevelBpe(@ForAll("texts") String s, @ForAll boolean bos) {
        Tokenizer tok = VocabFixtures.bpe();
        assertEquals(s, tok.decode(tok.encode(s, bos)));
    }

    @Property(tries = 200)
    void llama3SpecialsParsedAndRendered(@ForAll("withSpecials") String s) {
        // Byte-level BPE has no dummy prefix, so parsed specials round-trip when rendered.
        Tokenizer tok = VocabFixtures.bpe();
        assertEquals(s, tok.decode(tok.encode(s, false, true), true));
    }

    @Provide
    Arbitrary<String> withSpecials() {
        Arbitrary<String> special = Arbitraries.of("<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>",
                "<|eot_id|>", "<|reserved_special_token_3|>", "<|", "|>");
        return Arbitraries.oneOf(special, TextArbitraries.text(8)).list().ofMaxSize(8)
                .map(parts -> String.join("", parts));
    }

    /** Streaming a valid text's ids only ever shows a prefix of the text, never a premature U+FFFD. */
    @Property(tries = 300)
    void streamingShowsOnlyPrefixes(@ForAll("texts") String s) {
        for (Tokenizer tok : new Tokenizer[] {VocabFixtures.bpe(), VocabFixtures.spm()}) {
            String text = tok instanceof SentencePieceTokenizer ? s.replace('\u2581', ' ') : s;
            PieceDecoder d = tok.newDecoder();
            StringBuilder shown = new StringBuilder();
            for (int id : tok.encode(text, true)) {
                shown.append(d.next(id));
                assertTrue(text.startsWith(shown.toString()), () -> "shown '" + shown + "' is not a prefix of '" + text + "'");
            }
            shown.append(d.finish());
            assertEquals(text, shown.toString());
        }
    }
}

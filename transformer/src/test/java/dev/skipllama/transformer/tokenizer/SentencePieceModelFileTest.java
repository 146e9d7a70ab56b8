package dev.skipllama.transformer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** tokenizer.model parsing: fields and defaults, unsupported models named, corrupt files rejected clearly. */
class SentencePieceModelFileTest {

    private static byte[] tinyBytes() {
        try (InputStream in = SentencePieceModelFileTest.class.getResourceAsStream("/tiny-layerskip/tokenizer.model")) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static ProtoWriter model(ProtoWriter trainer, ProtoWriter normalizer) {
        ProtoWriter m = new ProtoWriter()
                .message(1, ProtoWriter.piece("<unk>", 0, 2))
                .message(1, ProtoWriter.piece("<s>", 0, 3))
                .message(1, ProtoWriter.piece("</s>", 0, 3))
                .message(1, ProtoWriter.piece("▁", -1, 1))
                .message(1, ProtoWriter.piece("h", -2, 1))
                .message(1, ProtoWriter.piece("i", -3, 1))
                .message(1, ProtoWriter.piece("▁h", -4, 1))
                .message(1, new ProtoWriter().string(1, "hi")) // score and type left out: 0 and NORMAL
                .varint(7, 12345); // an unknown field, skipped
        if (trainer != null) {
            m.message(2, trainer);
        }
        if (normalizer != null) {
            m.message(3, normalizer);
        }
        return m;
    }

    @Example
    void defaultsAreTheProtosDefaults() {
        byte[] bytes = model(new ProtoWriter().varint(3, 2), null).toByteArray();
        SentencePieceModelFile.Contents c = SentencePieceModelFile.parse(bytes, "m");
        assertEquals(8, c.vocabulary().size());
        assertEquals(0, c.vocabulary().unk());
        assertEquals(1, c.vocabulary().bos());
        assertEquals(2, c.vocabulary().eos());
        assertEquals(TokenType.NORMAL, c.vocabulary().type(7));
        assertEquals(0f, c.vocabulary().score(7));
        assertTrue(c.addDummyPrefix());
        assertTrue(c.removeExtraWhitespaces()); // the proto default; Llama's model sets it false
        SentencePieceTokenizer t = SentencePieceModelFile.toTokenizer(c, "m");
        // "▁hi": (h,i) scores 0 and wins over "▁h" (-4); with whitespace removal "  hi  " is "hi".
        assertEquals("[3, 7]", Arrays.toString(t.encode("  hi  ")));
    }

    @Example
    void negativeIdsMeanNone() {
        ProtoWriter trainer = new ProtoWriter().varint(3, 2).varint(41, -1).varint(42, -1);
        SentencePieceModelFile.Contents c = SentencePieceModelFile.parse(model(trainer, null).toByteArray(), "m");
        assertEquals(-1, c.vocabulary().bos());
        assertEquals(-1, c.vocabulary().eos());
    }

    @Example
    void unsupportedModelsAreNamed() {
        assertEquals("m: model_type UNIGRAM is not supported; only BPE SentencePiece models (Llama-2 style) are",
                assertThrows(TokenizerFormatException.class, () -> SentencePieceModelFile.toTokenizer(
                        SentencePieceModelFile.parse(model(null, null).toByteArray(), "m"), "m")).getMessage());
        ProtoWriter nfkc = new ProtoWriter().string(1, "nmt_nfkc").bytes(2, new byte[] {1, 2, 3});
        assertEquals("m: normalizer 'nmt_nfkc' needs a precompiled normalization table, which is not supported; "
                        + "only the 'identity' normalizer is",
                assertThrows(TokenizerFormatException.class,
                        () -> SentencePieceModelFile.parse(model(new ProtoWriter().varint(3, 2), nfkc).toByteArray(), "m"))
                        .getMessage());
        assertTrue(assertThrows(TokenizerFormatException.class, () -> SentencePieceModelFile.parse(
                model(new ProtoWriter().varint(24, 1), null).toByteArray(), "m")).getMessage()
                .contains("treat_whitespace_as_suffix"));
        assertEquals("m: trainer_spec.bos_id is 99, outside the 8 pieces", assertThrows(TokenizerFormatException.class,
                () -> SentencePieceModelFile.parse(model(new ProtoWriter().varint(41, 99), null).toByteArray(), "m"))
                .getMessage());
    }

    @Example
    void corruptFilesSayWhereAndWhat() {
        byte[] tiny = tinyBytes();
        assertEquals("t: at byte 63231: expected a length that fits in the remaining 14 bytes, found 16",
                assertThrows(TokenizerFormatException.class,
                        () -> SentencePieceModelFile.parse(Arrays.copyOf(tiny, tiny.length - 2), "t")).getMessage());
        assertEquals("x: at byte 0: expected a complete varint, found the end of the data",
                assertThrows(TokenizerFormatException.class,
                        () -> SentencePieceModelFile.parse(new byte[] {(byte) 0x80}, "x")).getMessage());
        assertEquals("x: at byte 0: expected wire type 0, 1, 2 or 5, found 3 (groups are not used by this format)",
                assertThrows(TokenizerFormatException.class,
                        () -> SentencePieceModelFile.parse(new byte[] {(byte) 0x33}, "x")).getMessage());
        assertEquals("x: at byte 0: expected field pieces (number 1) with wire type 2, found wire type 0",
                assertThrows(TokenizerFormatException.class,
                        () -> SentencePieceModelFile.parse(new ProtoWriter().varint(1, 5).toByteArray(), "x")).getMessage());
        assertEquals("x: no pieces; this is not a SentencePiece model", assertThrows(TokenizerFormatException.class,
                () -> SentencePieceModelFile.parse(new byte[0], "x")).getMessage());
        assertTrue(assertThrows(TokenizerFormatException.class, () -> SentencePieceModelFile.parse(
                new ProtoWriter().message(1, new ProtoWriter().bytes(1, new byte[] {(byte) 0xC3})).toByteArray(), "x"))
                .getMessage().contains("expected a UTF-8 string, found malformed bytes"));
    }

    @Provide
    Arbitrary<byte[]> corrupted() {
        byte[] tiny = tinyBytes();
        // Truncations, and random byte overwrites (mostly in the trailing specs, where fields are dense).
        Arbitrary<byte[]> truncated = Arbitraries.integers().between(0, tiny.length - 1).map(n -> Arrays.copyOf(tiny, n));
        Arbitrary<byte[]> flipped = Arbitraries.integers().between(0, tiny.length - 1).list().ofMinSize(1).ofMaxSize(4)
                .flatMap(positions -> Arbitraries.bytes().list().ofSize(positions.size()).map(values -> {
                    byte[] b = tiny.clone();
                    for (int i = 0; i < positions.size(); i++) {
                        b[positions.get(i)] = values.get(i);
                    }
                    return b;
                }));
        Arbitrary<byte[]> tail = Arbitraries.integers().between(tiny.length - 200, tiny.length - 1).flatMap(p ->
                Arbitraries.bytes().map(v -> {
                    byte[] b = tiny.clone();
                    b[p] = v;
                    return b;
                }));
        return Arbitraries.oneOf(truncated, flipped, tail);
    }

    /** A damaged file either still parses or fails with a TokenizerFormatException — never anything else. */
    @Property(tries = 150)
    void damageIsReportedNotCrashedOn(@ForAll("corrupted") byte[] bytes) {
        try {
            SentencePieceModelFile.Contents c = SentencePieceModelFile.parse(bytes, "damaged");
            SentencePieceModelFile.toTokenizer(c, "damaged").encode("hello world");
        } catch (TokenizerFormatException e) {
            assertTrue(e.getMessage().startsWith("damaged"), e.getMessage());
        }
    }
}

package dev.skipllama.transformer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.transformer.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Our {@code tokenizer.model} loader against sentencepiece itself, on the embedded model's
 * tokenizer: ids and decoded text written by {@code training/tokenizer_fixture.py}.
 */
class TinyModelTest {

    private static SentencePieceTokenizer tiny;

    /** The embedded model's tokenizer, read once. */
    static synchronized SentencePieceTokenizer tiny() {
        if (tiny == null) {
            tiny = read();
        }
        return tiny;
    }

    private static SentencePieceTokenizer read() {
        try (InputStream in = TinyModelTest.class.getResourceAsStream("/tiny-layerskip/tokenizer.model")) {
            SentencePieceModelFile.Contents c = SentencePieceModelFile.parse(in.readAllBytes(), "tiny tokenizer.model");
            return SentencePieceModelFile.toTokenizer(c, "tiny tokenizer.model");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void readsTheTrainerAndNormalizerSettings() throws IOException {
        byte[] bytes;
        try (InputStream in = getClass().getResourceAsStream("/tiny-layerskip/tokenizer.model")) {
            bytes = in.readAllBytes();
        }
        SentencePieceModelFile.Contents c = SentencePieceModelFile.parse(bytes, "tiny");
        assertEquals(SentencePieceModelFile.MODEL_TYPE_BPE, c.modelType());
        assertTrue(c.byteFallback());
        assertEquals("identity", c.normalizerName());
        assertTrue(c.addDummyPrefix());
        assertEquals(false, c.removeExtraWhitespaces());
        Vocabulary v = c.vocabulary();
        assertEquals(4096, v.size());
        assertEquals("<unk>", v.piece(v.unk()));
        assertEquals("<s>", v.piece(v.bos()));
        assertEquals("</s>", v.piece(v.eos()));
        assertEquals(TokenType.BYTE, v.type(v.pieces().indexOf("<0x0A>")));
    }

    @Test
    void matchesSentencepieceOnEveryCase() throws IOException {
        SentencePieceTokenizer tok = tiny();
        List<String> lines;
        try (InputStream in = getClass().getResourceAsStream("/tiny-layerskip/tokenizer-expected.jsonl")) {
            lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
        assertTrue(lines.size() >= 30, "expected a few dozen cases, found " + lines.size());
        int passed = 0;
        StringBuilder failures = new StringBuilder();
        for (String line : lines) {
            Map<String, Object> m = Json.parseObject(line);
            String text = (String) m.get("text");
            int[] expected = ((List<?>) m.get("ids")).stream().mapToInt(o -> ((Long) o).intValue()).toArray();
            int[] actual = tok.encode(text);
            String decoded = tok.decode(expected);
            if (java.util.Arrays.equals(expected, actual) && decoded.equals(m.get("decoded"))) {
                passed++;
            } else {
                failures.append("\n  ").append(Json.class.getSimpleName()).append(" case ").append(line)
                        .append("\n    ours: ").append(java.util.Arrays.toString(actual)).append(" decoded '")
                        .append(decoded).append("'");
            }
        }
        assertEquals(lines.size(), passed, passed + "/" + lines.size() + " cases match" + failures);
    }

    @Test
    void bosComesFirstWhenAsked() {
        SentencePieceTokenizer tok = tiny();
        int[] ids = tok.encode("Hello world", true);
        assertEquals(tok.bos(), ids[0]);
        assertArrayEquals(tok.encode("Hello world"), java.util.Arrays.copyOfRange(ids, 1, ids.length));
        assertEquals("Hello world", tok.decode(ids));
    }

    @Test
    void loadsFromAPath(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path file = dir.resolve("tokenizer.model");
        try (InputStream in = getClass().getResourceAsStream("/tiny-layerskip/tokenizer.model")) {
            Files.write(file, in.readAllBytes());
        }
        assertArrayEquals(tiny().encode("a test"), SentencePieceModelFile.load(file).encode("a test"));
    }
}

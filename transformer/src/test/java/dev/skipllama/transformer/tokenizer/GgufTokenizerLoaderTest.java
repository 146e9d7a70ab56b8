package dev.skipllama.transformer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.skipllama.transformer.gguf.GgufType;
import dev.skipllama.transformer.gguf.GgufWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GGUF tokenizer metadata written by our own GgufWriter (as the export will write it) reads back
 * into the same tokenizer; what the loader cannot handle is named.
 */
class GgufTokenizerLoaderTest {
    @TempDir
    Path dir;

    /** The embedded model's tokenizer.model, written as llama.cpp's tokenizer.ggml.* keys. */
    private GgufWriter tinyAsGguf() {
        Vocabulary v = TinyModelTest.tiny().vocabulary();
        int[] types = Arrays.stream(v.types()).mapToInt(TokenType::code).toArray();
        return new GgufWriter()
                .put("general.architecture", "llama")
                .put("tokenizer.ggml.model", "llama")
                .put("tokenizer.ggml.tokens", v.pieces())
                .put("tokenizer.ggml.scores", v.scores())
                .put("tokenizer.ggml.token_type", types)
                .put("tokenizer.ggml.bos_token_id", GgufType.UINT32, (long) v.bos())
                .put("tokenizer.ggml.eos_token_id", GgufType.UINT32, (long) v.eos())
                .put("tokenizer.ggml.unknown_token_id", GgufType.UINT32, (long) v.unk());
    }

    @Test
    void theTinyTokenizerSurvivesGguf() throws IOException {
        Path p = dir.resolve("tiny.gguf");
        tinyAsGguf().put("tokenizer.ggml.add_bos_token", true).write(p);
        Tokenizer fromGguf = GgufTokenizerLoader.load(p);
        Tokenizer fromModel = TinyModelTest.tiny();
        assertEquals(fromModel.vocabulary(), fromGguf.vocabulary());
        for (String s : List.of("Once upon a time, there was a little girl named Lily.", "  two  spaces ", "Ünïcödé 😀", "")) {
            assertArrayEquals(fromModel.encode(s, true), fromGguf.encode(s, true), s);
        }
    }

    @Test
    void addSpacePrefixFalseIsHonoured() throws IOException {
        Path p = dir.resolve("noprefix.gguf");
        tinyAsGguf().put("tokenizer.ggml.add_space_prefix", false).put("tokenizer.ggml.add_bos_token", false).write(p);
        Tokenizer t = GgufTokenizerLoader.load(p);
        assertFalse(t.addBosByDefault());
        assertEquals("Hello world", t.decode(t.encode("Hello world")));
        assertFalse(t.vocabulary().piece(t.encode("Hello")[0]).startsWith("▁"));
    }

    @Test
    void rejectionsNameTheFileAndTheProblem() throws IOException {
        Path bert = dir.resolve("bert.gguf");
        new GgufWriter().put("tokenizer.ggml.model", "bert").put("tokenizer.ggml.tokens", List.of("a")).write(bert);
        assertEquals(bert + ": tokenizer.ggml.model is 'bert'; supported are 'llama' (SentencePiece) and 'gpt2' (byte-level BPE)",
                assertThrows(TokenizerFormatException.class, () -> GgufTokenizerLoader.load(bert)).getMessage());

        Path qwen = dir.resolve("qwen.gguf");
        new GgufWriter().put("tokenizer.ggml.model", "gpt2").put("tokenizer.ggml.pre", "qwen2")
                .put("tokenizer.ggml.tokens", List.of("a")).put("tokenizer.ggml.merges", List.of("a a")).write(qwen);
        assertEquals(qwen + ": pre-tokenizer 'qwen2' (tokenizer.ggml.pre) is not supported; supported are Llama-3's: ",
                assertThrows(TokenizerFormatException.class, () -> GgufTokenizerLoader.load(qwen)).getMessage()
                        .replaceAll("\\[.*", ""));

        Path none = dir.resolve("none.gguf");
        new GgufWriter().put("general.architecture", "llama").write(none);
        assertEquals(none + ": no tokenizer in this file (tokenizer.ggml.model is missing)",
                assertThrows(TokenizerFormatException.class, () -> GgufTokenizerLoader.load(none)).getMessage());

        Path badType = dir.resolve("badtype.gguf");
        new GgufWriter().put("tokenizer.ggml.model", "llama").put("tokenizer.ggml.tokens", List.of("a", "b"))
                .put("tokenizer.ggml.token_type", new int[] {1, 7}).write(badType);
        assertEquals(badType + ": token 1 has type code 7, expected one of 1 (normal), 2 (unknown), 3 (control), "
                        + "4 (user-defined), 5 (unused), 6 (byte)",
                assertThrows(TokenizerFormatException.class, () -> GgufTokenizerLoader.load(badType)).getMessage());

        Path badId = dir.resolve("badid.gguf");
        new GgufWriter().put("tokenizer.ggml.model", "llama").put("tokenizer.ggml.tokens", List.of("a", "b"))
                .put("tokenizer.ggml.eos_token_id", GgufType.UINT32, 5L).write(badId);
        assertEquals(badId + ": tokenizer.ggml.eos_token_id = 5 is outside the 2 tokens",
                assertThrows(TokenizerFormatException.class, () -> GgufTokenizerLoader.load(badId)).getMessage());
    }
}

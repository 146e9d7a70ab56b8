package dev.skipllama.transformer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizersTest {

    @Test
    void picksTheLoaderByFile(@TempDir Path dir) throws IOException {
        Tokenizer gguf = Tokenizers.load(VocabFixtures.gguf("ggml-vocab-llama-spm.gguf"));
        assertArrayEquals(VocabFixtures.spm().encode("Hello world"), gguf.encode("Hello world"));
        try (InputStream in = getClass().getResourceAsStream("/tiny-layerskip/tokenizer.model")) {
            Files.write(dir.resolve("tokenizer.model"), in.readAllBytes());
        }
        assertInstanceOf(SentencePieceTokenizer.class, Tokenizers.load(dir)); // a checkpoint directory
        assertInstanceOf(SentencePieceTokenizer.class, Tokenizers.load(dir.resolve("tokenizer.model")));
        Files.writeString(dir.resolve("vocab.txt"), "x");
        assertEquals(dir.resolve("vocab.txt") + ": not a tokenizer file; expected a .gguf model, a SentencePiece "
                + "tokenizer.model or a HF tokenizer.json",
                assertThrows(TokenizerFormatException.class, () -> Tokenizers.load(dir.resolve("vocab.txt"))).getMessage());
        Path empty = Files.createDirectory(dir.resolve("empty"));
        assertThrows(TokenizerFormatException.class, () -> Tokenizers.load(empty));
    }
}

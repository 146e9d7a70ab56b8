package dev.skipllama.transformer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.skipllama.transformer.gguf.GgufWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufTokenizerMetadataTest {

    /** Llama-2's vocabulary written as tokenizer.ggml.* and read back tokenizes every fixture text the same. */
    @Test
    void sentencePieceMetadataRoundTrips(@TempDir Path dir) throws IOException {
        Path fixture = Path.of("src/test/resources/llama.cpp-vocab/ggml-vocab-llama-spm.gguf");
        SentencePieceTokenizer original = (SentencePieceTokenizer) GgufTokenizerLoader.load(fixture);
        Path out = dir.resolve("vocab.gguf");
        new GgufWriter().put("general.architecture", "llama").putAll(GgufTokenizerMetadata.sentencePiece(original)).write(out);
        Tokenizer back = GgufTokenizerLoader.load(out);
        assertEquals(original.vocabulary(), back.vocabulary());
        String inp = Files.readString(Path.of("src/test/resources/llama.cpp-vocab/ggml-vocab-llama-spm.gguf.inp"));
        for (String text : inp.split("\n__ggml_vocab_test__\n")) {
            assertArrayEquals(original.encode(text, true), back.encode(text, true), text);
        }
    }
}

package dev.skipllama.transformer.model;

import dev.skipllama.tensor.DType;
import dev.skipllama.transformer.convert.HfToGguf;
import dev.skipllama.transformer.tokenizer.GgufTokenizerMetadata;
import dev.skipllama.transformer.tokenizer.SentencePieceModelFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

/**
 * The embedded model (models/tiny-layerskip, 12 layers, 6.3 M parameters) for tests that damage
 * model files: its checkpoint, and GGUF conversions of it made once per test JVM.
 */
public final class EmbeddedModel {
    public static final Path DIR = Path.of("../models/tiny-layerskip");
    private static final Map<DType, byte[]> GGUF = new EnumMap<>(DType.class);

    private EmbeddedModel() {
    }

    /** The bytes of the embedded model converted to GGUF with {@code type} weights (a fresh copy to damage). */
    public static synchronized byte[] gguf(DType type) {
        byte[] b = GGUF.get(type);
        if (b == null) {
            try {
                Path tmp = Files.createTempFile("tiny-layerskip-" + type, ".gguf");
                try {
                    HfToGguf.convert(DIR, tmp, type,
                            GgufTokenizerMetadata.sentencePiece(SentencePieceModelFile.load(DIR.resolve("tokenizer.model"))));
                    b = Files.readAllBytes(tmp);
                } finally {
                    Files.deleteIfExists(tmp);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            GGUF.put(type, b);
        }
        return b.clone();
    }

    /** Copies the checkpoint's files into {@code dir} (created), to be damaged there. */
    public static Path checkpointCopy(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (String f : new String[]{"config.json", "tokenizer.model", "model.safetensors"}) {
            Files.copy(DIR.resolve(f), dir.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return dir;
    }
}

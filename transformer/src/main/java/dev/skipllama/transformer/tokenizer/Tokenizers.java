package dev.skipllama.transformer.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens whichever tokenizer a path holds, by what the file is. */
public final class Tokenizers {
    private Tokenizers() {
    }

    /**
     * The tokenizer file of a HF checkpoint: {@code tokenizer.model} when there is one, else
     * {@code tokenizer.json}. The SentencePiece file first, as llama.cpp's converter does: Llama-2
     * checkpoints ship both, and their tokenizer.json is a derived "fast" tokenizer this reader does not
     * take; Llama-3 checkpoints have only tokenizer.json at the top. Loading and converting both use
     * this, so they agree.
     */
    public static Path inCheckpoint(Path dir) throws TokenizerFormatException {
        for (String name : new String[] {"tokenizer.model", "tokenizer.json"}) {
            if (Files.exists(dir.resolve(name))) {
                return dir.resolve(name);
            }
        }
        throw new TokenizerFormatException(dir + ": no tokenizer.model or tokenizer.json in this directory");
    }

    /**
     * A {@code .gguf} model's embedded tokenizer, a SentencePiece {@code tokenizer.model}, or a HF
     * {@code tokenizer.json}; for a directory, the file {@link #inCheckpoint} picks.
     */
    public static Tokenizer load(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            return load(inCheckpoint(path));
        }
        String name = path.getFileName().toString();
        if (name.endsWith(".gguf")) {
            return GgufTokenizerLoader.load(path);
        } else if (name.endsWith(".json")) {
            return HfTokenizerJson.load(path);
        } else if (name.endsWith(".model")) {
            return SentencePieceModelFile.load(path);
        }
        throw new TokenizerFormatException(path + ": not a tokenizer file; expected a .gguf model, a SentencePiece "
                + "tokenizer.model or a HF tokenizer.json");
    }
}

package dev.skipllama.transformer.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens whichever tokenizer a path holds, by what the file is. */
public final class Tokenizers {
    private Tokenizers() {
    }

    /**
     * A {@code .gguf} model's embedded tokenizer, a SentencePiece {@code tokenizer.model}, or a HF
     * {@code tokenizer.json}; a directory is searched for {@code tokenizer.json}, then
     * {@code tokenizer.model} (a HF checkpoint has one or both).
     */
    public static Tokenizer load(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            for (String name : new String[] {"tokenizer.json", "tokenizer.model"}) {
                if (Files.isRegularFile(path.resolve(name))) {
                    return load(path.resolve(name));
                }
            }
            throw new TokenizerFormatException(path + ": no tokenizer.json or tokenizer.model in this directory");
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

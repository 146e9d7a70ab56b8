package dev.skipllama.transformer.gguf;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A GGUF file that is not well formed. The message names the file, the field being read (for
 * example {@code tensor 'blk.0.attn_q.weight' offset} or {@code metadata key #12 string length})
 * and the value found, so a broken download or a buggy converter can be told apart from a bug here.
 */
public class GgufFormatException extends IOException {
    private final Path file;
    private final String field;

    public GgufFormatException(Path file, String field, String problem) {
        super(file + ": " + field + ": " + problem);
        this.file = file;
        this.field = field;
    }

    /** The file that failed to parse. */
    public Path file() {
        return file;
    }

    /** What was being read, e.g. {@code metadata 'general.alignment' value}. */
    public String field() {
        return field;
    }
}

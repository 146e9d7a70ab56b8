package dev.skipllama.transformer.safetensors;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A safetensors file (or sharded checkpoint index) that is not well formed. The message names the
 * file, what was being read (for example {@code tensor 'model.norm.weight' data_offsets}) and the
 * value found.
 */
public class SafetensorsFormatException extends IOException {
    private final Path file;
    private final String field;

    public SafetensorsFormatException(Path file, String field, String problem) {
        super(file + ": " + field + ": " + problem);
        this.file = file;
        this.field = field;
    }

    public SafetensorsFormatException(Path file, String field, String problem, Throwable cause) {
        this(file, field, problem);
        initCause(cause);
    }

    public Path file() {
        return file;
    }

    public String field() {
        return field;
    }
}

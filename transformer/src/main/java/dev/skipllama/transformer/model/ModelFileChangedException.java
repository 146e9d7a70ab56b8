package dev.skipllama.transformer.model;

import java.nio.file.Path;

/**
 * A file the model's weights are mapped from changed while the model was in use (truncated,
 * rewritten, deleted). The mapped pages past a truncation no longer exist, so reading them faults;
 * this says so in one line instead of the JVM's {@code InternalError} about "unsafe memory access".
 */
public final class ModelFileChangedException extends IllegalStateException {
    private final Path file;

    public ModelFileChangedException(Path file, String change, Throwable cause) {
        super(file + " " + change + " while the model was in use (its weights are mapped from it); "
                + "close the model and load it again", cause);
        this.file = file;
    }

    /** The file that changed. */
    public Path file() {
        return file;
    }
}

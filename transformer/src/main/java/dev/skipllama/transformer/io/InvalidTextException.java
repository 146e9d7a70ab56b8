package dev.skipllama.transformer.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A text file that is not what a text input must be: not valid UTF-8 (with the byte offset and the
 * bytes found), or larger than what it is used for.
 */
public final class InvalidTextException extends IOException {
    private final Path file;
    private final long byteOffset;

    public InvalidTextException(Path file, long byteOffset, String problem) {
        super(file + ": " + problem);
        this.file = file;
        this.byteOffset = byteOffset;
    }

    public Path file() {
        return file;
    }

    /** Where the problem is, in bytes from the start of the file; -1 when it is the file as a whole. */
    public long byteOffset() {
        return byteOffset;
    }
}

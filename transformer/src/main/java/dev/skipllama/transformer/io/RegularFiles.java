package dev.skipllama.transformer.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Model files are memory-mapped and read in place, so they must be regular files: opening a FIFO
 * for reading blocks until someone writes to it, and a device has no size to map. This check comes
 * before any open, so such a path is a clear error instead of a hang.
 */
public final class RegularFiles {
    private RegularFiles() {
    }

    /** Throws unless {@code file} (after symbolic links) is a regular file; {@code what} names its role. */
    public static void require(Path file, String what) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "no such file (expected " + what + ")");
        }
        if (!a.isRegularFile()) {
            String kind = a.isDirectory() ? "a directory" : "not a regular file (a FIFO, socket or device)";
            throw new IOException(file + ": " + kind + "; " + what + " must be a regular file");
        }
    }
}

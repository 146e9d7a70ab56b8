package dev.skipllama.transformer.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Objects;

/**
 * What a file was when it was mapped: its size, modification time and identity (device and inode).
 * A mapped file that is truncated while in use makes the next read of a page past the new end a
 * fault the JVM reports as an {@link InternalError}; comparing the stamp with the file as it is now
 * turns that into "this file changed while in use".
 *
 * @param fileKey the file system's identity of the file (null where there is none)
 */
public record FileStamp(Path path, long size, FileTime modified, Object fileKey) {

    /** The file as it is now. */
    public static FileStamp of(Path path) throws IOException {
        BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
        return new FileStamp(path, a.size(), a.lastModifiedTime(), a.fileKey());
    }

    /** How the file differs from this stamp now ("was truncated from 6 MB to 200000 bytes"), or null when it does not. */
    public String change() {
        FileStamp now;
        try {
            now = of(path);
        } catch (NoSuchFileException e) {
            return "was deleted";
        } catch (IOException e) {
            return "can no longer be read (" + e.getMessage() + ")";
        }
        if (!Objects.equals(fileKey, now.fileKey)) {
            return "was replaced by another file";
        }
        if (now.size != size) {
            return (now.size < size ? "was truncated" : "grew") + " from " + size + " to " + now.size + " bytes";
        }
        if (!now.modified.equals(modified)) {
            return "was modified (at " + now.modified + ")";
        }
        return null;
    }
}

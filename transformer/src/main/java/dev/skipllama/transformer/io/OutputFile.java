package dev.skipllama.transformer.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.concurrent.ThreadLocalRandom;

/**
 * An output file written safely: into a temporary file beside the target, renamed over the target
 * only when complete ({@link #commit}), deleted when anything fails ({@link #close} without a
 * commit). A reader of the target never sees half a file, a failed write leaves the old target as it
 * was, and a crash leaves at most a {@code .NAME.*.tmp} file beside it.
 *
 * <p>Before anything is written, the target is checked against the inputs it is made from: an
 * output that is one of them (by real path, so also through a symbolic or hard link), or an output
 * that is a directory, is refused. Writing over an input that is memory-mapped would destroy it and
 * crash the reader mid-way.
 *
 * <pre>{@code
 * try (OutputFile out = OutputFile.create(target, List.of(input))) {
 *     write(out.temp());
 *     out.commit();
 * }
 * }</pre>
 */
public final class OutputFile implements AutoCloseable {
    private final Path target;
    private final Path temp;
    private boolean committed;

    private OutputFile(Path target, Path temp) {
        this.target = target;
        this.temp = temp;
    }

    /**
     * Checks {@code target} against {@code inputs} (files or directories that are read to make it) and
     * creates an empty temporary file beside it.
     */
    public static OutputFile create(Path target, Collection<Path> inputs) throws IOException {
        checkNotInput(target, inputs);
        Path dir = target.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new NoSuchFileException(String.valueOf(dir), null, "the directory of the output " + target + " does not exist");
        }
        String name = target.getFileName().toString();
        while (true) {
            Path temp = dir.resolve("." + name + "." + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16) + ".tmp");
            try {
                // createFile, not createTempFile: the result gets the usual permissions (umask), not 0600
                return new OutputFile(target, Files.createFile(temp));
            } catch (FileAlreadyExistsException e) {
                // a name collision: try another
            }
        }
    }

    /** Writes {@code text} as UTF-8 to {@code target}, atomically, refusing a target that is one of {@code inputs}. */
    public static void writeString(Path target, String text, Collection<Path> inputs) throws IOException {
        try (OutputFile out = create(target, inputs)) {
            Files.writeString(out.temp(), text, StandardCharsets.UTF_8);
            out.commit();
        }
    }

    /**
     * Refuses a target that is a directory or the same file as one of {@code inputs} (compared by real
     * path and file identity, so links do not hide it); a directory input also refuses itself.
     */
    public static void checkNotInput(Path target, Collection<Path> inputs) throws IOException {
        if (Files.isDirectory(target)) {
            throw new IOException("the output " + target + " is a directory; give the name of the file to write");
        }
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return; // a new name cannot be an existing input
        }
        for (Path in : inputs) {
            if (Files.exists(in) && Files.exists(target) && Files.isSameFile(target, in)) {
                throw new IOException("the output " + target + " is the input " + in
                        + (target.toRealPath().equals(in.toRealPath()) ? "" : " (through a link)")
                        + "; writing it would destroy the input: write to a new file");
            }
        }
    }

    /** Where to write; it exists (empty) until {@link #commit} or {@link #close}. */
    public Path temp() {
        return temp;
    }

    public Path target() {
        return target;
    }

    /** Renames the complete temporary file over the target, atomically where the file system allows it. */
    public void commit() throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING); // same directory: rare, but not worth failing for
        }
        committed = true;
    }

    /** Deletes the temporary file unless it was committed; idempotent. */
    @Override
    public void close() throws IOException {
        if (!committed) {
            committed = true;
            Files.deleteIfExists(temp);
        }
    }
}

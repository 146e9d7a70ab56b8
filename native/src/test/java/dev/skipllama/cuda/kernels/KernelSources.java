package dev.skipllama.cuda.kernels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/** Where the kernel sources and their committed PTX are in the source tree (tests run in native/). */
final class KernelSources {
    static final Path SOURCES = Path.of("src/main/cuda");
    static final Path PTX = Path.of("src/main/resources/dev/skipllama/cuda/kernels");

    private KernelSources() {
    }

    static List<Path> cuFiles() throws IOException {
        try (Stream<Path> s = Files.list(SOURCES)) {
            return s.filter(p -> p.toString().endsWith(".cu")).sorted().toList();
        }
    }

    static String baseName(Path cu) {
        String n = cu.getFileName().toString();
        return n.substring(0, n.length() - ".cu".length());
    }

    static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}

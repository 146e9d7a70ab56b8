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
    /** The PTX ISA build-ptx.sh stamps on the PTX: 6.3 (CUDA 10.0) is the first that knows sm_75. */
    static final String PTX_ISA = "6.3";

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

    /** build-ptx.sh's rewrite of nvcc's ".version" line. */
    static String lowerIsa(String ptx) {
        return ptx.replaceFirst("(?m)^\\.version \\d+\\.\\d+$", ".version " + PTX_ISA);
    }

    static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}

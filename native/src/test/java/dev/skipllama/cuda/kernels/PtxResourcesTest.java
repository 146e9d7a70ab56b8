package dev.skipllama.cuda.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The committed PTX is what a build without nvcc ships, so it must exist for every kernel source
 * and must have been built from the sources as they are now: SOURCES.sha256 (written by
 * build-ptx.sh) holds the hash of every source it was built from.
 */
class PtxResourcesTest {

    @Test
    void everySourceHasItsPtxOnTheClasspath() throws IOException {
        assertFalse(KernelSources.cuFiles().isEmpty(), "no kernel sources under " + KernelSources.SOURCES.toAbsolutePath());
        for (Path cu : KernelSources.cuFiles()) {
            String name = KernelSources.baseName(cu);
            try (InputStream in = getClass().getResourceAsStream("/dev/skipllama/cuda/kernels/" + name + ".ptx")) {
                assertNotNull(in, name + ".ptx is not a resource: run native/build-ptx.sh and commit its output");
                String ptx = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
                assertTrue(ptx.contains(".target sm_75"), name + ".ptx must target the virtual architecture compute_75");
                assertTrue(ptx.contains("\n.version " + KernelSources.PTX_ISA + "\n"), name + ".ptx must carry PTX ISA "
                        + KernelSources.PTX_ISA + " (drivers older than the ISA refuse it): run native/build-ptx.sh");
                assertTrue(ptx.contains(".visible .entry"), name + ".ptx declares no kernel");
            }
            try (InputStream src = getClass().getResourceAsStream("/dev/skipllama/cuda/kernels/" + name + ".cu")) {
                assertNotNull(src, name + ".cu must travel beside its PTX (the NVRTC fallback compiles it)");
            }
        }
    }

    @Test
    void ptxWasBuiltFromTheCurrentSources() throws IOException {
        Map<String, String> recorded = new HashMap<>();
        for (String line : Files.readAllLines(KernelSources.PTX.resolve("SOURCES.sha256"))) {
            String[] parts = line.trim().split("\\s+\\*?", 2);
            recorded.put(parts[1], parts[0]);
        }
        Map<String, String> now = new HashMap<>();
        try (Stream<Path> s = Files.list(KernelSources.SOURCES)) {
            for (Path p : s.filter(f -> f.toString().endsWith(".cu") || f.toString().endsWith(".cuh")).toList()) {
                now.put(p.getFileName().toString(), KernelSources.sha256(p));
            }
        }
        assertEquals(recorded, now, "the committed PTX is stale: run native/build-ptx.sh and commit its output");
    }

    @Test
    void noPtxWithoutASource() throws IOException {
        try (Stream<Path> s = Files.list(KernelSources.PTX)) {
            for (Path ptx : s.filter(f -> f.toString().endsWith(".ptx")).toList()) {
                String n = ptx.getFileName().toString();
                Path cu = KernelSources.SOURCES.resolve(n.substring(0, n.length() - 4) + ".cu");
                assertTrue(Files.isRegularFile(cu), ptx + " has no source " + cu + ": run native/build-ptx.sh");
            }
        }
    }
}

package dev.skipllama.cuda.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where nvcc is on the PATH, every kernel source compiles to PTX with build-ptx.sh's flags, and
 * when it is the nvcc that built the committed PTX, the output is the committed file byte for byte
 * (after build-ptx.sh's ISA stamp). Lowering the stamp changes no machine code: ptxas makes the same
 * cubin from nvcc's own stamp and from the lowered one. Skipped, with the reason, where there is no
 * nvcc (CI).
 */
class NvccCompileTest {

    @Test
    void kernelsCompileWithNvcc(@TempDir Path out) throws IOException, InterruptedException {
        Optional<Path> nvcc = onPath("nvcc");
        assumeTrue(nvcc.isPresent(), "nvcc is not on the PATH, so the .cu sources cannot be compiled here");
        String version = run(List.of(nvcc.get().toString(), "--version"), 30).lines()
                .filter(l -> l.contains("release")).findFirst().orElse("").trim();
        String committed = Files.readString(KernelSources.PTX.resolve("NVCC_VERSION")).trim();
        for (Path cu : KernelSources.cuFiles()) {
            String name = KernelSources.baseName(cu);
            Path ptx = out.resolve(name + ".ptx");
            List<String> cmd = new ArrayList<>(List.of(nvcc.get().toString(), "-ptx", "-arch=compute_75", "-std=c++17", "-O3",
                    "-ftz=false", "-prec-div=true", "-prec-sqrt=true", "-fmad=true", "-I", KernelSources.SOURCES.toString(),
                    "-o", ptx.toString(), cu.toString()));
            run(cmd, 60);
            assertTrue(Files.size(ptx) > 0, name + ": nvcc wrote no PTX");
            String lowered = KernelSources.lowerIsa(Files.readString(ptx));
            assertTrue(lowered.contains(".version " + KernelSources.PTX_ISA + "\n"), name + ": no .version line in nvcc's PTX");
            if (version.equals(committed)) {
                assertEquals(Files.readString(KernelSources.PTX.resolve(name + ".ptx")), lowered,
                        name + ".ptx differs from what " + version + " builds: run native/build-ptx.sh");
            }
            Optional<Path> ptxas = onPath("ptxas");
            if (ptxas.isPresent()) {
                Path low = out.resolve(name + ".lowered.ptx");
                Files.writeString(low, lowered);
                for (String arch : List.of("sm_75", "sm_90")) {
                    Path a = out.resolve(name + "." + arch + ".native.cubin"), b = out.resolve(name + "." + arch + ".lowered.cubin");
                    run(List.of(ptxas.get().toString(), "-arch=" + arch, ptx.toString(), "-o", a.toString()), 60);
                    run(List.of(ptxas.get().toString(), "-arch=" + arch, low.toString(), "-o", b.toString()), 60);
                    assertTrue(Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(b)),
                            name + ": PTX ISA " + KernelSources.PTX_ISA + " gives other " + arch + " code than nvcc's own stamp");
                }
            }
        }
    }

    /**
     * What the driver's JIT will do with the committed PTX, done ahead: ptxas assembles it for the
     * oldest architecture we target and for Hopper.
     */
    @Test
    void committedPtxAssemblesForRealGpus(@TempDir Path out) throws IOException, InterruptedException {
        Optional<Path> ptxas = onPath("ptxas");
        assumeTrue(ptxas.isPresent(), "ptxas is not on the PATH, so the PTX cannot be assembled here");
        for (Path cu : KernelSources.cuFiles()) {
            Path ptx = KernelSources.PTX.resolve(KernelSources.baseName(cu) + ".ptx");
            for (String arch : List.of("sm_75", "sm_90")) {
                run(List.of(ptxas.get().toString(), "-arch=" + arch, ptx.toString(), "-o", out.resolve("k.cubin").toString()), 60);
            }
        }
    }

    private static String run(List<String> cmd, int seconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] output = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(seconds, TimeUnit.SECONDS), "timed out: " + cmd);
        String text = new String(output);
        assertEquals(0, p.exitValue(), () -> String.join(" ", cmd) + " failed:\n" + text);
        return text;
    }

    private static Optional<Path> onPath(String exe) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir, exe);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}

package dev.skipllama.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Library discovery over fake install trees: only file names matter, nothing is opened. */
class CudaLibrariesTest {

    private static Path touch(Path dir, String name) throws IOException {
        Files.createDirectories(dir);
        return Files.writeString(dir.resolve(name), "not really a library");
    }

    @Test
    void findsPipWheelsUnderSitePackages(@TempDir Path tmp) throws IOException {
        Path site = tmp.resolve("lib/python3.12/site-packages");
        Path cublas = touch(site.resolve("nvidia/cublas/lib"), "libcublas.so.12");
        touch(site.resolve("nvidia/cublas/lib"), "libcublasLt.so.12");
        Path nvrtc = touch(site.resolve("nvidia/cuda_nvrtc/lib"), "libnvrtc.so.12");
        CudaLibraries libs = new CudaLibraries(k -> null, k -> null, List.of(), List.of(site));
        assertEquals(Optional.of(cublas), libs.find("cublas"));
        assertEquals(Optional.of(nvrtc), libs.find("nvrtc"));
        assertTrue(libs.find("cuda").isEmpty());
    }

    @Test
    void cuda13WheelLayoutIsFoundToo(@TempDir Path tmp) throws IOException {
        Path site = tmp.resolve("site-packages");
        Path cublas = touch(site.resolve("nvidia/cu13/lib"), "libcublas.so.13");
        CudaLibraries libs = new CudaLibraries(k -> null, k -> null, List.of(), List.of(site));
        assertEquals(Optional.of(cublas), libs.find("cublas"));
    }

    @Test
    void searchOrderIsPropertyThenCudaHomeThenLdLibraryPathThenStandardThenWheels(@TempDir Path tmp) throws IOException {
        Path prop = tmp.resolve("prop"), home = tmp.resolve("home"), ld = tmp.resolve("ld"), std = tmp.resolve("std");
        Path site = tmp.resolve("site");
        Files.createDirectories(site.resolve("nvidia/cublas/lib"));
        Map<String, String> env = Map.of("CUDA_HOME", home.toString(), "LD_LIBRARY_PATH", ld + ":" + ld);
        CudaLibraries libs = new CudaLibraries(env::get, Map.of(CudaLibraries.PATH_PROPERTY, prop.toString())::get,
                List.of(std), List.of(site));
        assertEquals(List.of(prop, home.resolve("lib64"), home.resolve("lib"), home.resolve("targets/x86_64-linux/lib"), ld, std,
                site.resolve("nvidia/cublas/lib")), libs.searchPath());

        touch(std, "libcuda.so.1");
        Path first = touch(home.resolve("lib64"), "libcuda.so.1");
        assertEquals(Optional.of(first), libs.find("cuda"), "CUDA_HOME comes before the standard directories");
        Path explicit = touch(prop, "libcuda.so");
        assertEquals(Optional.of(explicit), libs.find("cuda"), "the property comes first");
    }

    @Test
    void theNewestSonameInADirectoryWins(@TempDir Path tmp) throws IOException {
        touch(tmp, "libcublas.so");
        touch(tmp, "libcublas.so.12");
        Path newest = touch(tmp, "libcublas.so.13.0.2");
        touch(tmp, "libcublas.so.13");
        touch(tmp, "libcublasLt.so.14");
        CudaLibraries libs = new CudaLibraries(k -> null, k -> null, List.of(tmp), List.of());
        assertEquals(Optional.of(newest), libs.find("cublas"));
    }

    @Test
    void toolkitStubsAreNeverPicked(@TempDir Path tmp) throws IOException {
        Path stubs = tmp.resolve("cuda/lib64/stubs");
        touch(stubs, "libcuda.so");
        Path real = touch(tmp.resolve("driver"), "libcuda.so.1");
        CudaLibraries libs = new CudaLibraries(Map.of("LD_LIBRARY_PATH", stubs + ":" + tmp.resolve("driver"))::get, k -> null,
                List.of(), List.of());
        assertEquals(Optional.of(real), libs.find("cuda"));
    }

    @Test
    void thePropertyMayNameTheFileItself(@TempDir Path tmp) throws IOException {
        Path odd = touch(tmp.resolve("x"), "libnvrtc.so.13");
        CudaLibraries libs = new CudaLibraries(k -> null, Map.of(CudaLibraries.PATH_PROPERTY, odd.toString())::get, List.of(), List.of());
        assertEquals(Optional.of(odd), libs.find("nvrtc"));
    }

    @Test
    void notFoundListsEveryPlaceSearched(@TempDir Path tmp) throws IOException {
        Path missing = tmp.resolve("no-such-dir");
        Path site = tmp.resolve("site");
        touch(site.resolve("nvidia/cuda_runtime/lib"), "libcudart.so.12");
        CudaLibraries libs = new CudaLibraries(Map.of("LD_LIBRARY_PATH", missing.toString())::get, k -> null,
                List.of(tmp), List.of(site));
        CudaLibraryNotFoundException e = assertThrows(CudaLibraryNotFoundException.class, () -> libs.require("cublas"));
        String m = e.getMessage();
        assertTrue(m.startsWith("libcublas.so not found"), m);
        assertTrue(m.contains(missing + " (does not exist)"), m);
        assertTrue(m.contains(tmp.toString()), m);
        assertTrue(m.contains(site.resolve("nvidia/cuda_runtime/lib").toString()), m);
        assertTrue(m.contains("-D" + CudaLibraries.PATH_PROPERTY), m);
        assertTrue(m.contains("dynamic linker"), m);
    }

    @Test
    void fileNameMatching() {
        assertEquals("", CudaLibraries.matches("libcuda.so", "cuda"));
        assertEquals(".1", CudaLibraries.matches("libcuda.so.1", "cuda"));
        assertEquals(null, CudaLibraries.matches("libcudart.so.13", "cuda"));
        assertEquals(null, CudaLibraries.matches("libcublasLt.so.13", "cublas"));
        assertEquals(null, CudaLibraries.matches("libcuda.so.1.bak", "cuda"));
    }

    @Test
    void theSystemFinderStartsWithoutNativeCode() {
        List<Path> path = CudaLibraries.system().searchPath();
        assertFalse(path.isEmpty());
        assertTrue(path.contains(Path.of("/usr/lib/x86_64-linux-gnu")), path.toString());
    }
}

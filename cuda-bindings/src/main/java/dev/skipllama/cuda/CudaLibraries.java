package dev.skipllama.cuda;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the CUDA shared libraries, in this order: the directories (or files) of the system property
 * {@value #PATH_PROPERTY}, {@code $CUDA_HOME}, {@code $LD_LIBRARY_PATH}, the standard install
 * directories, then the {@code nvidia/*}{@code /lib} directories of pip's CUDA wheels under every
 * Python site-packages directory we can see (that is where GPU boxes with PyTorch keep cuBLAS and
 * NVRTC). The driver ({@code libcuda}) comes with the GPU driver, not the toolkit, so it is usually
 * found in the system library directories; as a last resort the dynamic linker's own search is tried.
 *
 * <p>Pure file-system work: nothing here touches native code until {@link #lookup} opens a library.
 */
public final class CudaLibraries {
    /** Directories or library files to search first, separated by {@code File.pathSeparator}. */
    public static final String PATH_PROPERTY = "skipllama.cuda.path";

    public static final String DRIVER = "cuda";
    public static final String CUBLAS = "cublas";
    public static final String NVRTC = "nvrtc";

    private static final Pattern VERSIONED = Pattern.compile("lib(.+)\\.so((?:\\.\\d+)*)");

    private final Function<String, String> env;
    private final Function<String, String> props;
    private final List<Path> standardDirs;
    private final List<Path> sitePackages;

    /**
     * @param env          environment variables ({@code System::getenv} in production)
     * @param props        system properties
     * @param standardDirs the system library directories to search after the environment's
     * @param sitePackages Python site-packages directories whose {@code nvidia/*}{@code /lib} hold pip's CUDA wheels
     */
    public CudaLibraries(Function<String, String> env, Function<String, String> props, List<Path> standardDirs,
                         List<Path> sitePackages) {
        this.env = env;
        this.props = props;
        this.standardDirs = List.copyOf(standardDirs);
        this.sitePackages = List.copyOf(sitePackages);
    }

    /** The finder for this process: its environment, properties, and this machine's directories. */
    public static CudaLibraries system() {
        return Holder.SYSTEM;
    }

    private static final class Holder {
        static final CudaLibraries SYSTEM = new CudaLibraries(System::getenv, System::getProperty,
                standardDirectories(), PythonSitePackages.find(System::getenv, System.getProperty("user.home")));
    }

    /** Every directory searched, in order, each once. */
    public List<Path> searchPath() {
        Set<Path> dirs = new LinkedHashSet<>();
        for (String entry : split(props.apply(PATH_PROPERTY))) {
            Path p = Path.of(entry);
            dirs.add(Files.isRegularFile(p) && p.getParent() != null ? p.getParent() : p);
        }
        String cudaHome = env.apply("CUDA_HOME");
        for (String home : split(cudaHome == null ? env.apply("CUDA_PATH") : cudaHome)) {
            dirs.add(Path.of(home, "lib64"));
            dirs.add(Path.of(home, "lib"));
            dirs.add(Path.of(home, "targets", "x86_64-linux", "lib"));
        }
        for (String entry : split(env.apply("LD_LIBRARY_PATH"))) {
            dirs.add(Path.of(entry));
        }
        dirs.addAll(standardDirs);
        for (Path site : sitePackages) {
            dirs.addAll(subdirs(site.resolve("nvidia"), "lib"));
        }
        return List.copyOf(dirs);
    }

    /** The file for library {@code name} ("cuda", "cublas", "nvrtc"), or empty. Newest soname wins within a directory. */
    public Optional<Path> find(String name) {
        for (String entry : split(props.apply(PATH_PROPERTY))) {
            Path p = Path.of(entry);
            if (Files.isRegularFile(p) && matches(p.getFileName().toString(), name) != null) {
                return Optional.of(p);
            }
        }
        for (Path dir : searchPath()) {
            Optional<Path> hit = findIn(dir, name);
            if (hit.isPresent()) {
                return hit;
            }
        }
        return Optional.empty();
    }

    /** The file, or an exception whose message names the library and every place searched. */
    public Path require(String name) {
        return find(name).orElseThrow(() -> new CudaLibraryNotFoundException(notFoundMessage(name)));
    }

    public String notFoundMessage(String name) {
        StringBuilder sb = new StringBuilder("lib" + name + ".so not found. Searched (set -D" + PATH_PROPERTY
                + "=DIR to add a directory):");
        List<Path> dirs = searchPath();
        for (Path d : dirs) {
            sb.append("\n  ").append(d).append(Files.isDirectory(d) ? "" : " (does not exist)");
        }
        if (dirs.isEmpty()) {
            sb.append(" (no candidate directories)");
        }
        sb.append("\n  and the dynamic linker's default search");
        return sb.toString();
    }

    /**
     * A lookup into library {@code name} that opens it (for the life of the process) on its first use,
     * so that binding classes load anywhere. Found files are opened by path; when none is found, the
     * dynamic linker's default search (ld.so.cache) gets a last try, since that is where a
     * driver-installed {@code libcuda.so.1} often lives. Failing to open throws
     * {@link CudaLibraryNotFoundException} at each use, never at class initialisation.
     */
    public static SymbolLookup lookup(String name) {
        return new SymbolLookup() {
            private volatile SymbolLookup opened;

            @Override
            public Optional<java.lang.foreign.MemorySegment> find(String symbol) {
                SymbolLookup l = opened;
                if (l == null) {
                    synchronized (this) {
                        if (opened == null) {
                            opened = open(name);
                        }
                        l = opened;
                    }
                }
                return l.find(symbol);
            }
        };
    }

    /** Opens library {@code name} now; throws {@link CudaLibraryNotFoundException} listing the search. */
    public static SymbolLookup open(String name) {
        CudaLibraries libs = system();
        Optional<Path> file = libs.find(name);
        if (file.isPresent()) {
            try {
                return SymbolLookup.libraryLookup(file.get(), Arena.global());
            } catch (IllegalArgumentException e) {
                throw new CudaLibraryNotFoundException(file.get() + " was found but could not be opened (" + e.getMessage()
                        + "): a missing dependency such as libcublasLt, or a library for another architecture");
            }
        }
        for (String soname : List.of("lib" + name + ".so", "lib" + name + ".so.1")) {
            try {
                return SymbolLookup.libraryLookup(soname, Arena.global());
            } catch (IllegalArgumentException notThere) {
                // try the next name; the exception below lists everything
            }
        }
        throw new CudaLibraryNotFoundException(libs.notFoundMessage(name));
    }

    private static Optional<Path> findIn(Path dir, String name) {
        // The toolkit's link-time stubs (…/lib64/stubs, sometimes on LD_LIBRARY_PATH in containers)
        // export every symbol but fail every call: never pick one.
        if (!Files.isDirectory(dir) || (dir.getFileName() != null && dir.getFileName().toString().equals("stubs"))) {
            return Optional.empty();
        }
        List<Path> hits = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "lib" + name + ".so*")) {
            for (Path f : files) {
                if (matches(f.getFileName().toString(), name) != null && Files.isReadable(f)) {
                    hits.add(f);
                }
            }
        } catch (IOException | UncheckedIOException e) {
            return Optional.empty();
        }
        return hits.stream().max(Comparator.comparing((Path f) -> matches(f.getFileName().toString(), name), CudaLibraries::compareVersions));
    }

    /** The version suffix ("" for the bare .so, ".13.0.1" …) when {@code file} is a build of library {@code name}, else null. */
    static String matches(String file, String name) {
        Matcher m = VERSIONED.matcher(file);
        return m.matches() && m.group(1).equals(name) ? m.group(2) : null;
    }

    private static int compareVersions(String a, String b) {
        String[] x = a.isEmpty() ? new String[0] : a.substring(1).split("\\.");
        String[] y = b.isEmpty() ? new String[0] : b.substring(1).split("\\.");
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            int c = Long.compare(Long.parseLong(x[i]), Long.parseLong(y[i]));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.length, y.length);
    }

    static List<Path> subdirs(Path parent, String child) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(parent)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent)) {
            for (Path p : ds) {
                if (Files.isDirectory(p.resolve(child))) {
                    out.add(p.resolve(child));
                }
            }
        } catch (IOException | UncheckedIOException e) {
            return out;
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    private static List<String> split(String pathList) {
        List<String> out = new ArrayList<>();
        if (pathList != null) {
            for (String s : pathList.split(java.io.File.pathSeparator)) {
                if (!s.isBlank()) {
                    out.add(s.trim());
                }
            }
        }
        return out;
    }

    private static List<Path> standardDirectories() {
        List<Path> dirs = new ArrayList<>(List.of(Path.of("/usr/local/cuda/lib64"),
                Path.of("/usr/local/cuda/targets/x86_64-linux/lib")));
        // Versioned toolkits side by side: the newest first.
        List<Path> versioned = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/usr/local"), "cuda-*")) {
            ds.forEach(p -> versioned.add(p.resolve("lib64")));
        } catch (IOException | RuntimeException e) {
            // no /usr/local/cuda-* toolkits
        }
        versioned.sort(Comparator.reverseOrder());
        dirs.addAll(versioned);
        dirs.addAll(List.of(Path.of("/usr/lib/x86_64-linux-gnu"), Path.of("/usr/lib64"), Path.of("/usr/lib"),
                Path.of("/usr/local/lib"), Path.of("/usr/lib/wsl/lib"), Path.of("/usr/lib/aarch64-linux-gnu")));
        return dirs;
    }

    /** Python's site-packages directories, found without running Python unless nothing else turns up. */
    static final class PythonSitePackages {
        private PythonSitePackages() {
        }

        static List<Path> find(Function<String, String> env, String home) {
            Set<Path> out = new LinkedHashSet<>();
            for (String prefix : new String[]{env.apply("VIRTUAL_ENV"), env.apply("CONDA_PREFIX")}) {
                if (prefix != null) {
                    out.addAll(pythonDirs(Path.of(prefix, "lib"), "site-packages"));
                }
            }
            for (String entry : split(env.apply("PYTHONPATH"))) {
                out.add(Path.of(entry));
            }
            if (home != null) {
                out.addAll(pythonDirs(Path.of(home, ".local", "lib"), "site-packages"));
            }
            for (String root : new String[]{"/usr/local/lib", "/usr/lib", "/opt/conda/lib", "/usr/lib64"}) {
                out.addAll(pythonDirs(Path.of(root), "site-packages"));
                out.addAll(pythonDirs(Path.of(root), "dist-packages"));
            }
            boolean anyWheels = out.stream().anyMatch(p -> Files.isDirectory(p.resolve("nvidia")));
            if (!anyWheels) {
                out.addAll(askPython());
            }
            return List.copyOf(out);
        }

        private static List<Path> pythonDirs(Path lib, String kind) {
            List<Path> out = new ArrayList<>();
            if (!Files.isDirectory(lib)) {
                return out;
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(lib, "python3*")) {
                for (Path p : ds) {
                    if (Files.isDirectory(p.resolve(kind))) {
                        out.add(p.resolve(kind));
                    }
                }
            } catch (IOException | UncheckedIOException e) {
                return out;
            }
            out.sort(Comparator.reverseOrder());
            return out;
        }

        /** Python's own answer, for installs in places the globs above miss; at most a few seconds. */
        private static List<Path> askPython() {
            List<Path> out = new ArrayList<>();
            try {
                Process p = new ProcessBuilder("python3", "-c",
                        "import site,sys\nfor d in site.getsitepackages()+[site.getusersitepackages()]+sys.path: print(d)")
                        .redirectErrorStream(true).start();
                p.getOutputStream().close();
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return out;
                }
                for (String line : new String(p.getInputStream().readAllBytes()).split("\n")) {
                    if (line.startsWith("/") && Files.isDirectory(Path.of(line.trim()))) {
                        out.add(Path.of(line.trim()));
                    }
                }
            } catch (IOException e) {
                return out;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return out;
        }
    }

    /** For tests: the given map as an environment. */
    static Function<String, String> of(Map<String, String> m) {
        return m::get;
    }
}

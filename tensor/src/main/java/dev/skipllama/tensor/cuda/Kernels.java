package dev.skipllama.tensor.cuda;

import static dev.skipllama.cuda.cuda_h.CU_JIT_ERROR_LOG_BUFFER;
import static dev.skipllama.cuda.cuda_h.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES;
import static dev.skipllama.cuda.cuda_h.CUDA_ERROR_INVALID_PTX;
import static dev.skipllama.cuda.cuda_h.CUDA_ERROR_UNSUPPORTED_PTX_VERSION;

import dev.skipllama.cuda.cuda_h;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The kernels of native/: one CUDA module per source file, loaded from the PTX resources (the driver
 * JIT-compiles them for the GPU at hand; their PTX ISA 6.3 stamp is one every driver for sm_75 and
 * later knows), or compiled from the sources with NVRTC where a driver refuses the PTX all the same. Not thread-safe: {@link CudaBackend} calls it under its lock.
 */
final class Kernels implements AutoCloseable {
    static final String RESOURCE_DIR = "/dev/skipllama/cuda/kernels/";
    /** Source file → the kernels it defines. */
    static final Map<String, List<String>> MODULES = Map.of(
            "attention", List.of("attention", "attention_f16"),
            "convert", List.of("f32_to_f16", "f32_to_bf16", "dequant_q8_0", "dequant_q4_0"),
            "elementwise", List.of("swiglu", "add"),
            "embedding", List.of("embedding_f32", "embedding_f16", "embedding_bf16", "embedding_q8_0", "embedding_q4_0"),
            "matmul", List.of("matmul_f32", "matmul_f16", "matmul_bf16", "matmul_q8_0", "matmul_q4_0"),
            "rmsnorm", List.of("rmsnorm"),
            "rope", List.of("rope"),
            "softmax", List.of("softmax"));
    private static final int MAX_ARGS = 16;

    private final Arena arena = Arena.ofShared();
    private final List<MemorySegment> modules = new ArrayList<>();
    private final Map<String, MemorySegment> functions = new HashMap<>();
    private final MemorySegment argValues = arena.allocate(8L * MAX_ARGS, 8);
    private final MemorySegment argPointers = arena.allocate(ValueLayout.ADDRESS, MAX_ARGS);
    private String origin = "PTX";

    Kernels() {
        try {
            for (Map.Entry<String, List<String>> m : MODULES.entrySet()) {
                MemorySegment module = load(m.getKey());
                modules.add(module);
                for (String fn : m.getValue()) {
                    MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
                    try (Arena a = Arena.ofConfined()) {
                        Errors.cu("cuModuleGetFunction(" + fn + ")", cuda_h.cuModuleGetFunction(out, module, a.allocateFrom(fn)));
                    }
                    functions.put(fn, out.get(ValueLayout.ADDRESS, 0));
                }
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Where the code came from: the shipped PTX, or NVRTC. */
    String origin() {
        return origin;
    }

    private MemorySegment load(String name) {
        byte[] ptx = resource(name + ".ptx");
        try {
            return loadImage(name + ".ptx", ptx);
        } catch (CudaException e) {
            if (e.code() != CUDA_ERROR_UNSUPPORTED_PTX_VERSION() && e.code() != CUDA_ERROR_INVALID_PTX()) {
                throw e;
            }
            // A driver that refuses the PTX (build-ptx.sh stamps an ISA every sm_75 driver knows, so this is
            // a PTX rebuilt some other way): compile the sources with the NVRTC beside us.
            byte[] rebuilt;
            try {
                rebuilt = Nvrtc.compile(name + ".cu", new String(resource(name + ".cu"), StandardCharsets.UTF_8),
                        Map.of("common.cuh", new String(resource("common.cuh"), StandardCharsets.UTF_8)));
            } catch (RuntimeException | LinkageError nvrtcFailed) {
                e.addSuppressed(nvrtcFailed);
                throw e;
            }
            origin = "NVRTC";
            return loadImage(name + ".cu via NVRTC", rebuilt);
        }
    }

    private MemorySegment loadImage(String what, byte[] ptx) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment image = a.allocate(ptx.length + 1L);
            MemorySegment.copy(ptx, 0, image, ValueLayout.JAVA_BYTE, 0, ptx.length);
            int logSize = 8192;
            MemorySegment log = a.allocate(logSize);
            MemorySegment options = a.allocateFrom(ValueLayout.JAVA_INT, CU_JIT_ERROR_LOG_BUFFER(), CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES());
            MemorySegment values = a.allocate(ValueLayout.ADDRESS, 2);
            values.setAtIndex(ValueLayout.ADDRESS, 0, log);
            values.setAtIndex(ValueLayout.ADDRESS, 1, MemorySegment.ofAddress(logSize)); // an integer in a void* slot, as the API wants
            MemorySegment out = a.allocate(ValueLayout.ADDRESS);
            int rc = cuda_h.cuModuleLoadDataEx(out, image, 2, options, values);
            if (rc != 0) {
                String jitLog = log.getString(0);
                try {
                    Errors.cu("cuModuleLoadDataEx(" + what + ")", rc);
                } catch (CudaException e) {
                    throw jitLog.isBlank() ? e : new CudaException(e.call(), rc, e.getMessage(), "JIT log: " + jitLog.strip());
                }
            }
            return out.get(ValueLayout.ADDRESS, 0);
        }
    }

    static byte[] resource(String name) {
        try (InputStream in = Kernels.class.getResourceAsStream(RESOURCE_DIR + name)) {
            if (in == null) {
                throw new IllegalStateException("kernel resource " + RESOURCE_DIR + name
                        + " is not on the classpath (it comes in the skipllama-native jar)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Launches {@code kernel} on {@code stream}. Arguments: {@link MemorySegment} or {@link Long}
     * for pointers and 64-bit integers, {@link Integer}, {@link Float}. The argument buffer is
     * reused: cuLaunchKernel copies the values before it returns.
     */
    void launch(String kernel, int gridX, int gridY, int blockX, MemorySegment stream, Object... args) {
        MemorySegment fn = functions.get(kernel);
        if (fn == null) {
            throw new IllegalArgumentException("no kernel " + kernel);
        }
        if (args.length > MAX_ARGS) {
            throw new IllegalArgumentException(kernel + ": " + args.length + " arguments, at most " + MAX_ARGS);
        }
        for (int i = 0; i < args.length; i++) {
            long at = 8L * i;
            switch (args[i]) {
                case MemorySegment p -> argValues.set(ValueLayout.JAVA_LONG, at, p.address());
                case Long l -> argValues.set(ValueLayout.JAVA_LONG, at, l);
                case Integer n -> argValues.set(ValueLayout.JAVA_INT, at, n);
                case Float f -> argValues.set(ValueLayout.JAVA_FLOAT, at, f);
                default -> throw new IllegalArgumentException(kernel + ": unsupported argument " + args[i]);
            }
            argPointers.setAtIndex(ValueLayout.ADDRESS, i, argValues.asSlice(at, 8));
        }
        int rc = cuda_h.cuLaunchKernel(fn, gridX, gridY, 1, blockX, 1, 1, 0, stream, argPointers, MemorySegment.NULL);
        if (rc != 0) { // the message is built only on failure: this runs for every op
            Errors.cu("cuLaunchKernel(" + kernel + ", grid " + gridX + "×" + gridY + ", block " + blockX + ")", rc);
        }
    }

    @Override
    public void close() {
        for (MemorySegment m : modules) {
            cuda_h.cuModuleUnload(m); // best effort: the context is going away with us
        }
        modules.clear();
        functions.clear();
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}

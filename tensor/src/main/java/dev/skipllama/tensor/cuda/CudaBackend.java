package dev.skipllama.tensor.cuda;

import static dev.skipllama.cuda.cublas_api_h.CUBLAS_COMPUTE_32F;
import static dev.skipllama.cuda.cublas_api_h.CUBLAS_DEFAULT_MATH;
import static dev.skipllama.cuda.cublas_api_h.CUBLAS_GEMM_DEFAULT;
import static dev.skipllama.cuda.cublas_api_h.CUBLAS_OP_N;
import static dev.skipllama.cuda.cublas_api_h.CUBLAS_OP_T;
import static dev.skipllama.cuda.cublas_api_h.CUDA_R_16BF;
import static dev.skipllama.cuda.cublas_api_h.CUDA_R_16F;
import static dev.skipllama.cuda.cublas_api_h.CUDA_R_32F;

import dev.skipllama.cuda.cublas_api_h;
import dev.skipllama.cuda.cuda_h;
import dev.skipllama.tensor.Backend;
import dev.skipllama.tensor.Checks;
import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Dequantize;
import dev.skipllama.tensor.Location;
import dev.skipllama.tensor.RopeLayout;
import dev.skipllama.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The {@link Backend} ops on an NVIDIA GPU through the CUDA driver API (FFM, no JNI): weights are
 * uploaded once, activations and the KV cache stay in device memory, every op is queued on one
 * stream, and the host waits only when it copies a result back ({@link #toHost}, {@link #read}).
 *
 * <p>Matmul runs our own kernels (one warp per output and group of up to four rows, each weight
 * loaded once for the group; Q8_0/Q4_0 decoded in registers) for
 * up to {@value #KERNEL_MAX_ROWS} rows, which keeps a row's result independent of its batch as
 * self-speculative verification needs; larger batches (prompt prefill) go to cuBLAS: F32 as SGEMM,
 * F16/BF16 as GemmEx with the activations rounded to the weight's type and FP32 accumulation
 * (CUBLAS_COMPUTE_32F, default math: no TF32), Q8_0/Q4_0 decoded to their exact F32 values, a slice
 * of at most {@value #DEQUANT_MAX_FLOATS} weights at a time, then SGEMM (as llama.cpp decodes for
 * cuBLAS on large batches; the kernels would read every weight once per row). K-quant weights (Q4_K,
 * Q6_K) are decoded to F32 when uploaded (the same numbers, 4–8× the memory). The other ops are the kernels of
 * {@code native/}, with ReferenceBackend's meaning.
 *
 * <p>Threads: one lock serialises every call (ops, copies, allocation); a call from a thread other
 * than the previous one first makes the backend's context current on it. Errors from CUDA or cuBLAS
 * are {@link CudaException}s naming the call and the error; a kernel's own failure surfaces at the
 * next call that synchronises.
 *
 * <p>{@link #close()} frees every device allocation still alive, so tensors it handed out must not
 * be used afterwards (closing them then is harmless).
 */
public final class CudaBackend implements Backend {
    static final int KERNEL_MAX_ROWS = 16;
    private static final int WARPS_PER_BLOCK = 4;
    /** Token rows a matmul warp takes together, loading each weight once for them (matmul.cu's GROUP). */
    private static final int ROWS_PER_WARP = 4;
    /** The most quantized weights decoded to F32 at once for a batched matmul: 128 MB of scratch. */
    static final int DEQUANT_MAX_FLOATS = 1 << 25;

    private final int ordinal;
    private final Location location;
    private final ReentrantLock lock = new ReentrantLock();
    private final Arena arena = Arena.ofShared();
    private final MemorySegment out8 = arena.allocate(8, 8);
    private final MemorySegment one = arena.allocateFrom(ValueLayout.JAVA_FLOAT, 1f);
    private final MemorySegment zero = arena.allocateFrom(ValueLayout.JAVA_FLOAT, 0f);
    private final Map<Long, Long> live = new HashMap<>();
    private final String description;
    private int device;
    private int computeCapability;
    private MemorySegment context = MemorySegment.NULL;
    private MemorySegment stream = MemorySegment.NULL;
    private MemorySegment cublas = MemorySegment.NULL;
    private Kernels kernels;
    private Thread bound;
    private boolean closed;

    private final Scratch ints = new Scratch();
    private final Scratch scores = new Scratch();
    private final Scratch converted = new Scratch();
    private final Scratch dequantized = new Scratch();
    /** {@link #DEQUANT_MAX_FLOATS}; tests lower it to make small matrices decode in several slices. */
    int dequantMaxFloats = DEQUANT_MAX_FLOATS;
    private final Scratch invFreq = new Scratch();
    private float[] invFreqUploaded;
    private MemorySegment hostStage;

    /** Whether a CUDA device can be used here; {@link #unavailableReason()} says why not. */
    public static boolean isAvailable() {
        return Availability.problem() == null;
    }

    /** Why CUDA cannot be used here (what is missing), or null when it can. */
    public static String unavailableReason() {
        return Availability.problem();
    }

    /** The backend on device 0. */
    public CudaBackend() {
        this(0);
    }

    /** The backend on device {@code ordinal}; throws {@link IllegalStateException} with the reason when CUDA is unavailable. */
    public CudaBackend(int ordinal) {
        String problem = Availability.problem();
        if (problem != null) {
            throw new IllegalStateException("CUDA is unavailable: " + problem);
        }
        this.ordinal = ordinal;
        this.location = new Location("cuda:" + ordinal);
        try {
            Errors.cu("cuDeviceGet(" + ordinal + ")", cuda_h.cuDeviceGet(out8, ordinal));
            device = out8.get(ValueLayout.JAVA_INT, 0);
            Errors.cu("cuDevicePrimaryCtxRetain", cuda_h.cuDevicePrimaryCtxRetain(out8, device));
            context = out8.get(ValueLayout.ADDRESS, 0);
            bind();
            Errors.cu("cuStreamCreate", cuda_h.cuStreamCreate(out8, cuda_h.CU_STREAM_NON_BLOCKING()));
            stream = out8.get(ValueLayout.ADDRESS, 0);
            kernels = new Kernels();
            String blas = startCublas();
            description = "cuda:" + ordinal + " (" + deviceName() + ", kernels from " + kernels.origin() + ", " + blas + ")";
        } catch (RuntimeException | LinkageError e) {
            close();
            throw e;
        }
    }

    /** cuBLAS is optional: without it every matmul runs on our kernels. */
    private String startCublas() {
        try {
            Errors.cublas("cublasCreate_v2", cublas_api_h.cublasCreate_v2(out8));
            cublas = out8.get(ValueLayout.ADDRESS, 0);
            Errors.cublas("cublasSetStream_v2", cublas_api_h.cublasSetStream_v2(cublas, stream));
            Errors.cublas("cublasSetMathMode", cublas_api_h.cublasSetMathMode(cublas, CUBLAS_DEFAULT_MATH()));
            Errors.cublas("cublasGetVersion_v2", cublas_api_h.cublasGetVersion_v2(cublas, out8));
            return "cuBLAS " + out8.get(ValueLayout.JAVA_INT, 0);
        } catch (RuntimeException | LinkageError e) {
            if (!cublas.equals(MemorySegment.NULL)) {
                cublas_api_h.cublasDestroy_v2(cublas);
                cublas = MemorySegment.NULL;
            }
            return "no cuBLAS: " + e.getMessage().lines().findFirst().orElse("");
        }
    }

    private String deviceName() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment name = a.allocate(256);
            Errors.cu("cuDeviceGetName", cuda_h.cuDeviceGetName(name, 256, device));
            MemorySegment v = a.allocate(ValueLayout.JAVA_INT);
            Errors.cu("cuDeviceGetAttribute", cuda_h.cuDeviceGetAttribute(v, cuda_h.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR(), device));
            int major = v.get(ValueLayout.JAVA_INT, 0);
            Errors.cu("cuDeviceGetAttribute", cuda_h.cuDeviceGetAttribute(v, cuda_h.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR(), device));
            computeCapability = 10 * major + v.get(ValueLayout.JAVA_INT, 0);
            return name.getString(0) + ", sm_" + major + v.get(ValueLayout.JAVA_INT, 0);
        }
    }

    @Override
    public String name() {
        return description;
    }

    /** The CUDA device ordinal this backend runs on. */
    public int ordinal() {
        return ordinal;
    }

    @Override
    public Location location() {
        return location;
    }

    /** The device's compute capability as major · 10 + minor (90 for H100), read when the backend started. */
    public int computeCapability() {
        return computeCapability;
    }

    /** Whether cuBLAS was found: batched matmuls (more than 16 rows) go to it. */
    public boolean hasCublas() {
        return !cublas.equals(MemorySegment.NULL);
    }

    // ---- memory ---------------------------------------------------------------------------

    @Override
    public Tensor allocate(DType dtype, int... shape) {
        lock.lock();
        try {
            long bytes = dtype.byteSize(numel(shape));
            long ptr = alloc(bytes);
            if (bytes > 0) {
                Errors.cu("cuMemsetD8Async", cuda_h.cuMemsetD8Async(ptr, (byte) 0, bytes, stream));
            }
            return Tensor.onDevice(location, ptr, dtype, ptr == 0 ? null : () -> free(ptr), shape);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Tensor upload(Tensor hostWeight) {
        if (hostWeight.location().equals(location)) {
            return hostWeight;
        }
        Checks.on(Location.HOST, "upload", hostWeight);
        if (!hasKernel(hostWeight.dtype())) {
            try (Tensor decoded = Tensor.of(Dequantize.toFloats(hostWeight), hostWeight.shape())) {
                return upload(decoded);
            }
        }
        Tensor t = allocate(hostWeight.dtype(), hostWeight.shape());
        fromHost(hostWeight, t);
        return t;
    }

    /** The dtypes our CUDA kernels read; {@link #upload} decodes the others to F32. */
    private static boolean hasKernel(DType t) {
        return switch (t) {
            case F32, F16, BF16, Q8_0, Q4_0 -> true;
            case Q4_1, Q5_0, Q4_K, Q5_K, Q6_K -> false;
        };
    }

    @Override
    public void toHost(Tensor src, Tensor hostDst) {
        Checks.on(location, "toHost", src);
        Checks.on(Location.HOST, "toHost", hostDst);
        sameBytes("toHost", src, hostDst);
        lock.lock();
        try {
            bind();
            if (src.byteSize() > 0) {
                Errors.cu("cuMemcpyDtoHAsync_v2", cuda_h.cuMemcpyDtoHAsync_v2(hostDst.segment(), src.deviceAddress(), src.byteSize(), stream));
            }
            sync();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void fromHost(Tensor hostSrc, Tensor dst) {
        Checks.on(Location.HOST, "fromHost", hostSrc);
        Checks.on(location, "fromHost", dst);
        sameBytes("fromHost", hostSrc, dst);
        lock.lock();
        try {
            bind();
            copyIn(dst.deviceAddress(), hostSrc.segment(), hostSrc.byteSize());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void read(Tensor src, float[] dst) {
        if (src.location().isHost()) {
            src.copyTo(dst);
            return;
        }
        Checks.on(location, "read", src);
        if (src.dtype() != DType.F32 || dst.length < src.numel()) {
            throw new IllegalArgumentException("read: needs an F32 tensor and room for its " + src.numel() + " floats, got "
                    + src + " and " + dst.length);
        }
        lock.lock();
        try {
            bind();
            MemorySegment stage = stage(src.byteSize());
            if (src.byteSize() > 0) {
                Errors.cu("cuMemcpyDtoHAsync_v2", cuda_h.cuMemcpyDtoHAsync_v2(stage, src.deviceAddress(), src.byteSize(), stream));
            }
            sync();
            MemorySegment.copy(stage, ValueLayout.JAVA_FLOAT, 0, dst, 0, (int) src.numel());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void write(float[] src, Tensor dst) {
        if (dst.location().isHost()) {
            dst.copyFrom(src);
            return;
        }
        Checks.on(location, "write", dst);
        if (dst.dtype() != DType.F32 || src.length != dst.numel()) {
            throw new IllegalArgumentException("write: needs an F32 tensor of " + src.length + " floats, got " + dst);
        }
        lock.lock();
        try {
            bind();
            MemorySegment stage = stage(dst.byteSize());
            MemorySegment.copy(src, 0, stage, ValueLayout.JAVA_FLOAT, 0, src.length);
            copyIn(dst.deviceAddress(), stage, dst.byteSize());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Host → device on the stream. From pageable memory the driver stages the bytes before it
     * returns, so the caller may reuse {@code src} at once; the device copy stays in stream order.
     */
    private void copyIn(long dst, MemorySegment src, long bytes) {
        if (bytes > 0) {
            Errors.cu("cuMemcpyHtoDAsync_v2", cuda_h.cuMemcpyHtoDAsync_v2(dst, src, bytes, stream));
        }
    }

    private MemorySegment stage(long bytes) {
        if (hostStage == null || hostStage.byteSize() < bytes) {
            hostStage = arena.allocate(Math.max(bytes, 1 << 16), 64);
        }
        return hostStage;
    }

    private long alloc(long bytes) {
        if (closed) {
            throw new IllegalStateException(location + " backend is closed");
        }
        if (bytes == 0) {
            return 0;
        }
        bind();
        Errors.cu("cuMemAlloc_v2(" + bytes + " bytes)", cuda_h.cuMemAlloc_v2(out8, bytes));
        long ptr = out8.get(ValueLayout.JAVA_LONG, 0);
        live.put(ptr, bytes);
        return ptr;
    }

    private void free(long ptr) {
        lock.lock();
        try {
            if (closed || live.remove(ptr) == null) {
                return;
            }
            bind();
            sync(); // queued kernels may still read it
            Errors.cu("cuMemFree_v2", cuda_h.cuMemFree_v2(ptr));
        } finally {
            lock.unlock();
        }
    }

    /** Bytes of device memory this backend holds now. */
    public long allocatedBytes() {
        lock.lock();
        try {
            return live.values().stream().mapToLong(Long::longValue).sum();
        } finally {
            lock.unlock();
        }
    }

    /** A growable device buffer for per-op data (positions, tokens, scores, converted activations). */
    private final class Scratch {
        long ptr;
        long bytes;

        long ensure(long need) {
            if (need > bytes) {
                if (ptr != 0) {
                    free(ptr);
                }
                ptr = 0;
                bytes = 0;
                ptr = alloc(Math.max(need, 4096));
                bytes = Math.max(need, 4096);
            }
            return ptr;
        }
    }

    // ---- ops ------------------------------------------------------------------------------

    @Override
    public void matmul(Tensor w, Tensor x, Tensor out) {
        Checks.on(location, "matmul", w, x, out);
        Checks.matmul(w, x, out);
        int nOut = w.dim(0), nIn = w.dim(1), rows = x.rowCount();
        if (rows == 0 || nOut == 0) {
            return;
        }
        lock.lock();
        try {
            bind();
            if (batchesToCublas(w.dtype(), rows, nIn)) {
                gemm(w, x, out, nOut, nIn, rows);
                return;
            }
            String kernel = switch (w.dtype()) {
                case F32 -> "matmul_f32";
                case F16 -> "matmul_f16";
                case BF16 -> "matmul_bf16";
                case Q8_0 -> "matmul_q8_0";
                case Q4_0 -> "matmul_q4_0";
                case Q4_1, Q5_0, Q4_K, Q5_K, Q6_K -> throw new IllegalArgumentException("matmul: " + w + " on " + location
                        + " has no kernel; Backend.upload decodes it to F32");
            };
            kernels.launch(kernel, ceilDiv(nOut, WARPS_PER_BLOCK), ceilDiv(rows, ROWS_PER_WARP), 32 * WARPS_PER_BLOCK, stream,
                    w.deviceAddress(), x.deviceAddress(), out.deviceAddress(), nOut, nIn, rows);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether a matmul of {@code rows} token rows with weights of device dtype {@code dt} goes to
     * cuBLAS rather than our kernels. cuBLAS has BF16 GEMMs from compute capability 8.0 (Ampere) on;
     * older GPUs keep BF16 on our kernel. K-quants never reach a device (upload decodes them).
     */
    boolean batchesToCublas(DType dt, int rows, int nIn) {
        return rows > KERNEL_MAX_ROWS && hasCublas() && nIn > 0
                && (dt != DType.BF16 || computeCapability >= 80) && dt != DType.Q4_K && dt != DType.Q6_K;
    }

    /** Row-major out[rows, nOut] = x[rows, nIn] · w[nOut, nIn]ᵀ is column-major out = wᵀ · x: op(A) = T, op(B) = N. */
    private void gemm(Tensor w, Tensor x, Tensor out, int nOut, int nIn, int rows) {
        if (w.dtype().isQuantized()) {
            // Weight rows [o, o + m) decode into the scratch; C's column r starts at out[r, 0], so the
            // slice's results go to out + o with ldc = nOut.
            boolean q8 = w.dtype() == DType.Q8_0;
            long rowBytes = w.dtype().byteSize(nIn);
            int slice = Math.max(1, Math.min(nOut, dequantMaxFloats / nIn));
            long scratch = dequantized.ensure(4L * slice * nIn);
            for (int o = 0; o < nOut; o += slice) {
                int m = Math.min(slice, nOut - o);
                long n = (long) m * nIn;
                kernels.launch(q8 ? "dequant_q8_0" : "dequant_q4_0", gridFor(n), 1, 256, stream,
                        w.deviceAddress() + o * rowBytes, scratch, n);
                sgemm(scratch, m, x, out.deviceAddress() + 4L * o, nOut, nIn, rows);
            }
            return;
        }
        if (w.dtype() == DType.F32) {
            sgemm(w.deviceAddress(), nOut, x, out.deviceAddress(), nOut, nIn, rows);
            return;
        }
        boolean f16 = w.dtype() == DType.F16;
        long n = (long) rows * nIn;
        long conv = converted.ensure(2 * n);
        kernels.launch(f16 ? "f32_to_f16" : "f32_to_bf16", gridFor(n), 1, 256, stream, x.deviceAddress(), conv, n);
        int type = f16 ? CUDA_R_16F() : CUDA_R_16BF();
        Errors.cublas("cublasGemmEx", cublas_api_h.cublasGemmEx(cublas, CUBLAS_OP_T(), CUBLAS_OP_N(), nOut, rows, nIn, one,
                seg(w.deviceAddress()), type, nIn, seg(conv), type, nIn, zero, seg(out.deviceAddress()), CUDA_R_32F(), nOut,
                CUBLAS_COMPUTE_32F(), CUBLAS_GEMM_DEFAULT()));
    }

    /** out[r, 0..m) (row stride ldOut) = x[r] · w[0..m)ᵀ for F32 weight rows of nIn floats at {@code w}. */
    private void sgemm(long w, int m, Tensor x, long out, int ldOut, int nIn, int rows) {
        Errors.cublas("cublasSgemm_v2", cublas_api_h.cublasSgemm_v2(cublas, CUBLAS_OP_T(), CUBLAS_OP_N(), m, rows, nIn,
                one, seg(w), nIn, seg(x.deviceAddress()), nIn, zero, seg(out), ldOut));
    }

    @Override
    public void rmsnorm(Tensor x, Tensor weight, float eps, Tensor out) {
        Checks.on(location, "rmsnorm", x, weight, out);
        Checks.rmsnorm(x, weight, out);
        int d = x.dim(-1), rows = x.rowCount();
        if (rows == 0 || d == 0) {
            return;
        }
        lock.lock();
        try {
            bind();
            kernels.launch("rmsnorm", rows, 1, 256, stream, x.deviceAddress(), weight.deviceAddress(), out.deviceAddress(), d, eps);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void rope(Tensor x, int headDim, int[] positions, float[] invFreq, RopeLayout layout) {
        Checks.on(location, "rope", x);
        Checks.rope(x, headDim, positions, invFreq);
        int rows = x.rowCount(), half = invFreq.length;
        if (rows == 0 || half == 0) {
            return;
        }
        lock.lock();
        try {
            bind();
            long freq = uploadInvFreq(invFreq);
            long pos = positions(positions);
            kernels.launch("rope", rows, 1, 128, stream, x.deviceAddress(), freq, pos, positions[0], x.dim(-1), headDim, half,
                    layout == RopeLayout.INTERLEAVED ? 1 : 0);
        } finally {
            lock.unlock();
        }
    }

    /** The frequencies of a model change never; upload them again only when the caller's values do. */
    private long uploadInvFreq(float[] f) {
        if (invFreqUploaded == null || !Arrays.equals(invFreqUploaded, f)) {
            long p = invFreq.ensure(4L * f.length);
            MemorySegment stage = stage(4L * f.length);
            MemorySegment.copy(f, 0, stage, ValueLayout.JAVA_FLOAT, 0, f.length);
            copyIn(p, stage, 4L * f.length);
            invFreqUploaded = f.clone();
        }
        return invFreq.ptr;
    }

    /** 0 (positions are pos0, pos0+1, …: the kernel computes them) or the device copy of {@code positions}. */
    private long positions(int[] positions) {
        boolean consecutive = true;
        for (int i = 1; i < positions.length && consecutive; i++) {
            consecutive = positions[i] == positions[0] + i;
        }
        return consecutive ? 0L : ints(positions);
    }

    private long ints(int[] values) {
        long p = ints.ensure(4L * values.length);
        MemorySegment stage = stage(4L * values.length);
        MemorySegment.copy(values, 0, stage, ValueLayout.JAVA_INT, 0, values.length);
        copyIn(p, stage, 4L * values.length);
        return p;
    }

    @Override
    public void softmax(Tensor x) {
        Checks.on(location, "softmax", x);
        Checks.softmax(x);
        int n = x.dim(-1), rows = x.rowCount();
        if (rows == 0 || n == 0) {
            return;
        }
        lock.lock();
        try {
            bind();
            kernels.launch("softmax", rows, 1, 256, stream, x.deviceAddress(), n);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void attention(Tensor q, Tensor k, Tensor v, int[] positions, int nHeads, int nKvHeads, Tensor out) {
        Checks.on(location, "attention", q, k, v, out);
        Checks.attention(q, k, v, positions, nHeads, nKvHeads, out);
        boolean half = k.dtype() == DType.F16; // llama.cpp's F16-cache arithmetic, in a kernel of its own
        int rows = q.rowCount(), headDim = q.dim(-1) / nHeads;
        if (rows == 0 || headDim == 0) {
            return;
        }
        int span = 0; // the longest causal prefix of the batch: each (row, head) keeps that many scores
        for (int i = 0; i < rows; i++) {
            span = Math.max(span, positions[i] + 1);
        }
        lock.lock();
        try {
            bind();
            long s = scores.ensure(4L * rows * nHeads * span * (half ? 2 : 1)); // F16: weights and shrink factors
            long pos = positions(positions);
            float scale = half ? 1f / (float) Math.sqrt(headDim) : (float) (1.0 / Math.sqrt(headDim)); // F16: llama.cpp's kq_scale
            kernels.launch(half ? "attention_f16" : "attention", nHeads, rows, 128, stream, q.deviceAddress(), k.deviceAddress(),
                    v.deviceAddress(), out.deviceAddress(), s, pos, positions[0], nHeads, nKvHeads, headDim, span, scale);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void convert(Tensor src, Tensor dst) {
        Checks.on(location, "convert", src, dst);
        Checks.convert(src, dst);
        long n = src.numel();
        if (n == 0 || dst.dtype() == DType.F32 && src.deviceAddress() == dst.deviceAddress()) {
            return;
        }
        lock.lock();
        try {
            bind();
            if (dst.dtype() == DType.F16) { // cvt.rn.f16.f32: round to nearest even, as Float.floatToFloat16
                kernels.launch("f32_to_f16", gridFor(n), 1, 256, stream, src.deviceAddress(), dst.deviceAddress(), n);
            } else {
                Errors.cu("cuMemcpyDtoDAsync_v2", cuda_h.cuMemcpyDtoDAsync_v2(dst.deviceAddress(), src.deviceAddress(), src.byteSize(), stream));
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void swiglu(Tensor gate, Tensor up, Tensor out) {
        Checks.on(location, "swiglu", gate, up, out);
        Checks.elementwise("swiglu", gate, up, out);
        elementwise("swiglu", gate, up, out);
    }

    @Override
    public void add(Tensor a, Tensor b, Tensor out) {
        Checks.on(location, "add", a, b, out);
        Checks.elementwise("add", a, b, out);
        elementwise("add", a, b, out);
    }

    private void elementwise(String kernel, Tensor a, Tensor b, Tensor out) {
        long n = a.numel();
        if (n == 0) {
            return;
        }
        lock.lock();
        try {
            bind();
            kernels.launch(kernel, gridFor(n), 1, 256, stream, a.deviceAddress(), b.deviceAddress(), out.deviceAddress(), n);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void embedding(Tensor table, int[] tokens, Tensor out) {
        Checks.on(location, "embedding", table, out);
        Checks.embedding(table, tokens, out);
        int d = table.dim(1);
        if (tokens.length == 0 || d == 0) {
            return;
        }
        String kernel = switch (table.dtype()) {
            case F32 -> "embedding_f32";
            case F16 -> "embedding_f16";
            case BF16 -> "embedding_bf16";
            case Q8_0 -> "embedding_q8_0";
            case Q4_0 -> "embedding_q4_0";
            case Q4_1, Q5_0, Q4_K, Q5_K, Q6_K -> throw new IllegalArgumentException("embedding: " + table + " on " + location
                    + " has no kernel; Backend.upload decodes K-quants to F32");
        };
        lock.lock();
        try {
            bind();
            long ids = ints(tokens);
            kernels.launch(kernel, tokens.length, 1, 256, stream, table.deviceAddress(), ids, out.deviceAddress(), d);
        } finally {
            lock.unlock();
        }
    }

    /** Waits for everything queued so far. */
    public void synchronize() {
        lock.lock();
        try {
            bind();
            sync();
        } finally {
            lock.unlock();
        }
    }

    private void sync() {
        Errors.cu("cuStreamSynchronize (errors of earlier kernels surface here)", cuda_h.cuStreamSynchronize(stream));
    }

    private void bind() {
        if (closed) {
            throw new IllegalStateException(location + " backend is closed");
        }
        if (bound != Thread.currentThread()) {
            Errors.cu("cuCtxSetCurrent", cuda_h.cuCtxSetCurrent(context));
            bound = Thread.currentThread();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            if (!context.equals(MemorySegment.NULL)) {
                cuda_h.cuCtxSetCurrent(context);
                if (!stream.equals(MemorySegment.NULL)) {
                    cuda_h.cuStreamSynchronize(stream);
                }
                for (long ptr : live.keySet()) {
                    cuda_h.cuMemFree_v2(ptr);
                }
                live.clear();
                if (!cublas.equals(MemorySegment.NULL)) {
                    cublas_api_h.cublasDestroy_v2(cublas);
                }
                if (kernels != null) {
                    kernels.close();
                }
                if (!stream.equals(MemorySegment.NULL)) {
                    cuda_h.cuStreamDestroy_v2(stream);
                }
                cuda_h.cuDevicePrimaryCtxRelease_v2(device);
            }
            closed = true;
            arena.close();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return description == null ? location.toString() : description;
    }

    private static void sameBytes(String op, Tensor a, Tensor b) {
        if (a.dtype() != b.dtype() || a.byteSize() != b.byteSize()) {
            throw new IllegalArgumentException(op + ": " + a + " and " + b + " differ in dtype or size");
        }
    }

    private static MemorySegment seg(long address) {
        return MemorySegment.ofAddress(address);
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    private static int gridFor(long n) {
        return (int) Math.max(1, Math.min((n + 255) / 256, 4096));
    }

    private static long numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            n = Math.multiplyExact(n, (long) d);
        }
        return n;
    }
}

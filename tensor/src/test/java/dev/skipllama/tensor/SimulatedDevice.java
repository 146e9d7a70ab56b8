package dev.skipllama.tensor;

import dev.skipllama.tensor.cpu.CpuBackend;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A device backend without a device, for testing device code paths on machines without a GPU: its
 * tensors live at {@code sim:0} (so host accessors and host backends refuse them, exactly as for
 * CUDA), but their memory is host memory that its ops compute on with a {@link CpuBackend}. Results
 * are therefore bit-identical to the CPU backend's, which makes any data that takes a wrong path
 * between host and "device" (a missing upload, a read of a stale buffer) visible as a difference.
 */
public final class SimulatedDevice implements Backend {
    public static final Location SIM = new Location("sim:0");
    private final CpuBackend cpu;
    private final AtomicLong live = new AtomicLong();
    private final AtomicLong uploads = new AtomicLong();
    private final AtomicLong hostCopies = new AtomicLong();

    public SimulatedDevice(int threads) {
        cpu = new CpuBackend(threads);
    }

    /** Bytes of "device" memory allocated and not yet freed. */
    public long liveBytes() {
        return live.get();
    }

    public long uploads() {
        return uploads.get();
    }

    /** Device → host copies so far ({@link #toHost} and {@link #read}). */
    public long hostCopies() {
        return hostCopies.get();
    }

    @Override
    public String name() {
        return "simulated device over " + cpu.name();
    }

    @Override
    public Location location() {
        return SIM;
    }

    @Override
    public Tensor allocate(DType dtype, int... shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        long bytes = dtype.byteSize(n);
        Arena arena = Arena.ofShared();
        MemorySegment seg = arena.allocate(Math.max(1, bytes), 64);
        live.addAndGet(bytes);
        return Tensor.onDevice(SIM, seg.address(), dtype, () -> {
            live.addAndGet(-bytes);
            arena.close();
        }, shape);
    }

    @Override
    public Tensor upload(Tensor hostWeight) {
        Checks.on(Location.HOST, "upload", hostWeight);
        uploads.incrementAndGet();
        Tensor t = allocate(hostWeight.dtype(), hostWeight.shape());
        fromHost(hostWeight, t);
        return t;
    }

    @Override
    public void toHost(Tensor src, Tensor hostDst) {
        Checks.on(SIM, "toHost", src);
        Checks.on(Location.HOST, "toHost", hostDst);
        hostCopies.incrementAndGet();
        MemorySegment.copy(h(src).segment(), 0, hostDst.segment(), 0, src.byteSize());
    }

    @Override
    public void fromHost(Tensor hostSrc, Tensor dst) {
        Checks.on(Location.HOST, "fromHost", hostSrc);
        Checks.on(SIM, "fromHost", dst);
        MemorySegment.copy(hostSrc.segment(), 0, h(dst).segment(), 0, hostSrc.byteSize());
    }

    @Override
    public void read(Tensor src, float[] dst) {
        Checks.on(SIM, "read", src);
        hostCopies.incrementAndGet();
        h(src).copyTo(dst);
    }

    @Override
    public void write(float[] src, Tensor dst) {
        Checks.on(SIM, "write", dst);
        h(dst).copyFrom(src);
    }

    /** The host view of a simulated device tensor: what only this backend may do. */
    private static Tensor h(Tensor t) {
        if (!t.location().equals(SIM)) {
            throw new IllegalArgumentException(t + " is not on " + SIM);
        }
        return Tensor.wrap(MemorySegment.ofAddress(t.deviceAddress()).reinterpret(t.byteSize()), t.dtype(), t.shape());
    }

    @Override
    public void matmul(Tensor w, Tensor x, Tensor out) {
        Checks.on(SIM, "matmul", w, x, out);
        cpu.matmul(h(w), h(x), h(out));
    }

    @Override
    public void rmsnorm(Tensor x, Tensor weight, float eps, Tensor out) {
        Checks.on(SIM, "rmsnorm", x, weight, out);
        cpu.rmsnorm(h(x), h(weight), eps, h(out));
    }

    @Override
    public void rope(Tensor x, int headDim, int[] positions, float[] invFreq, RopeLayout layout) {
        Checks.on(SIM, "rope", x);
        cpu.rope(h(x), headDim, positions, invFreq, layout);
    }

    @Override
    public void softmax(Tensor x) {
        Checks.on(SIM, "softmax", x);
        cpu.softmax(h(x));
    }

    @Override
    public void attention(Tensor q, Tensor k, Tensor v, int[] positions, int nHeads, int nKvHeads, Tensor out) {
        Checks.on(SIM, "attention", q, k, v, out);
        cpu.attention(h(q), h(k), h(v), positions, nHeads, nKvHeads, h(out));
    }

    @Override
    public void convert(Tensor src, Tensor dst) {
        Checks.on(SIM, "convert", src, dst);
        cpu.convert(h(src), h(dst));
    }

    @Override
    public void swiglu(Tensor gate, Tensor up, Tensor out) {
        Checks.on(SIM, "swiglu", gate, up, out);
        cpu.swiglu(h(gate), h(up), h(out));
    }

    @Override
    public void add(Tensor a, Tensor b, Tensor out) {
        Checks.on(SIM, "add", a, b, out);
        cpu.add(h(a), h(b), h(out));
    }

    @Override
    public void embedding(Tensor table, int[] tokens, Tensor out) {
        Checks.on(SIM, "embedding", table, out);
        cpu.embedding(h(table), tokens, h(out));
    }

    @Override
    public void close() {
        cpu.close();
    }
}

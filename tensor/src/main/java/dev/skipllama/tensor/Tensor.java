package dev.skipllama.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A dense, row-major tensor: a shape, a {@link DType} and the bytes, held in a {@link MemorySegment}
 * (off-heap memory from an {@link Arena}, or a read-only region of a memory-mapped file — weights are
 * never copied onto the Java heap).
 *
 * <p>The last dimension is contiguous. For block-quantized dtypes it must be a multiple of the block
 * size, so every row starts on a block boundary and {@link #rows(int, int)} views stay exact.
 *
 * <p><b>Ownership.</b> A tensor made by {@link #allocate(DType, int...)} owns its memory and frees it
 * on {@link #close()}. Tensors made with a caller's arena ({@link #allocate(Arena, DType, int...)}),
 * wrapped around an existing segment ({@link #wrap}) or obtained as views ({@link #rows},
 * {@link #row}, {@link #reshape}) own nothing: closing them does nothing, and they are valid exactly as
 * long as the memory they look at.
 *
 * <p><b>Location.</b> Tensors live on the {@link Location#HOST} unless a device backend made them
 * ({@link Backend#allocate}, {@link Backend#upload}). A device tensor keeps the device address and
 * size as a segment so that views slice it exactly like host tensors, but Java must never read
 * through it: every host accessor ({@link #segment()}, {@link #getFloat}, {@link #toFloatArray}, …)
 * throws {@link IllegalStateException} for it instead of crashing the JVM. Copy it with
 * {@link Backend#toHost} first.
 */
public final class Tensor implements AutoCloseable {
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private final DType dtype;
    private final int[] shape;
    private final MemorySegment segment;
    private final Location location;
    private final AutoCloseable owner;
    /** Null for GGUF's row-major layout; otherwise the name of a backend's private arrangement (see {@link #packed}). */
    private final String packing;

    private Tensor(DType dtype, int[] shape, MemorySegment segment, AutoCloseable owner) {
        this(dtype, shape, segment, Location.HOST, owner, null);
    }

    private Tensor(DType dtype, int[] shape, MemorySegment segment, Location location, AutoCloseable owner) {
        this(dtype, shape, segment, location, owner, null);
    }

    private Tensor(DType dtype, int[] shape, MemorySegment segment, Location location, AutoCloseable owner, String packing) {
        this.dtype = dtype;
        this.shape = shape;
        this.segment = segment;
        this.location = location;
        this.owner = owner;
        this.packing = packing;
    }

    /** A zero-filled tensor that owns its off-heap memory (64-byte aligned for vector loads). */
    public static Tensor allocate(DType dtype, int... shape) {
        int[] s = checkShape(dtype, shape);
        Arena arena = Arena.ofShared();
        try {
            MemorySegment seg = arena.allocate(Math.max(1, dtype.byteSize(numel(s))), 64);
            return new Tensor(dtype, s, seg.asSlice(0, dtype.byteSize(numel(s))), arena);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** A zero-filled tensor in the caller's arena; the arena's owner frees it. */
    public static Tensor allocate(Arena arena, DType dtype, int... shape) {
        int[] s = checkShape(dtype, shape);
        long bytes = dtype.byteSize(numel(s));
        return new Tensor(dtype, s, arena.allocate(Math.max(1, bytes), 64).asSlice(0, bytes), null);
    }

    /**
     * A tensor over existing bytes (for example a region of a memory-mapped model file). The segment
     * must be exactly as large as the shape needs.
     */
    public static Tensor wrap(MemorySegment segment, DType dtype, int... shape) {
        int[] s = checkShape(dtype, shape);
        long need = dtype.byteSize(numel(s));
        if (segment.byteSize() != need) {
            throw new IllegalArgumentException("a " + dtype + " tensor of shape " + Arrays.toString(s)
                    + " needs " + need + " bytes, but the segment has " + segment.byteSize());
        }
        return new Tensor(dtype, s, segment, null);
    }

    /**
     * A row-major tensor over {@code segment} that closes {@code owner} (may be null) when it is closed:
     * a backend's plain copy of a weight in memory it allocated itself (the CPU backend's large pages).
     */
    public static Tensor wrap(MemorySegment segment, AutoCloseable owner, DType dtype, int... shape) {
        Tensor view = wrap(segment, dtype, shape);
        return new Tensor(dtype, view.shape, segment, owner);
    }

    /**
     * A tensor in device memory at {@code address}, for device backends. {@code free} releases the
     * memory on {@link #close()} (at most once), or is null for a view that owns nothing.
     */
    public static Tensor onDevice(Location location, long address, DType dtype, Runnable free, int... shape) {
        if (location.isHost()) {
            throw new IllegalArgumentException("onDevice needs a device location, got " + location);
        }
        int[] s = checkShape(dtype, shape);
        long bytes = dtype.byteSize(numel(s));
        // The segment only carries address and size for slicing; host accessors refuse to read it.
        MemorySegment seg = MemorySegment.ofAddress(address).reinterpret(bytes);
        return new Tensor(dtype, s, seg, location, free == null ? null : new OnceOnly(free));
    }

    /**
     * A weight in host memory whose bytes a backend has rearranged for its kernels (the CPU backend's
     * row-interleaved blocks, made by {@link Backend#upload}): same dtype, shape and values, but not
     * row-major, so only that backend reads it — {@link #segment()}, views and element access throw,
     * and {@link Backend#toHost} gives the row-major bytes back. {@code owner} (may be null) is closed
     * with the tensor.
     *
     * @param packing the backend's name for the arrangement, shown in messages
     */
    public static Tensor packed(String packing, MemorySegment segment, DType dtype, AutoCloseable owner, int... shape) {
        if (packing == null || packing.isBlank()) {
            throw new IllegalArgumentException("a packed tensor needs the name of its packing");
        }
        return new Tensor(dtype, checkShape(dtype, shape), segment, Location.HOST, owner, packing);
    }

    /** An owning F32 tensor holding a copy of {@code values}. */
    public static Tensor of(float[] values, int... shape) {
        Tensor t = allocate(DType.F32, shape);
        if (values.length != t.numel()) {
            t.close();
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has " + numel(shape)
                    + " elements, but " + values.length + " values were given");
        }
        MemorySegment.copy(values, 0, t.segment, F32_LE, 0, values.length);
        return t;
    }

    public DType dtype() {
        return dtype;
    }

    /** A copy of the shape. */
    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** Size of dimension {@code i}; negative {@code i} counts from the end. */
    public int dim(int i) {
        return shape[i < 0 ? shape.length + i : i];
    }

    public long numel() {
        return numel(shape);
    }

    /** Number of rows when the tensor is seen as a matrix {@code [rows, lastDim]}. */
    public int rowCount() {
        return (int) (numel() / Math.max(1, shape[shape.length - 1]));
    }

    /** Bytes of one row (the last dimension). */
    public long rowBytes() {
        return dtype.byteSize(shape[shape.length - 1]);
    }

    /** The host memory holding the bytes; throws for a device tensor (see the class comment). */
    public MemorySegment segment() {
        return host("segment");
    }

    /** The arrangement a backend gave this weight ({@link #packed}), or null for row-major bytes. */
    public String packing() {
        return packing;
    }

    public boolean isPacked() {
        return packing != null;
    }

    /**
     * The bytes of a packed weight, for the backend that packed it (the packing names the layout);
     * throws for a row-major tensor, whose bytes {@link #segment()} gives.
     */
    public MemorySegment packedSegment() {
        if (packing == null) {
            throw new IllegalStateException("packedSegment: " + this + " is row-major; use segment()");
        }
        return segment;
    }

    public Location location() {
        return location;
    }

    /** The device address of the first byte, for device backends; throws for a host tensor. */
    public long deviceAddress() {
        if (location.isHost()) {
            throw new IllegalStateException("deviceAddress: " + this + " lives on the host");
        }
        return segment.address();
    }

    /** The segment whatever the location, for checks that do not read it (read-only flag, size). */
    MemorySegment rawSegment() {
        return segment;
    }

    public long byteSize() {
        return segment.byteSize();
    }

    /** A view of rows {@code [from, to)} of dimension 0, sharing memory. */
    public Tensor rows(int from, int to) {
        refusePacked("rows");
        if (shape.length == 0 || from < 0 || to < from || to > shape[0]) {
            throw new IndexOutOfBoundsException("rows [" + from + ", " + to + ") of a tensor with shape "
                    + Arrays.toString(shape));
        }
        long stride = dtype.byteSize(numel(shape) / Math.max(1, shape[0]));
        int[] s = shape.clone();
        s[0] = to - from;
        return new Tensor(dtype, s, segment.asSlice(from * stride, (to - from) * stride), location, null);
    }

    /** A view of index {@code i} of dimension 0, with that dimension removed. */
    public Tensor row(int i) {
        refusePacked("row");
        Tensor r = rows(i, i + 1);
        return new Tensor(dtype, Arrays.copyOfRange(shape, 1, shape.length), r.segment, location, null);
    }

    /** The same bytes seen with another shape of the same element count. */
    public Tensor reshape(int... newShape) {
        refusePacked("reshape");
        int[] s = checkShape(dtype, newShape);
        if (numel(s) != numel()) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " (" + numel()
                    + " elements) to " + Arrays.toString(s) + " (" + numel(s) + " elements)");
        }
        return new Tensor(dtype, s, segment, location, null);
    }

    /** Element {@code i} (flat index) of an F32 tensor. */
    public float getFloat(long i) {
        requireF32("getFloat");
        return host("getFloat").getAtIndex(F32_LE, i);
    }

    /** Sets element {@code i} (flat index) of an F32 tensor. */
    public void setFloat(long i, float v) {
        requireF32("setFloat");
        host("setFloat").setAtIndex(F32_LE, i, v);
    }

    /** A heap copy of an F32 tensor's values; use {@link Dequantize} for other dtypes. */
    public float[] toFloatArray() {
        requireF32("toFloatArray");
        return host("toFloatArray").toArray(F32_LE);
    }

    /** Copies an F32 tensor's elements into {@code dst}. */
    public void copyTo(float[] dst) {
        requireF32("copyTo");
        if (dst.length < numel()) {
            throw new IllegalArgumentException("destination holds " + dst.length + " floats, tensor has " + numel());
        }
        MemorySegment.copy(host("copyTo"), F32_LE, 0, dst, 0, (int) numel());
    }

    /** Copies {@code src} into this F32 tensor. */
    public void copyFrom(float[] src) {
        requireF32("copyFrom");
        if (src.length != numel()) {
            throw new IllegalArgumentException("source holds " + src.length + " floats, tensor has " + numel());
        }
        MemorySegment.copy(src, 0, host("copyFrom"), F32_LE, 0, src.length);
    }

    /** Whether this tensor frees memory on {@link #close()}. */
    public boolean ownsMemory() {
        return owner != null;
    }

    @Override
    public void close() {
        if (owner instanceof Arena arena) {
            if (arena.scope().isAlive()) {
                arena.close();
            }
        } else if (owner != null) {
            ((OnceOnly) owner).close();
        }
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape) + " " + dtype + (location.isHost() ? "" : " on " + location)
                + (packing == null ? "" : " packed " + packing);
    }

    private void refusePacked(String op) {
        if (packing != null) {
            throw new IllegalStateException(op + ": " + this + " is arranged for its backend's kernels, not row-major;"
                    + " read it with Backend.toHost");
        }
    }

    private MemorySegment host(String op) {
        refusePacked(op);
        if (location != Location.HOST && !location.isHost()) {
            throw new IllegalStateException(op + ": " + this + " lives on " + location
                    + "; copy it to the host with Backend.toHost (or read it with Backend.read)");
        }
        return segment;
    }

    /** Runs a device free at most once, however often the tensor is closed. */
    private static final class OnceOnly implements AutoCloseable {
        private final Runnable free;
        private final AtomicBoolean done = new AtomicBoolean();

        OnceOnly(Runnable free) {
            this.free = free;
        }

        @Override
        public void close() {
            if (done.compareAndSet(false, true)) {
                free.run();
            }
        }
    }

    private void requireF32(String op) {
        if (dtype != DType.F32) {
            throw new IllegalArgumentException(op + " needs an F32 tensor, found " + dtype + " " + Arrays.toString(shape));
        }
    }

    private static int[] checkShape(DType dtype, int[] shape) {
        if (dtype == null) {
            throw new IllegalArgumentException("dtype is null");
        }
        if (shape == null || shape.length == 0) {
            throw new IllegalArgumentException("a tensor needs at least one dimension");
        }
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
        }
        if (dtype.isQuantized() && shape[shape.length - 1] % dtype.blockSize() != 0) {
            throw new IllegalArgumentException(dtype + " rows must be a multiple of " + dtype.blockSize()
                    + " elements, but the last dimension of " + Arrays.toString(shape) + " is " + shape[shape.length - 1]);
        }
        numel(shape); // overflow check
        return shape.clone();
    }

    private static long numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            n = Math.multiplyExact(n, (long) d);
        }
        return n;
    }
}

package dev.skipllama.tensor.cpu;

import static dev.skipllama.tensor.cpu.Decode.F32;
import static dev.skipllama.tensor.cpu.Simd.F;
import static dev.skipllama.tensor.cpu.Simd.L;

import dev.skipllama.tensor.Backend;
import dev.skipllama.tensor.Checks;
import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Dequantize;
import dev.skipllama.tensor.Location;
import dev.skipllama.tensor.RopeLayout;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.tensor.quant.QuantizedRow;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The fast CPU backend: Vector API kernels (any species, see {@link Simd}) spread over a fixed
 * {@link WorkerPool}. Matmul splits output rows across workers; attention gives each (token, KV head)
 * pair to one worker, which streams that head's part of the KV cache once for its group of query heads
 * ({@link Attention}).
 *
 * <p>Quantized weights are rearranged once, by {@link #upload}, into 16-row tiles ({@link Packing})
 * and multiplied in 16-bit integer lanes against activations quantized to 8 bits per block
 * ({@link TileGemv} and {@link TileGemm}) — ggml's definition of a quantized matmul, which the reference backend
 * states ({@link dev.skipllama.tensor.quant.QuantDot}) and these kernels equal bit for bit. Float
 * weights (F32, F16, BF16) stay where they are (memory-mapped) and take float activations.
 *
 * <p>Thread safety: one backend may be shared by many threads (e.g. sessions over one model); their
 * ops are serialised, each op still using every core. Per-worker scratch buffers are allocated once
 * and grown only when a longer context or a larger batch appears.
 */
public final class CpuBackend implements Backend {
    /** Below this many elements an elementwise op is not worth waking the other workers for. */
    private static final int PARALLEL_ELEMENTS = 1 << 15;
    /** Multiply-adds below which a matmul or attention call is not split across workers. */
    static final long SMALL_WORK = 1 << 17;
    /**
     * Above this row length a single activation row meets four half-precision weight rows per pass
     * ({@link HalfDot#f16Rows4}); at or below it, one (measured, 1B F16, 2 threads: at 2048 values the
     * activations stay in L1 and four rows per pass streamed at 20 GB/s instead of 29; at 8192, 28
     * instead of 19).
     */
    private static final int ROWS4_FROM = 4096;
    /** Weight bytes of a half-precision prompt chunk at most, so that its quads stay in L2. */
    private static final long HALF_CHUNK_BYTES = 256 << 10;
    /** Tile bytes {@link #touch} reads ahead of a batch kernel at a time: well within a core's L2. */
    private static final long TOUCH_BYTES = 128 << 10;

    private final WorkerPool pool;
    private final float[][] quad;
    /** Per-worker room for the sixteen accumulators' lanes of {@link HalfDot#f16Tile4x4}. */
    private final float[][] laneSums;
    private final Attention attention;
    private final HalfAttention halfAttention;
    private final float[][] cos;
    private final float[][] sin;
    private final float[][] rowBuf;
    /** The activations of a half-precision matmul, deinterleaved (see HalfDot); under {@link #opLock}. */
    private MemorySegment xd;
    /** {@link #xd} times 2^112, for the F16 tiles on finite weights (HalfDot#f16Tile4x4, scaled); under {@link #opLock}. */
    private MemorySegment xdScaled;
    /** A tied embedding's rows unpacked from the LM head's tiles ({@link #embedding}); under {@link #opLock}. */
    private MemorySegment embedRows;
    /** Native scratch: {@link #xd}, {@link #xdScaled}, {@link #embedRows} and {@link #groupOut}. */
    private final Arena panels = Arena.ofShared();
    /** Activations quantized for the packed kernels; one matmul at a time uses it, under {@link #opLock}. */
    private final QuantizedActivations acts;
    /** Per-worker room for the 16 outputs of a row group that runs past the end of the matrix. */
    private final MemorySegment[] groupOut;
    private final ReentrantLock opLock = new ReentrantLock();
    /** The activations of the packed matmul in progress (under {@link #opLock}); F32 tiles read them as they are. */
    private Tensor current;
    /** Per-worker accumulators of the packed kernels. */
    private final TileGemm.Scratch[] scratch;
    private final PanelGemm.Scratch[] panelScratch;
    /** Per worker: whether each weight quad of a half-precision prompt chunk is free of infinities and NaNs. */
    private final boolean[][] finiteQuads;
    /** Per worker: what {@link #touch} read, xor-ed (never used otherwise). */
    private final int[] touched;

    /** A backend using every available processor. */
    public CpuBackend() {
        this(Runtime.getRuntime().availableProcessors());
    }

    public CpuBackend(int threads) {
        this.pool = new WorkerPool(threads);
        this.quad = new float[threads][16];
        this.laneSums = new float[threads][16 * Simd.L];
        this.attention = new Attention(pool);
        this.halfAttention = new HalfAttention(pool);
        this.cos = new float[threads][64];
        this.sin = new float[threads][64];
        this.rowBuf = new float[threads][4096];
        this.acts = new QuantizedActivations(threads);
        this.scratch = new TileGemm.Scratch[threads];
        this.panelScratch = new PanelGemm.Scratch[threads];
        for (int i = 0; i < threads; i++) {
            scratch[i] = new TileGemm.Scratch();
            panelScratch[i] = new PanelGemm.Scratch();
        }
        this.touched = new int[threads];
        this.finiteQuads = new boolean[threads][16];
        this.groupOut = new MemorySegment[threads];
        for (int i = 0; i < threads; i++) {
            groupOut[i] = panels.allocate(4L * Packing.G * TileGemm.ROWS, 64);
        }
    }

    @Override
    public String name() {
        return "cpu (" + pool.size() + " threads, " + Simd.describe() + ")";
    }

    public int threads() {
        return pool.size();
    }

    // ---- weights ----------------------------------------------------------------------------

    /**
     * A quantized matrix comes back packed into tiles ({@link Packing}; as many bytes as the file's,
     * the caller closes it); an F16 or BF16 matrix as a row-major copy in large pages
     * ({@link Packing#copyToLargePages}); any other tensor comes back as it is. Refuses a quantized
     * weight with an infinite or NaN block scale: that is a corrupt file, not a number to compute with.
     */
    @Override
    public Tensor upload(Tensor hostWeight) {
        Checks.on(Location.HOST, "upload", hostWeight);
        if (Packing.copiesToLargePages(hostWeight)) {
            return Packing.copyToLargePages(hostWeight, rows -> { });
        }
        if (hostWeight.isPacked() || hostWeight.rank() != 2 || !hostWeight.dtype().isQuantized()) {
            return hostWeight;
        }
        return pack(hostWeight);
    }

    /** As {@link #upload}, and F32 matrices are packed too: only matmul reads them, from tiles. */
    @Override
    public Tensor uploadForMatmul(Tensor hostWeight) {
        return uploadForMatmul(hostWeight, rows -> { });
    }

    /** As {@link #uploadForMatmul(Tensor)}, packing a large matrix in runs of rows reported as each is copied. */
    @Override
    public Tensor uploadForMatmul(Tensor hostWeight, Consumer<Tensor> rowsRead) {
        Checks.on(Location.HOST, "upload", hostWeight);
        if (Packing.copiesToLargePages(hostWeight)) {
            return Packing.copyToLargePages(hostWeight, rowsRead);
        }
        if (hostWeight.isPacked() || hostWeight.rank() != 2 || !Packing.packs(hostWeight.dtype())) {
            return hostWeight;
        }
        return pack(hostWeight, rowsRead);
    }

    private Tensor pack(Tensor hostWeight) {
        return pack(hostWeight, rows -> { });
    }

    private Tensor pack(Tensor hostWeight, Consumer<Tensor> rowsRead) {
        return Packing.pack(hostWeight, pool, Packing.SLICE_BYTES, rowsRead);
    }

    /** The row-major bytes of a packed weight; a plain copy otherwise. */
    @Override
    public void toHost(Tensor src, Tensor hostDst) {
        if (!src.isPacked()) {
            Backend.super.toHost(src, hostDst);
            return;
        }
        if (src.dtype() != hostDst.dtype() || src.numel() != hostDst.numel() || hostDst.isPacked()) {
            throw new IllegalArgumentException("toHost: " + src + " and " + hostDst + " differ in dtype or size");
        }
        for (int r = 0; r < src.dim(0); r++) {
            Packing.unpackRow(src, r, hostDst.segment(), r * src.dtype().byteSize(src.dim(1)));
        }
    }

    // ---- matmul ---------------------------------------------------------------------------

    @Override
    public void matmul(Tensor w, Tensor x, Tensor out) {
        Checks.on(Location.HOST, "matmul", w, x, out);
        Checks.matmul(w, x, out);
        if (w.isPacked() && w.dtype() == DType.F32) {
            opLock.lock();
            try {
                current = x;
                packedMatmul(List.of(w), List.of(out), x.rowCount());
            } finally {
                current = null;
                opLock.unlock();
            }
            return;
        }
        if (w.dtype().isQuantized()) {
            if (w.isPacked()) {
                opLock.lock();
                try {
                    quantizeActivations(w.dtype(), x);
                    current = x;
                    packedMatmul(List.of(w), List.of(out), x.rowCount());
                } finally {
                    current = null;
                    opLock.unlock();
                }
            } else {
                try (Tensor packed = upload(w)) { // a caller that did not upload: correct, but packs every time
                    matmul(packed, x, out);
                }
            }
            return;
        }
        if (w.dtype() == DType.F16 || w.dtype() == DType.BF16) {
            opLock.lock();
            try {
                halfMatmul(w, x, out);
            } finally {
                opLock.unlock();
            }
            return;
        }
        floatMatmul(w, x, out);
    }

    /**
     * F16 and BF16 weights ({@link HalfDot}): the activations deinterleaved once into {@link #xd}; each
     * weight vector is decoded in registers. One token row meets one weight row per pass (four on long
     * rows, {@link HalfDot#f16Rows4}); a batch meets four weight rows at a time, four token rows per
     * pass ({@link HalfDot#f16Tile4x4}; two, {@link HalfDot#f16Tile4x2}), so a decoded weight serves
     * several rows and a loaded activation four weights. Every (weight row, token row) pair adds the
     * products of {@link HalfDot#f16} in its order, whichever kernel computes it: batch-invariant. (This replaced, for every batch size, a
     * panel decoded to F32 for 16+ rows and one weight row per pass below that: JMH 4096², 2 threads,
     * F16 ops/s, 16 rows 160-167 → 199-225, 64 rows 50-53 → 54-55; 4 rows 265-336 → 590-790.)
     * For a batch of F16 rows whose activations are all below 2^16 in magnitude, four weight rows found
     * finite once per call run the tiles on a copy of the activations times 2^112 ({@link HalfDot#f16Tile4x4}),
     * with the same bits (OpProfile, 1B F16, pp64, 2 threads, four alternating pairs: the matmuls' time
     * 1083-1102 → 844-920 ms per prompt). From three token rows on, the first tile over four weight rows
     * finds out itself (a running maximum of the exponent fields, eight vector operations a step) where a
     * pass over the rows before it did: 1B F16, 2 threads, the two alternating in one process, pp4
     * 1.10-1.18× (four runs of 12 pairs), pp8 1.09×, pp64 0.99× (the pass is spread over 16 token quads
     * there); a 2048² matmul of 4 rows 1.38× in L3. A single token row does the same without the
     * finiteness pass: its kernels ({@link HalfDot#f16Scaled}, {@link HalfDot#f16Rows4} with its scaled flag) notice a special half
     * themselves and the row is then computed from the activations as they are (OpProfile, 1B F16
     * files, 2 threads, alternating processes: the 2048-value matmuls 23-27 → 32-36 GB/s).
     */
    private void halfMatmul(Tensor w, Tensor x, Tensor out) {
        final int nOut = w.dim(0), nIn = w.dim(1), rows = x.rowCount();
        final boolean f16 = w.dtype() == DType.F16;
        final MemorySegment ws = w.segment(), os = out.segment();
        final long wRow = w.rowBytes(), xRow = 4L * nIn;
        if (xd == null || xd.byteSize() < xRow * rows) {
            xd = panels.allocate(Math.max(xRow * rows, 4096), 64);
        }
        final MemorySegment xs = xd;
        HalfDot.deinterleave(x.segment(), xs, rows, nIn);
        if (f16 && (xdScaled == null || xdScaled.byteSize() < xRow * rows)) {
            xdScaled = panels.allocate(Math.max(xRow * rows, 4096), 64);
        }
        final MemorySegment xsc = xdScaled;
        final boolean scaled = f16 && HalfDot.scaledCopy(xs, xsc, (long) rows * nIn);
        int chunkRows = (long) nOut * nIn * rows < SMALL_WORK ? nOut : Math.max(1, Math.min(64, nOut / (pool.size() * 8)));
        if (rows > 4) {
            chunkRows = (int) Math.max(4, Math.min(chunkRows, HALF_CHUNK_BYTES / wRow));
        }
        final int chunk = chunkRows >= 4 ? chunkRows / 4 * 4 : chunkRows; // whole fours of weight rows
        pool.run((nOut + chunk - 1) / chunk, (c, worker) -> {
            int o0 = c * chunk, end = Math.min(nOut, o0 + chunk);
            float[] q4 = quad[worker], lanes = laneSums[worker];
            int o = o0;
            if (rows > 1 || nIn > ROWS4_FROM) {
                // Token rows four at a time in the outer loop: a prompt's activations are then read from
                // L2 (L3 for 8192-value rows) once per chunk rather than once per weight quad, while the
                // chunk's weight quads (at most HALF_CHUNK_BYTES) stay in L2. A batch of up to four
                // takes one pass of the outer loop: each quad's finiteness test, then its tile.
                int quads = (end - o0) / 4;
                if (finiteQuads[worker].length < quads) {
                    finiteQuads[worker] = new boolean[quads];
                }
                boolean[] fin = finiteQuads[worker];
                for (int r = 0; r < rows; r += 4) {
                    for (int q = 0; q < quads; q++) {
                        int oq = o0 + 4 * q;
                        if (r == 0) { // once per four weight rows, not per pass; a single token row needs none
                            // Three or more token rows: assumed finite, and the first (4×4) tile looks for specials
                            // itself (it says so, and the quad is redone on the activations as they are); two: a pass.
                            fin[q] = scaled && rows > 1 && (rows > 2 || HalfDot.f16Finite(ws, oq * wRow, wRow, nIn));
                        }
                        if (!halfQuad(ws, wRow, oq, r, rows, f16, scaled, fin[q], xs, xsc, xRow, nIn, os, nOut, q4, lanes)) {
                            fin[q] = false; // a special half met by the tile: these four rows on the activations as they are
                            halfQuad(ws, wRow, oq, r, rows, f16, scaled, false, xs, xsc, xRow, nIn, os, nOut, q4, lanes);
                        }
                    }
                }
                o = o0 + 4 * quads;
            }
            if (rows == 1 && (scaled || !f16) && nIn % (2 * L) == 0) {
                // One token row, sixteen weight rows at a time: their accumulators' lanes summed at once
                // (HalfDot.sumLanes), the same sums as row by row (F16 generation +7-12% in alternating
                // GenerateBench pairs; the scalar lane sum was 8% of a one-token 2048² matmul). An F16
                // row with a special half is redone from the activations as they are.
                for (; o + 16 <= end; o += 16) {
                    int special = 0;
                    for (int k = 0; k < 16; k++) {
                        if (!f16) {
                            HalfDot.bf16Chunks(ws, (o + k) * wRow, xs, 0, nIn, lanes, k * L);
                        } else if (!HalfDot.f16ScaledChunks(ws, (o + k) * wRow, xsc, 0, nIn, lanes, k * L)) {
                            special |= 1 << k;
                        }
                    }
                    HalfDot.sumLanes(lanes, 16, q4);
                    for (int k = 0; k < 16; k++) {
                        float v = !f16 || (special & 1 << k) == 0 && !Float.isNaN(q4[k]) ? q4[k] : HalfDot.f16(ws, (o + k) * wRow, xs, 0, nIn);
                        os.set(F32, 4L * (o + k), v);
                    }
                }
            }
            for (; o < end; o++) { // one row of a short row's matrix, or the last one to three of a chunk
                for (int r = 0; r < rows; r += 4) {
                    int n = Math.min(4, rows - r);
                    if (n == 1) {
                        float v = !f16 ? HalfDot.bf16(ws, o * wRow, xs, r * xRow, nIn, lanes)
                                : scaled ? HalfDot.f16Scaled(ws, o * wRow, xsc, r * xRow, nIn, lanes) : Float.NaN;
                        if (f16 && Float.isNaN(v)) { // a special half (or a NaN the definition gives itself)
                            v = HalfDot.f16(ws, o * wRow, xs, r * xRow, nIn);
                        }
                        os.set(F32, 4L * ((long) r * nOut + o), v);
                        continue;
                    }
                    if (f16) {
                        HalfDot.f16x4(ws, o * wRow, xs, r * xRow, xRow, n, nIn, q4);
                    } else {
                        HalfDot.bf16x4(ws, o * wRow, xs, r * xRow, xRow, n, nIn, q4);
                    }
                    for (int k = 0; k < n; k++) {
                        os.set(F32, 4L * ((long) (r + k) * nOut + o), q4[k]);
                    }
                }
            }
        });
    }

    /**
     * Weight rows o..o+3 of a half-precision matrix against token rows r..r+3 (fewer at the end), their
     * outputs stored: the one-token four-row kernel, or a 4×2 or 4×4 tile.
     */
    private boolean halfQuad(MemorySegment ws, long wRow, int o, int r, int rows, boolean f16, boolean scaled, boolean finite,
                          MemorySegment xs, MemorySegment xsc, long xRow, int nIn, MemorySegment os, int nOut, float[] q4, float[] lanes) {
        int n = Math.min(4, rows - r);
        if (n == 1) { // four weight rows per pass share the activation loads (see HalfDot.f16Rows4)
            if (f16) {
                if (!(scaled && HalfDot.f16Rows4(ws, o * wRow, wRow, xsc, r * xRow, nIn, q4, true))) {
                    HalfDot.f16Rows4(ws, o * wRow, wRow, xs, r * xRow, nIn, q4, false);
                }
            } else {
                HalfDot.bf16Rows4(ws, o * wRow, wRow, xs, r * xRow, nIn, q4);
            }
            for (int j = 0; j < 4; j++) {
                os.set(F32, 4L * ((long) r * nOut + o + j), q4[j]);
            }
            return true;
        }
        if (n == 2) {
            if (f16) {
                HalfDot.f16Tile4x2(ws, o * wRow, wRow, finite ? xsc : xs, r * xRow, xRow, nIn, lanes, q4, finite);
            } else {
                HalfDot.bf16Tile4x2(ws, o * wRow, wRow, xs, r * xRow, xRow, nIn, lanes, q4);
            }
        } else if (f16) {
            if (!HalfDot.f16Tile4x4(ws, o * wRow, wRow, finite ? xsc : xs, r * xRow, xRow, n, nIn, lanes, q4, finite, finite && r == 0)) {
                return false;
            }
        } else {
            HalfDot.bf16Tile4x4(ws, o * wRow, wRow, xs, r * xRow, xRow, n, nIn, lanes, q4);
        }
        int stride = n == 2 ? 2 : 4; // the outputs of weight row j start at stride·j
        for (int j = 0; j < 4; j++) {
            for (int k = 0; k < n; k++) {
                os.set(F32, 4L * ((long) (r + k) * nOut + o + j), q4[stride * j + k]);
            }
        }
        return true;
    }

    /**
     * Weight rows o0..end of an F32 matrix (row o at {@code (o − o0)·n}) against every activation row:
     * 2×8 tiles where the registers hold them (512-bit vectors), 2×4 tiles, then the rest. Each kernel
     * adds a row's values past its last whole vector itself, as {@link Dot#f32} does.
     */
    private static void floatTiles(MemorySegment tw, int o0, int end, MemorySegment xs, int rows, int nIn, int nOut,
                                   MemorySegment os, float[] q4) {
        long tRow = 4L * nIn, xRow = 4L * nIn;
        int pairsEnd = o0 + (end - o0) / 2 * 2;
        int r = 0;
        while (r + 4 <= rows) {
            // Eight token rows per weight pair where 32 registers hold the tile (JMH, F16 through a decoded panel, 64 rows: 85-92 -> 96-104 GFLOP/s).
            int g = Dot2x8.FITS && r + 8 <= rows ? 8 : 4;
            for (int p = o0; p < pairsEnd; p += 2) {
                long w0 = (p - o0) * tRow;
                if (g == 8) {
                    Dot2x8.f32(tw, w0, w0 + tRow, xs, r * xRow, xRow, nIn, q4);
                } else {
                    Dot2x4.f32(tw, w0, w0 + tRow, xs, r * xRow, xRow, nIn, q4);
                }
                for (int k = 0; k < g; k++) {
                    os.set(F32, 4L * ((long) (r + k) * nOut + p), q4[k]);
                    os.set(F32, 4L * ((long) (r + k) * nOut + p + 1), q4[g + k]);
                }
            }
            for (int o = pairsEnd; o < end; o++) {
                for (int h = r; h < r + g; h += 4) {
                    Dot.f32x4(tw, (o - o0) * tRow, xs, h * xRow, xRow, nIn, q4);
                    for (int k = 0; k < 4; k++) {
                        os.set(F32, 4L * ((long) (h + k) * nOut + o), q4[k]);
                    }
                }
            }
            r += g;
        }
        for (; r < rows; r++) {
            for (int o = o0; o < end; o++) {
                os.set(F32, 4L * ((long) r * nOut + o), Dot.f32(tw, (o - o0) * tRow, xs, r * xRow, nIn));
            }
        }
    }

    /**
     * Several weights over one input ({@code q, k, v} or {@code gate, up}): the input is quantized
     * once and every weight's row groups run in one parallel job.
     */
    @Override
    public void matmul(List<Tensor> ws, Tensor x, List<Tensor> outs) {
        boolean packed = !ws.isEmpty() && ws.size() == outs.size();
        for (int i = 0; packed && i < ws.size(); i++) {
            Tensor w = ws.get(i);
            packed = w.isPacked() && w.dtype() == ws.get(0).dtype() && w.dim(1) == ws.get(0).dim(1);
        }
        if (!packed) {
            Backend.super.matmul(ws, x, outs);
            return;
        }
        for (int i = 0; i < ws.size(); i++) {
            Checks.on(Location.HOST, "matmul", ws.get(i), x, outs.get(i));
            Checks.matmul(ws.get(i), x, outs.get(i));
        }
        opLock.lock();
        try {
            if (ws.get(0).dtype().isQuantized()) {
                quantizeActivations(ws.get(0).dtype(), x);
            }
            current = x;
            packedMatmul(ws, outs, x.rowCount());
        } finally {
            current = null;
            opLock.unlock();
        }
    }

    /** x's rows quantized into {@link #acts} for weights of type t (in parallel when there are many). */
    private void quantizeActivations(DType t, Tensor x) {
        int rows = x.rowCount(), n = x.dim(-1);
        acts.reset(QuantizedRow.blocksFor(t), rows, n, extras(t, rows));
        MemorySegment xs = x.segment();
        if (rows == 1 || (long) rows * n < PARALLEL_ELEMENTS) {
            for (int r = 0; r < rows; r++) {
                acts.quantizeRow(xs, 4L * r * n, r, 0);
            }
        } else {
            pool.run(rows, (r, worker) -> acts.quantizeRow(xs, 4L * r * n, r, worker));
        }
    }

    /**
     * What the kernels for {@code rows} rows of {@code t} read besides the pairs. The single-row kernels'
     * steps are needed only where a row runs alone, as the last of rows ≡ 1 (mod TileGemm.ROWS) (see
     * group): the batched tiles read the pairs, so a batch of 4 or 64 rows does not compute steps it
     * never reads. Some call will take more than four rows where TileGemm.floatRows says so. A batch
     * that PanelGemm takes reads only its panels, d and the sums, none of the integer kernels' extras.
     */
    private static Set<QuantizedActivations.Extra> extras(DType t, int rows) {
        if (PanelGemm.applies(t, rows)) {
            boolean pairs = t == DType.Q4_0 || t == DType.Q4_K || t == DType.Q5_K; // the 16-bit integer panels
            return EnumSet.of(pairs ? QuantizedActivations.Extra.PAIR_PANELS : QuantizedActivations.Extra.PANELS);
        }
        boolean alone = rows % TileGemm.ROWS == 1;
        EnumSet<QuantizedActivations.Extra> e = EnumSet.noneOf(QuantizedActivations.Extra.class);
        switch (t) {
            case Q4_0, Q4_1, Q4_K -> {
                if (alone) {
                    e.add(QuantizedActivations.Extra.STEPS);
                }
                if (t == DType.Q4_1) {
                    e.add(QuantizedActivations.Extra.SCALED_SUMS);
                }
            }
            case Q5_0, Q5_K -> {
                e.add(QuantizedActivations.Extra.CENTER);
                if (alone) {
                    e.add(QuantizedActivations.Extra.QUINTS);
                }
            }
            case Q6_K -> {
                e.add(QuantizedActivations.Extra.CENTER6);
                if (alone) {
                    e.add(QuantizedActivations.Extra.SEXTETS);
                }
            }
            case Q8_0, F32, F16, BF16 -> {
            }
        }
        if (TileGemm.floatRows(t, rows)) {
            e.add(QuantizedActivations.Extra.FLOATS);
        }
        return e;
    }

    /** outs[i] = x · ws[i]ᵀ from the quantized activations, every weight's row groups in one job. */
    private void packedMatmul(List<Tensor> ws, List<Tensor> outs, int rows) {
        if (PanelGemm.applies(ws.get(0).dtype(), rows)) {
            panelMatmul(ws, outs);
            return;
        }
        int count = ws.size();
        int[] groupStart = new int[count + 1];
        long work = 0;
        for (int i = 0; i < count; i++) {
            groupStart[i + 1] = groupStart[i] + Packing.groups(ws.get(i).dim(0));
            work += (long) ws.get(i).dim(0) * ws.get(i).dim(1) * rows;
        }
        int groups = groupStart[count];
        // Chunks: for a batch, eight per worker of equal size, to even out uneven progress. For a single
        // token, whose matmul streams each weight once and runs faster in long contiguous runs, chunks
        // that halve as the work runs out (factoring: each round gives every worker a chunk of half the
        // remaining work's share), so each thread starts on a long run and the job ends on short ones.
        // Two equal chunks per worker before (OpProfile, 1B files, 2 threads, alternating processes,
        // tok/s with eight → two: Q4_0 41.3 / 39.1 / 45.0 / 43.3 → 46.5 / 46.0 / 46.7 / 48.1; the
        // 2048-row matrices 22-27 → 30-35 GB/s) left the caller waiting for the other worker's last
        // chunk: JFR on 1B Q4_0 generation, the caller's wait 207 → 73 samples; tg32 with the two
        // alternating every run in one process, median ratios 1.02 / 1.05 (Q4_0), 1.00 (Q4_K_M), 1.06
        // (Q8_0). At most 64 groups a chunk either way.
        int[] starts = work < SMALL_WORK ? new int[]{0, groups}
                : rows == 1 ? factoring(groups, pool.size(), 64)
                : equalChunks(groups, Math.max(1, Math.min(64, groups / (pool.size() * 8))));
        boolean touchFirst = rows > 1 && TileGemm.touchFirst(ws.get(0).dtype());
        pool.run(starts.length - 1, (c, worker) -> {
            int i = 0, touchedTo = starts[c];
            for (int g = starts[c], end = starts[c + 1]; g < end; g++) {
                if (touchFirst && g >= touchedTo) {
                    touchedTo = touch(ws, groupStart, g, end, worker);
                }
                while (g >= groupStart[i + 1]) {
                    i++;
                }
                Tensor w = ws.get(i);
                int local = g - groupStart[i];
                if (rows == 1 && w.dtype() == DType.F32 && g + 4 <= end && (local + 4) * Packing.G <= w.dim(0)) {
                    f32Groups(w, outs.get(i), local); // four whole groups of one matrix at once
                    g += 3;
                } else if (rows > 1 && TileGemm.pairs(w.dtype()) && g + 2 <= end && (local + 2) * Packing.G <= w.dim(0)) {
                    groupPairBatch(w, outs.get(i), local, rows, worker); // two groups share every activation broadcast
                    g += 1;
                } else if (rows > 1 && w.dtype() == DType.F32 && g + 2 <= end && (local + 2) * Packing.G <= w.dim(0)) {
                    f32GroupPair(w, outs.get(i), local, rows); // two whole groups against every row
                    g += 1;
                } else {
                    group(w, outs.get(i), local, rows, worker);
                }
            }
        });
    }

    /** Where each chunk of {@code n} items starts, {@code chunk} items each (the last fewer), and n after the last. */
    static int[] equalChunks(int n, int chunk) {
        int count = (n + chunk - 1) / chunk;
        int[] starts = new int[count + 1];
        for (int c = 0; c < count; c++) {
            starts[c] = c * chunk;
        }
        starts[count] = n;
        return starts;
    }

    /**
     * Where each chunk of {@code n} items starts, and n after the last, by factoring: in rounds of one
     * chunk per worker, each of half the remaining items' share per worker (at least 1, at most
     * {@code maxChunk}).
     */
    static int[] factoring(int n, int workers, int maxChunk) {
        int[] starts = new int[factoring(n, workers, maxChunk, null) + 1];
        factoring(n, workers, maxChunk, starts);
        starts[starts.length - 1] = n;
        return starts;
    }

    /** The chunks' starts of {@link #factoring(int, int, int)} into {@code starts} (if not null); returns their count. */
    private static int factoring(int n, int workers, int maxChunk, int[] starts) {
        int count = 0;
        for (int at = 0; at < n; ) {
            int size = Math.max(1, Math.min(maxChunk, (n - at + 2 * workers - 1) / (2 * workers)));
            for (int k = 0; k < workers && at < n; k++, count++) {
                if (starts != null) {
                    starts[count] = at;
                }
                at += Math.min(size, n - at);
            }
        }
        return count;
    }

    /** outs[i] = x · ws[i]ᵀ by {@link PanelGemm}, strip by strip, every weight's strips in one job. */
    private void panelMatmul(List<Tensor> ws, List<Tensor> outs) {
        int count = ws.size();
        int[] stripStart = new int[count + 1];
        for (int i = 0; i < count; i++) {
            stripStart[i + 1] = stripStart[i] + PanelGemm.strips(ws.get(i).dim(0));
        }
        DType t = ws.get(0).dtype();
        pool.run(stripStart[count], (s, worker) -> {
            int i = 0;
            while (s >= stripStart[i + 1]) {
                i++;
            }
            Tensor w = ws.get(i);
            PanelGemm.strip(t, w.packedSegment(), w.dim(0), s - stripStart[i], acts, outs.get(i).segment(), panelScratch[worker]);
        });
    }

    /**
     * Reads one byte of every 64 of the tiles of groups from {@code from} on (of every matrix of a
     * multi-matmul), about {@link #TOUCH_BYTES} of them and before {@code to}, so that the batch kernel
     * that follows finds them in L2; returns the first group not read. For the types where
     * {@link TileGemm#touchFirst} says it pays: there the batch kernel stalls on the lines it misses
     * (a missed load holds up in-order retirement, and the out-of-order window fills with the kernel's
     * arithmetic long before the line arrives), where this loop keeps dozens of misses in flight.
     */
    private int touch(List<Tensor> ws, int[] groupStart, int from, int to, int worker) {
        int x = 0, i = 0, g = from;
        for (long bytes = 0; g < to && (bytes < TOUCH_BYTES || g < from + 2); g++) { // two groups at least: a pair's
            while (g >= groupStart[i + 1]) {
                i++;
            }
            Tensor w = ws.get(i);
            int nb = w.dim(1) / w.dtype().blockSize();
            long at = Packing.tile(w.dtype(), nb, g - groupStart[i], 0), size = Packing.tile(w.dtype(), nb, 1, 0);
            MemorySegment seg = w.packedSegment();
            for (long end = at + size; at < end; at += 64) {
                x ^= seg.get(ValueLayout.JAVA_BYTE, at);
            }
            bytes += size;
        }
        touched[worker] ^= x; // kept, so that the loads are not removed
        return g;
    }

    /** Groups g..g+3 of an F32 matrix against the single activation row, slice by slice. */
    private void f32Groups(Tensor w, Tensor out, int g) {
        int nIn = w.dim(1);
        long gBytes = 64L * nIn;
        MemorySegment ws = w.packedSegment(), xs = current.segment(), os = out.segment();
        for (int slice = 0; slice < Packing.G / L; slice++) {
            TileGemv.f32x4(ws, g * gBytes, gBytes, nIn, 4 * L * slice, xs, 0, os, 4L * g * Packing.G + 4L * L * slice);
        }
    }

    /** Groups g and g+1 of a matrix of {@link TileGemm#pairs} (both whole) against every activation row, {@link TileGemm#rows2} rows at a time (eight for Q8_0, else four). */
    private void groupPairBatch(Tensor w, Tensor out, int g, int rows, int worker) {
        DType t = w.dtype();
        int nOut = w.dim(0), nb = w.dim(1) / t.blockSize();
        long g0 = Packing.tile(t, nb, g, 0), gBytes = Packing.tile(t, nb, 1, 0);
        MemorySegment ws = w.packedSegment(), os = out.segment();
        int step = TileGemm.rows2(t);
        for (int r = 0; r < rows; r += step) {
            int n = Math.min(step, rows - r);
            long base = 4L * ((long) r * nOut + (long) g * Packing.G);
            for (int slice = 0; slice < Packing.G / L; slice++) {
                if (n == 1) {
                    TileGemv.dot(t, ws, g0, nb, 4 * L * slice, acts, r, os, base + 4L * L * slice);
                    TileGemv.dot(t, ws, g0 + gBytes, nb, 4 * L * slice, acts, r, os, base + 4L * Packing.G + 4L * L * slice);
                } else {
                    TileGemm.dot2(t, ws, g0, gBytes, nb, 4 * L * slice, acts, r, n, os, base + 4L * L * slice, 4L * nOut,
                            4L * Packing.G, scratch[worker]);
                }
            }
        }
    }

    /** Groups g and g+1 of an F32 matrix (both whole) against every activation row, four rows at a time. */
    private void f32GroupPair(Tensor w, Tensor out, int g, int rows) {
        int nOut = w.dim(0), nIn = w.dim(1);
        long gBytes = 64L * nIn, xRow = 4L * nIn;
        MemorySegment ws = w.packedSegment(), xs = current.segment(), os = out.segment();
        for (int r = 0; r < rows; r += TileGemm.ROWS) {
            int n = Math.min(TileGemm.ROWS, rows - r);
            long base = 4L * ((long) r * nOut + (long) g * Packing.G);
            for (int slice = 0; slice < Packing.G / L; slice++) {
                TileGemm.f32x2(ws, g * gBytes, gBytes, nIn, 4 * L * slice, xs, r * xRow, xRow, n, os, base + 4L * L * slice, 4L * nOut);
            }
        }
    }

    /** Rows of group g of w against every activation row, four rows at a time, slice by slice. */
    private void group(Tensor w, Tensor out, int g, int rows, int worker) {
        DType t = w.dtype();
        int nOut = w.dim(0), nb = w.dim(1) / t.blockSize();
        long g0 = Packing.tile(t, nb, g, 0);
        MemorySegment ws = w.packedSegment(), os = out.segment(), tmp = groupOut[worker];
        MemorySegment xs = current.segment();
        long xRow = 4L * w.dim(1);
        TileGemm.Scratch sc = scratch[worker];
        int valid = Math.min(Packing.G, nOut - g * Packing.G);
        for (int r = 0; r < rows; r += TileGemm.ROWS) {
            int n = Math.min(TileGemm.ROWS, rows - r);
            long base = 4L * ((long) r * nOut + (long) g * Packing.G);
            for (int slice = 0; slice < Packing.G / L; slice++) {
                MemorySegment dst = valid == Packing.G ? os : tmp; // a group past the end of the matrix: through the worker's room
                long at = valid == Packing.G ? base + 4L * L * slice : 4L * L * slice;
                long stride = valid == Packing.G ? 4L * nOut : 4L * Packing.G;
                if (t == DType.F32) {
                    if (n == 1) {
                        TileGemv.f32(ws, g0, nb, 4 * L * slice, xs, r * xRow, dst, at);
                    } else {
                        TileGemm.f32(ws, g0, nb, 4 * L * slice, xs, r * xRow, xRow, n, dst, at, stride);
                    }
                } else if (n == 1) {
                    TileGemv.dot(t, ws, g0, nb, 4 * L * slice, acts, r, dst, at);
                } else {
                    TileGemm.dot(t, ws, g0, nb, 4 * L * slice, acts, r, n, dst, at, stride, sc);
                }
            }
            if (valid < Packing.G) {
                for (int k = 0; k < n; k++) {
                    MemorySegment.copy(tmp, 4L * Packing.G * k, os, base + 4L * nOut * k, 4L * valid);
                }
            }
        }
    }

    /** F32 weights: 2×4 tiles for four activation rows at a time (two weight rows share every activation load, see Dot2x4). */
    private void floatMatmul(Tensor w, Tensor x, Tensor out) {
        final int nOut = w.dim(0), nIn = w.dim(1), rows = x.rowCount();
        final MemorySegment ws = w.segment(), xs = x.segment(), os = out.segment();
        final long wRow = w.rowBytes(), xRow = 4L * nIn;
        // Enough chunks per worker to even out uneven progress, few enough to keep claiming cheap; a
        // small product runs on the caller alone, since waking the workers costs more than it saves.
        final int chunk = (long) nOut * nIn * rows < SMALL_WORK ? nOut : Math.max(1, Math.min(64, nOut / (pool.size() * 8)));
        pool.run((nOut + chunk - 1) / chunk, (c, worker) -> {
            int o0 = c * chunk, end = Math.min(nOut, o0 + chunk);
            // Token groups outside, weight pairs inside: the group's four activation rows stay in L1
            // while the chunk's weights come from L2.
            floatTiles(ws.asSlice(o0 * wRow), o0, end, xs, rows, nIn, nOut, os, quad[worker]);
        });
    }

    // ---- row-wise ops ---------------------------------------------------------------------

    /** Runs {@code body} over rows, in parallel only when the op is large enough to pay for it. */
    private void forRows(int rows, int rowLength, WorkerPool.Task body) {
        int chunks = (long) rows * rowLength < PARALLEL_ELEMENTS ? 1 : rows;
        if (chunks == 1) {
            pool.run(1, (c, worker) -> {
                for (int r = 0; r < rows; r++) {
                    body.run(r, worker);
                }
            });
        } else {
            pool.run(rows, body);
        }
    }

    @Override
    public void rmsnorm(Tensor x, Tensor weight, float eps, Tensor out) {
        Checks.on(Location.HOST, "rmsnorm", x, weight, out);
        Checks.rmsnorm(x, weight, out);
        final int d = x.dim(-1);
        final MemorySegment xs = x.segment(), ws = weight.segment(), os = out.segment();
        forRows(x.rowCount(), d, (r, worker) -> {
            long base = 4L * r * d;
            // As ggml computes it: float squares summed in double, in order, then the scale in float. On
            // quantized models the next matmul rounds these values to 8 bits, so an ulp here can flip a
            // rounding there; the same arithmetic as llama.cpp keeps greedy text the same as its.
            double sum = 0;
            for (int i = 0; i < d; i++) {
                float v = xs.get(F32, base + 4L * i);
                sum += v * v;
            }
            float mean = (float) (sum / d);
            float scale = 1f / (float) Math.sqrt(mean + eps);
            int i = 0;
            for (int bound = F.loopBound(d); i < bound; i += L) {
                Decode.f32(xs, base + 4L * i).mul(scale).mul(Decode.f32(ws, 4L * i))
                        .intoMemorySegment(os, base + 4L * i, Decode.LE);
            }
            for (; i < d; i++) {
                os.set(F32, base + 4L * i, xs.get(F32, base + 4L * i) * scale * ws.get(F32, 4L * i));
            }
        });
    }

    @Override
    public void rope(Tensor x, int headDim, int[] positions, float[] invFreq, RopeLayout layout) {
        Checks.on(Location.HOST, "rope", x);
        Checks.rope(x, headDim, positions, invFreq);
        final int width = x.dim(-1), half = invFreq.length, heads = width / headDim;
        final MemorySegment xs = x.segment();
        final boolean interleaved = layout == RopeLayout.INTERLEAVED;
        forRows(x.rowCount(), width, (r, worker) -> {
            float[] c = cos[worker].length >= half ? cos[worker] : (cos[worker] = new float[half]);
            float[] s = sin[worker].length >= half ? sin[worker] : (sin[worker] = new float[half]);
            // The angle is rounded to float first, as PyTorch computes it (position * inv_freq in fp32).
            for (int i = 0; i < half; i++) {
                double angle = (float) (positions[r] * invFreq[i]);
                c[i] = (float) Math.cos(angle);
                s[i] = (float) Math.sin(angle);
            }
            for (int h = 0; h < heads; h++) {
                long base = 4L * ((long) r * width + (long) h * headDim);
                for (int i = 0; i < half; i++) {
                    long a = base + 4L * (interleaved ? 2 * i : i);
                    long b = base + 4L * (interleaved ? 2 * i + 1 : i + half);
                    float x0 = xs.get(F32, a), x1 = xs.get(F32, b);
                    xs.set(F32, a, x0 * c[i] - x1 * s[i]);
                    xs.set(F32, b, x0 * s[i] + x1 * c[i]);
                }
            }
        });
    }

    @Override
    public void softmax(Tensor x) {
        Checks.on(Location.HOST, "softmax", x);
        Checks.softmax(x);
        final int n = x.dim(-1);
        final MemorySegment xs = x.segment();
        forRows(x.rowCount(), n, (r, worker) -> softmaxInPlace(xs, 4L * r * n, n));
    }

    /** Softmax of {@code n} floats at byte offset {@code base}. */
    private static void softmaxInPlace(MemorySegment xs, long base, int n) {
        FloatVector mv = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            mv = mv.max(Decode.f32(xs, base + 4L * i));
        }
        float max = mv.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            max = Math.max(max, xs.get(F32, base + 4L * i));
        }
        FloatVector sv = FloatVector.zero(F);
        i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector e = VMath.exp(Decode.f32(xs, base + 4L * i).sub(max));
            e.intoMemorySegment(xs, base + 4L * i, Decode.LE);
            sv = sv.add(e);
        }
        float sum = VMath.sum(sv);
        for (; i < n; i++) {
            float e = VMath.exp(xs.get(F32, base + 4L * i) - max);
            xs.set(F32, base + 4L * i, e);
            sum += e;
        }
        float inv = 1f / sum;
        i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            Decode.f32(xs, base + 4L * i).mul(inv).intoMemorySegment(xs, base + 4L * i, Decode.LE);
        }
        for (; i < n; i++) {
            xs.set(F32, base + 4L * i, xs.get(F32, base + 4L * i) * inv);
        }
    }

    // ---- attention ------------------------------------------------------------------------

    @Override
    public void attention(Tensor q, Tensor k, Tensor v, int[] positions, int nHeads, int nKvHeads, Tensor out) {
        Checks.on(Location.HOST, "attention", q, k, v, out);
        Checks.attention(q, k, v, positions, nHeads, nKvHeads, out);
        switch (k.dtype()) {
            case F32 -> attention.run(q.segment(), k.segment(), v.segment(), out.segment(), q.rowCount(), q.dim(-1), k.dim(1),
                    positions, nHeads, nKvHeads);
            case F16 -> halfAttention.run(q.segment(), k.segment(), v.segment(), out.segment(), q.rowCount(), q.dim(-1), k.dim(1),
                    positions, nHeads, nKvHeads);
            default -> throw new IllegalStateException("attention over a " + k.dtype() + " cache"); // Checks.attention admits F32 and F16
        }
    }

    @Override
    public void convert(Tensor src, Tensor dst) {
        Checks.on(Location.HOST, "convert", src, dst);
        Checks.convert(src, dst);
        MemorySegment from = src.segment(), to = dst.segment();
        long n = src.numel();
        if (dst.dtype() == DType.F32) {
            MemorySegment.copy(from, 0, to, 0, 4 * n);
            return;
        }
        for (long i = 0; i < n; i++) { // a few KV rows per call: a plain loop, which C2 turns into vector conversions
            to.set(Decode.I16, 2 * i, Float.floatToFloat16(from.get(Decode.F32, 4 * i)));
        }
    }

    // ---- elementwise ----------------------------------------------------------------------

    @Override
    public void swiglu(Tensor gate, Tensor up, Tensor out) {
        Checks.on(Location.HOST, "swiglu", gate, up, out);
        Checks.elementwise("swiglu", gate, up, out);
        final int n = gate.dim(-1);
        final MemorySegment gs = gate.segment(), us = up.segment(), os = out.segment();
        forRows(gate.rowCount(), n, (r, worker) -> {
            long base = 4L * r * n;
            int i = 0;
            for (int bound = F.loopBound(n); i < bound; i += L) {
                FloatVector g = Decode.f32(gs, base + 4L * i);
                // sigmoid(g) from e = exp(-|g|), which cannot overflow (exp(-g) does for g < -88).
                FloatVector e = VMath.exp(g.abs().neg());
                FloatVector num = FloatVector.broadcast(F, 1f).blend(e, g.compare(VectorOperators.LT, 0f));
                g.mul(num.div(e.add(1f))).mul(Decode.f32(us, base + 4L * i)).intoMemorySegment(os, base + 4L * i, Decode.LE);
            }
            for (; i < n; i++) {
                float g = gs.get(F32, base + 4L * i);
                float e = VMath.exp(-Math.abs(g));
                os.set(F32, base + 4L * i, g * ((g < 0 ? e : 1f) / (e + 1f)) * us.get(F32, base + 4L * i));
            }
        });
    }

    @Override
    public void add(Tensor a, Tensor b, Tensor out) {
        Checks.on(Location.HOST, "add", a, b, out);
        Checks.elementwise("add", a, b, out);
        final int n = a.dim(-1);
        final MemorySegment as = a.segment(), bs = b.segment(), os = out.segment();
        forRows(a.rowCount(), n, (r, worker) -> {
            long base = 4L * r * n;
            int i = 0;
            for (int bound = F.loopBound(n); i < bound; i += L) {
                Decode.f32(as, base + 4L * i).add(Decode.f32(bs, base + 4L * i)).intoMemorySegment(os, base + 4L * i, Decode.LE);
            }
            for (; i < n; i++) {
                os.set(F32, base + 4L * i, as.get(F32, base + 4L * i) + bs.get(F32, base + 4L * i));
            }
        });
    }

    @Override
    public void embedding(Tensor table, int[] tokens, Tensor out) {
        Checks.on(Location.HOST, "embedding", table, out);
        Checks.embedding(table, tokens, out);
        final int d = table.dim(1);
        final MemorySegment os = out.segment();
        final DType dt = table.dtype();
        if (table.isPacked()) { // a tied embedding whose rows the LM head has packed: unpack the rows needed
            // into scratch the backend keeps: a tensor allocated per call (a shared arena, whose close
            // is a handshake with every thread) cost ~90 µs a token on the 1B Q4_0 file, 1-2% of it
            long rowBytes = dt.byteSize(d);
            opLock.lock();
            try {
                if (embedRows == null || embedRows.byteSize() < rowBytes * tokens.length) {
                    embedRows = panels.allocate(Math.max(rowBytes * tokens.length, 4 * rowBytes), 64);
                }
                Tensor rowsOf = Tensor.wrap(embedRows.asSlice(0, rowBytes * tokens.length), dt, tokens.length, d);
                for (int r = 0; r < tokens.length; r++) {
                    Packing.unpackRow(table, tokens[r], rowsOf.segment(), r * rowBytes);
                }
                int[] identity = new int[tokens.length];
                for (int r = 0; r < identity.length; r++) {
                    identity[r] = r;
                }
                embedding(rowsOf, identity, out);
            } finally {
                opLock.unlock();
            }
            return;
        }
        final MemorySegment ts = table.segment();
        final long rowBytes = table.rowBytes();
        forRows(tokens.length, d, (r, worker) -> {
            float[] buf = rowBuf[worker].length >= d ? rowBuf[worker] : (rowBuf[worker] = new float[d]);
            Dequantize.row(ts, tokens[r] * rowBytes, dt, d, buf, 0);
            MemorySegment.copy(buf, 0, os, F32, 4L * r * d, d);
        });
    }

    @Override
    public void close() {
        pool.close();
        panels.close();
    }
}

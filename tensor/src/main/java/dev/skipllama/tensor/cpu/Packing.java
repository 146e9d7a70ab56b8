package dev.skipllama.tensor.cpu;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Dequantize;
import dev.skipllama.tensor.Halfs;
import dev.skipllama.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.Consumer;

/**
 * The CPU backend's arrangement of quantized weights: rows in groups of {@link #G} = 16, and within
 * a group each block (32 or 256 values) of the 16 rows stored together as one <em>tile</em>, laid out
 * so that a vector lane holds one row. A kernel then computes 16 outputs at once, each lane summing
 * one row's products in 16-bit integers, with no horizontal sums and no widening shuffles (see
 * {@link TileGemv} and {@link TileGemm}). Made once at load time by {@link CpuBackend#upload}; a tile holds the
 * bytes of its 16 GGUF blocks, rearranged (rows past the end of the matrix are zero), except that the
 * K-quants' packed 6-bit scales are stored unpacked and their super-block scales as F32 (5% more
 * bytes for Q4_K and Q5_K), and Q6_K's sets of eight six-bit quants rearranged within 16-bit words (1% more): each in exchange for
 * a kernel that C2 compiles whole and that does less work per weight (see {@link TileGemv} and {@link TileGemm}).
 * The tiles of a matrix live in 2 MiB pages where Linux gives them ({@link LargePages}): generation streams them.
 *
 * <p><b>Quant vectors.</b> A 64-byte quant vector holds 4 bytes for each of the 16 rows (row j at
 * bytes 4j..4j+3). For 4-bit quants a 32-bit lane holds eight nibbles of a 32-value unit: bytes
 * {@code [v(4m) | v(4m+1) << 4, v(4m+2) | v(4m+3) << 4, v(16+4m) | v(17+4m) << 4, v(18+4m) | v(19+4m) << 4]}
 * in quant vector m (0..3), so nibble t (0..3) of the low 16 bits is value {@code 4m + t} and of the
 * high 16 bits value {@code 16 + 4m + t}. For Q8_0 a lane of quant vector m (0..7) holds bytes
 * {@code [q(2m), q(2m+1), q(16+2m), q(17+2m)]}. Either way the low half of a lane only ever meets
 * values 0..15 and the high half values 16..31 of the unit, which is what the activation pairs of
 * {@link QuantizedActivations} expect.
 *
 * <p><b>Tiles</b> (byte offsets; "16 × f16" is one half per row, row j at 2j):
 * <ul>
 *   <li>F32 (64): value k of the 16 rows, row j at 4j — a group is the transposed 16-row strip, so a
 *       row's sum runs down a lane with no horizontal sum at the end (which, for the small matrices of
 *       small models, cost as much as the products).</li>
 *   <li>Q8_0 (544): 8 quant vectors, d: 16 × f16 at 512.</li>
 *   <li>Q4_0 (288): 4 quant vectors, d at 256.</li>
 *   <li>Q4_1 (320): 4 quant vectors, d at 256, m at 288.</li>
 *   <li>Q5_0 (352): the block's 32 five-bit values (nibble and fifth bit joined) in five word
 *       vectors, as a Q5_K sub-block's below ({@link Words#FIVE}), d at 320.</li>
 *   <li>Q4_K (2432): the eight 6-bit scales of each row as bytes in two vectors at 0 (sub-blocks
 *       0-3, then 4-7), the eight mins likewise at 128; for each 32-value sub-block j, 4 quant vectors
 *       at 256 + 256j; d as 16 × F32 at 2304, dmin at 2368. A kernel reads a tile front to back (the
 *       scales and mins once per tile, then the quants, then d): with the scales behind the quants, at
 *       2048, each sub-block's read jumped there and back, and generation streamed Q4_K more slowly
 *       (OpProfile, 1B Q4_K_M, 2 threads, alternating: gate/up 23.1 / 24.8 / 25.3 → 29.6 / 29.4 / 25.6
 *       GB/s, ffn_down 17.8 / 20.2 / 18.9 → 25.0 / 25.5 / 22.6, with a probe; see bench/README).</li>
 *   <li>Q5_K (2944): as Q4_K, front to back, but each sub-block's 32 five-bit values (nibble and
 *       fifth bit joined, 0..31) in five <em>word vectors</em> at 256 + 320j + 64i (i = 0..4): the low
 *       16 bits of row r's lane at 4r hold values {@code 3i, 3i+1, 3i+2} in base 32 (bits 0, 5 and 10)
 *       and bit i of value 15 at bit 15; the high 16 bits the same for values 16..31. So 15 bits of
 *       every 16 carry a whole value and value 15 (31) is spread over the five spare bits: the same
 *       bytes as nibbles plus a fifth-bit vector, but the single-row kernel multiplies a word by four
 *       steps (the identity of {@link QuantizedActivations#quints}) where nibble and fifth bit each
 *       needed masking, shifting and a subtraction: ~55 operations per sub-block of 16 rows instead
 *       of ~104, which is what bounded Q5_K generation (bench/README). d at 2816, dmin at 2880.</li>
 *   <li>Q6_K (3392): d as 16 × F32 at 0; then for each pair of units (v = 0..3, 832 bytes at
 *       64 + 832v) the int8 scales of their four sub-blocks (a vector: row j's at 4j), then for each
 *       unit u of 32 values (sub-blocks 2u, 2u+1) six <em>word vectors</em>, whose lanes' low 16 bits
 *       hold sub-block 2u's values and high 16 bits sub-block 2u + 1's ({@link #q6KWords}). A half's 16
 *       values are two sets of eight (values 0-7, then 8-15), each in three words: six values whole
 *       (six bits each, at bits 0 and 6 of a word) and the set's last two spread over the words' top
 *       four bits ({@link Words#SIX}). That is 6 bits per value, as GGUF's own, where signed bytes
 *       (the tiles before, 4416 bytes) took 8: generation streams Q6_K from DRAM (its kernel computes
 *       faster than DRAM feeds it), so 23% fewer bytes is what makes it faster, at ~20% more vector
 *       operations per value (a word times three or four steps, {@link QuantizedActivations#sextets}).
 *       A kernel reads a tile front to back: with the scales and d at the end instead, each unit's read
 *       jumped there and back, and generation streamed Q6_K more slowly (OpProfile, 1B Q4_K_M, 2
 *       threads, three alternating pairs: LM head 12.0-16.4 → 20.1-22.0 GB/s, ffn_down 13.2-17.8 →
 *       20.6-23.0).</li>
 * </ul>
 */
final class Packing {
    /** Rows per group: 16 lanes of 32 bits fill an AVX-512 vector; narrower vectors take a group in slices. */
    static final int G = 16;
    static final String NAME = "cpu-tiles16";

    private static final ValueLayout.OfByte I8 = ValueLayout.JAVA_BYTE;
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private Packing() {
    }

    /** Q4_K (Q5_K) tiles: byte offset of sub-block j's four quant vectors (five word vectors). */
    static long kQuants(boolean five, int j) {
        return 256 + (five ? 320L : 256L) * j;
    }

    /** Q4_K and Q5_K tiles: byte offset of the scale vectors (sub-blocks 0-3, then 4-7); the mins are 128 bytes on. */
    static final long K_SCALES = 0;

    /** Q4_K (Q5_K) tiles: byte offset of the F32 d of the 16 rows; dmin is 64 bytes on. */
    static long kD(boolean five) {
        return five ? 2816 : 2304;
    }

    /** Q6_K tiles: byte offset of the F32 d of the 16 rows. */
    static final long Q6K_D = 0;

    /** Q6_K tiles: byte offset of the scale vector holding unit u's two sub-blocks (byte 2·(u mod 2) and the next of each row's int). */
    static long q6KScales(int u) {
        return 64 + 832L * (u >> 1);
    }

    /** Q6_K tiles: byte offset of unit u's six word vectors (set 0's three words, then set 1's). */
    static long q6KWords(int u) {
        return 128 + 832L * (u >> 1) + 384L * (u & 1);
    }

    static boolean packs(DType t) {
        return t.isQuantized() || t == DType.F32;
    }

    /** Bytes of one tile: 16 blocks. */
    static long tileBytes(DType t) {
        return switch (t) {
            case Q4_K -> 2432;
            case Q5_K -> 2944;
            case Q6_K -> 3392;
            case F32, Q8_0, Q4_0, Q4_1, Q5_0 -> (long) G * t.blockBytes();
            case F16, BF16 -> throw new IllegalArgumentException(t + " is not packed");
        };
    }

    static int groups(int rows) {
        return (rows + G - 1) / G;
    }

    /** Byte offset of the tile of group {@code g}, block {@code b}, in a matrix of {@code nb} blocks per row. */
    static long tile(DType t, int nb, int g, int b) {
        return ((long) g * nb + b) * tileBytes(t);
    }

    /**
     * Source bytes packed per step of {@link #pack}: a 128k-vocabulary LM head (200+ MB) is read in
     * runs of rows this long, each reported read before the next, so that a caller reading it from a
     * file holds at most one run's pages beside the copy (1B Q5_K_M, peak resident memory: bench/README).
     */
    static final long SLICE_BYTES = 16L << 20;

    /**
     * A packed copy of a row-major weight {@code [rows, cols]}; closing it frees the copy. Packs runs of
     * whole row groups of about {@code sliceBytes} source bytes, checking each run's block scales first
     * (a quantized weight with an infinite or NaN scale is refused, naming the row) and telling
     * {@code rowsRead} its rows once they are copied.
     */
    static Tensor pack(Tensor w, WorkerPool pool, long sliceBytes, Consumer<Tensor> rowsRead) {
        DType t = w.dtype();
        int rows = w.dim(0), cols = w.dim(1), nb = cols / t.blockSize();
        long rowBytes = w.rowBytes();
        int groupsPerSlice = (int) Math.max(1, Math.min(groups(rows), sliceBytes / Math.max(1, rowBytes * G)));
        Arena arena = Arena.ofShared();
        try {
            MemorySegment dst = LargePages.allocate(arena, groups(rows) * (long) nb * tileBytes(t));
            MemorySegment src = w.segment();
            for (int g0 = 0; g0 < groups(rows); g0 += groupsPerSlice) {
                int g1 = Math.min(groups(rows), g0 + groupsPerSlice), from = g0;
                int r0 = g0 * G, r1 = Math.min(rows, g1 * G);
                String bad = firstNonFiniteScale(w, r0, r1);
                if (bad != null) {
                    throw new IllegalArgumentException("the " + t + " weight " + w + " is corrupt: " + bad
                            + " (block scales must be finite)");
                }
                if (t == DType.F32) { // a transposition of 16-row strips, value by value
                    pool.run(g1 - g0, (c, worker) -> {
                        int g = from + c;
                        for (int j = 0; j < G && g * G + j < rows; j++) {
                            long at = (g * G + j) * rowBytes, to = (long) g * cols * 64 + 4L * j;
                            for (int k = 0; k < cols; k++) {
                                dst.set(F32, to + 64L * k, src.get(F32, at + 4L * k));
                            }
                        }
                    });
                } else { // groups are independent; the pool's chunks write disjoint tiles
                    pool.run(g1 - g0, (c, worker) -> {
                        int g = from + c;
                        byte[] blk = new byte[t.blockBytes()];
                        int[] v = new int[256];
                        for (int b = 0; b < nb; b++) {
                            long tile = tile(t, nb, g, b);
                            for (int j = 0; j < G && g * G + j < rows; j++) {
                                MemorySegment.copy(src, I8, (g * G + j) * rowBytes + (long) b * t.blockBytes(), blk, 0, blk.length);
                                packBlock(t, blk, dst, tile, j, v);
                            }
                        }
                    });
                }
                rowsRead.accept(w.rows(r0, r1));
            }
            return Tensor.packed(NAME, dst, t, arena, rows, cols);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Whether {@link #copyToLargePages} takes {@code w}: an F16 or BF16 matrix of at least
     * {@link #SLICE_BYTES}, where the host gives large pages. Its kernels read it row-major, so it is
     * not packed; but a memory-mapped file's 4 KiB pages cost its one-token matmuls' streaming: 1B
     * F16's 128k × 2048 head, one row, two threads, the three alternating in one process (GB/s,
     * medians of eight): mapped 33.8 (30.1-35.8), an anonymous copy 35.8 (28.6-41.4), a copy in 2 MiB
     * pages 37.2 (30.2-42.7).
     */
    static boolean copiesToLargePages(Tensor w) {
        return !w.isPacked() && w.rank() == 2 && (w.dtype() == DType.F16 || w.dtype() == DType.BF16)
                && w.byteSize() >= SLICE_BYTES && LargePages.available();
    }

    /**
     * A row-major copy of {@code w} in large pages ({@link LargePages}), made in runs of rows of about
     * {@link #SLICE_BYTES}, each reported to {@code rowsRead} once copied (as {@link #pack} does), so
     * that a caller reading it from a file can drop that run's pages.
     */
    static Tensor copyToLargePages(Tensor w, Consumer<Tensor> rowsRead) {
        int rows = w.dim(0);
        long rowBytes = w.rowBytes();
        int perRun = (int) Math.max(1, Math.min(rows, SLICE_BYTES / Math.max(1, rowBytes)));
        Arena arena = Arena.ofShared();
        try {
            MemorySegment dst = LargePages.allocate(arena, w.byteSize()).asSlice(0, w.byteSize());
            for (int r0 = 0; r0 < rows; r0 += perRun) {
                int r1 = Math.min(rows, r0 + perRun);
                MemorySegment.copy(w.segment(), r0 * rowBytes, dst, r0 * rowBytes, (r1 - r0) * rowBytes);
                rowsRead.accept(w.rows(r0, r1));
            }
            return Tensor.wrap(dst, arena, w.dtype(), w.shape());
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** The row-major (GGUF) bytes of row {@code r} of a packed tensor into {@code out} at {@code at}. */
    static void unpackRow(Tensor packed, int r, MemorySegment out, long at) {
        DType t = packed.dtype();
        int nb = packed.dim(1) / t.blockSize();
        MemorySegment src = packed.packedSegment();
        if (t == DType.F32) {
            for (int k = 0; k < nb; k++) {
                out.set(F32, at + 4L * k, src.get(F32, (long) (r / G) * nb * 64 + 64L * k + 4L * (r % G)));
            }
            return;
        }
        byte[] blk = new byte[t.blockBytes()];
        int[] v = new int[256];
        for (int b = 0; b < nb; b++) {
            unpackBlock(t, src, tile(t, nb, r / G, b), r % G, blk, v);
            MemorySegment.copy(blk, 0, out, I8, at + (long) b * t.blockBytes(), blk.length);
        }
    }

    // ---- one GGUF block of row j <-> its place in a tile ------------------------------------

    private static void packBlock(DType t, byte[] blk, MemorySegment dst, long tile, int j, int[] v) {
        switch (t) {
            case Q8_0 -> {
                dst.set(I16, tile + 512 + 2L * j, shortAt(blk, 0));
                for (int m = 0; m < 8; m++) {
                    long at = tile + 64L * m + 4L * j;
                    dst.set(I8, at, blk[2 + 2 * m]);
                    dst.set(I8, at + 1, blk[2 + 2 * m + 1]);
                    dst.set(I8, at + 2, blk[2 + 16 + 2 * m]);
                    dst.set(I8, at + 3, blk[2 + 17 + 2 * m]);
                }
            }
            case Q4_0 -> {
                dst.set(I16, tile + 256 + 2L * j, shortAt(blk, 0));
                q4Values(blk, 2, v, 0);
                putWords(Words.FOUR, v, dst, tile, j);
            }
            case Q4_1 -> {
                dst.set(I16, tile + 256 + 2L * j, shortAt(blk, 0));
                dst.set(I16, tile + 288 + 2L * j, shortAt(blk, 2));
                q4Values(blk, 4, v, 0);
                putWords(Words.FOUR, v, dst, tile, j);
            }
            case Q5_0 -> {
                dst.set(I16, tile + 320 + 2L * j, shortAt(blk, 0));
                int qh = intAt(blk, 2);
                q4Values(blk, 6, v, 0);
                for (int l = 0; l < 32; l++) {
                    v[l] |= ((qh >>> l) & 1) << 4;
                }
                putWords(Words.FIVE, v, dst, tile, j);
            }
            case Q4_K, Q5_K -> {
                boolean five = t == DType.Q5_K;
                long scales = tile + K_SCALES, dh = tile + kD(five);
                dst.set(F32, dh + 4L * j, Halfs.f16ToFloat(shortAt(blk, 0)));
                dst.set(F32, dh + 64 + 4L * j, Halfs.f16ToFloat(shortAt(blk, 2)));
                MemorySegment header = MemorySegment.ofArray(blk);
                for (int sb = 0; sb < 8; sb++) {
                    long at = scales + 64L * (sb >> 2) + 4L * j + (sb & 3);
                    dst.set(I8, at, (byte) Dequantize.q4_KScale(header, 4, sb));
                    dst.set(I8, at + 128, (byte) Dequantize.q4_KMin(header, 4, sb));
                }
                int qs = five ? 48 : 16;
                for (int sb = 0; sb < 8; sb++) {
                    int c = sb >> 1, shift = 4 * (sb & 1);
                    for (int l = 0; l < 32; l++) {
                        v[l] = ((blk[qs + 32 * c + l] & 0xff) >>> shift) & 0xf;
                        if (five) {
                            v[l] |= ((blk[16 + l] >>> sb) & 1) << 4;
                        }
                    }
                    putWords(five ? Words.FIVE : Words.FOUR, v, dst, tile + kQuants(five, sb), j);
                }
            }
            case Q6_K -> {
                MemorySegment b = MemorySegment.ofArray(blk);
                dst.set(F32, tile + Q6K_D + 4L * j, Halfs.f16ToFloat(shortAt(blk, 208)));
                for (int k = 0; k < 4; k++) {
                    dst.set(I32, tile + q6KScales(2 * k) + 4L * j, intAt(blk, 192 + 4 * k));
                }
                for (int u = 0; u < 8; u++) {
                    for (int i = 0; i < 32; i++) {
                        v[i] = dev.skipllama.tensor.quant.QuantDot.q6(b, 0, 32 * u + i);
                    }
                    putWords(Words.SIX, v, dst, tile + q6KWords(u), j);
                }
            }
            case F32, F16, BF16 -> throw new IllegalArgumentException(t + " is not packed block by block");
        }
    }

    private static void unpackBlock(DType t, MemorySegment src, long tile, int j, byte[] blk, int[] v) {
        switch (t) {
            case Q8_0 -> {
                putShort(blk, 0, src.get(I16, tile + 512 + 2L * j));
                for (int m = 0; m < 8; m++) {
                    long at = tile + 64L * m + 4L * j;
                    blk[2 + 2 * m] = src.get(I8, at);
                    blk[2 + 2 * m + 1] = src.get(I8, at + 1);
                    blk[2 + 16 + 2 * m] = src.get(I8, at + 2);
                    blk[2 + 17 + 2 * m] = src.get(I8, at + 3);
                }
            }
            case Q4_0 -> {
                putShort(blk, 0, src.get(I16, tile + 256 + 2L * j));
                getWords(Words.FOUR, src, tile, j, v);
                q4Bytes(v, 0, blk, 2);
            }
            case Q4_1 -> {
                putShort(blk, 0, src.get(I16, tile + 256 + 2L * j));
                putShort(blk, 2, src.get(I16, tile + 288 + 2L * j));
                getWords(Words.FOUR, src, tile, j, v);
                q4Bytes(v, 0, blk, 4);
            }
            case Q5_0 -> {
                putShort(blk, 0, src.get(I16, tile + 320 + 2L * j));
                getWords(Words.FIVE, src, tile, j, v);
                int qh = 0;
                for (int l = 0; l < 32; l++) {
                    qh |= (v[l] >>> 4) << l;
                    v[l] &= 0xf;
                }
                putInt(blk, 2, qh);
                q4Bytes(v, 0, blk, 6);
            }
            case Q4_K, Q5_K -> {
                boolean five = t == DType.Q5_K;
                long scales = tile + K_SCALES, dh = tile + kD(five);
                putShort(blk, 0, Halfs.floatToF16(src.get(F32, dh + 4L * j)));
                putShort(blk, 2, Halfs.floatToF16(src.get(F32, dh + 64 + 4L * j)));
                int[] sc = new int[8], m = new int[8];
                for (int sb = 0; sb < 8; sb++) {
                    long at = scales + 64L * (sb >> 2) + 4L * j + (sb & 3);
                    sc[sb] = src.get(I8, at);
                    m[sb] = src.get(I8, at + 128);
                }
                for (int k = 0; k < 4; k++) { // the inverse of Dequantize.q4_KScale / q4_KMin
                    blk[4 + k] = (byte) (sc[k] | (sc[k + 4] >> 4) << 6);
                    blk[8 + k] = (byte) (m[k] | (m[k + 4] >> 4) << 6);
                    blk[12 + k] = (byte) ((sc[k + 4] & 0xf) | (m[k + 4] & 0xf) << 4);
                }
                int qs = five ? 48 : 16;
                if (five) {
                    java.util.Arrays.fill(blk, 16, 48, (byte) 0);
                }
                for (int sb = 0; sb < 8; sb++) {
                    int c = sb >> 1, shift = 4 * (sb & 1);
                    getWords(five ? Words.FIVE : Words.FOUR, src, tile + kQuants(five, sb), j, v);
                    for (int l = 0; l < 32; l++) {
                        int at = qs + 32 * c + l, q = v[l] & 0xf;
                        blk[at] = (byte) (shift == 0 ? (blk[at] & 0xf0) | q : (blk[at] & 0x0f) | q << 4);
                        if (five) {
                            blk[16 + l] |= (byte) ((v[l] >>> 4) << sb);
                        }
                    }
                }
            }
            case Q6_K -> {
                putShort(blk, 208, Halfs.floatToF16(src.get(F32, tile + Q6K_D + 4L * j)));
                for (int k = 0; k < 4; k++) {
                    putInt(blk, 192 + 4 * k, src.get(I32, tile + q6KScales(2 * k) + 4L * j));
                }
                java.util.Arrays.fill(blk, 0, 192, (byte) 0);
                for (int u = 0; u < 8; u++) {
                    getWords(Words.SIX, src, tile + q6KWords(u), j, v);
                    for (int i = 0; i < 32; i++) {
                        setQ6(blk, 32 * u + i, v[i]);
                    }
                }
            }
            case F32, F16, BF16 -> throw new IllegalArgumentException(t + " is not packed block by block");
        }
    }

    /** The 32 nibble values of a Q4_0-style block (byte i: value i low, i + 16 high) at {@code blk[at..]}. */
    private static void q4Values(byte[] blk, int at, int[] v, int v0) {
        for (int i = 0; i < 16; i++) {
            v[v0 + i] = blk[at + i] & 0xf;
            v[v0 + 16 + i] = (blk[at + i] & 0xff) >>> 4;
        }
    }

    private static void q4Bytes(int[] v, int v0, byte[] blk, int at) {
        for (int i = 0; i < 16; i++) {
            blk[at + i] = (byte) (v[v0 + i] | v[v0 + 16 + i] << 4);
        }
    }

    /**
     * Row j's 32 values {@code v[0..32)} into the word vectors of {@code layout} at {@code at} (see the
     * class comment): word i at {@code at + 64i}, its low 16 bits of values 0..15, its high 16 of 16..31.
     */
    private static void putWords(Words.Digit[][] layout, int[] v, MemorySegment dst, long at, int j) {
        for (int i = 0; i < layout.length; i++) {
            dst.set(I16, at + 64L * i + 4L * j, (short) Words.pack(layout[i], v, 0));
            dst.set(I16, at + 64L * i + 4L * j + 2, (short) Words.pack(layout[i], v, 16));
        }
    }

    /** The inverse of {@link #putWords}: row j's 32 values into {@code v[0..32)}. */
    private static void getWords(Words.Digit[][] layout, MemorySegment src, long at, int j, int[] v) {
        java.util.Arrays.fill(v, 0, 32, 0);
        for (int i = 0; i < layout.length; i++) {
            for (int half = 0; half < 2; half++) {
                Words.unpack(layout[i], src.get(I16, at + 64L * i + 4L * j + 2 * half) & 0xffff, v, 16 * half);
            }
        }
    }

    /** Sets the unsigned 6-bit quant {@code v} of a Q6_K block (the inverse of {@code QuantDot.q6}); ql/qh must start zeroed. */
    private static void setQ6(byte[] blk, int v, int q) {
        int h = v >>> 7, r = v & 127, quarter = r >>> 5, l = r & 31;
        int ql = 64 * h + 32 * (quarter & 1) + l;
        blk[ql] |= (byte) (quarter < 2 ? q & 0xf : (q & 0xf) << 4);
        blk[128 + 32 * h + l] |= (byte) (((q >>> 4) & 3) << (2 * quarter));
    }

    private static short shortAt(byte[] b, int at) {
        return (short) ((b[at] & 0xff) | b[at + 1] << 8);
    }

    private static int intAt(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }

    private static void putShort(byte[] b, int at, short v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >> 8);
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >> 8);
        b[at + 2] = (byte) (v >> 16);
        b[at + 3] = (byte) (v >> 24);
    }

    /**
     * Null when every F16 block scale of rows {@code [r0, r1)} of a row-major weight is finite (the
     * kernels' fast F16 decode needs it; F32 has none), else which row and block has which scale.
     */
    static String firstNonFiniteScale(Tensor w, int r0, int r1) {
        DType t = w.dtype();
        if (!t.isQuantized()) {
            return null;
        }
        int[] scaleOffsets = switch (t) {
            case Q8_0, Q4_0, Q5_0 -> new int[]{0};
            case Q4_1, Q4_K, Q5_K -> new int[]{0, 2};
            case Q6_K -> new int[]{208};
            case F32, F16, BF16 -> new int[0];
        };
        MemorySegment s = w.segment();
        long perRow = w.dim(1) / t.blockSize();
        for (long b = r0 * perRow; b < r1 * perRow; b++) {
            for (int off : scaleOffsets) {
                short h = s.get(I16, b * t.blockBytes() + off);
                if ((h & 0x7c00) == 0x7c00) {
                    return "row " + b / perRow + ", block " + b % perRow + " has a scale of " + Halfs.f16ToFloat(h);
                }
            }
        }
        return null;
    }
}

package dev.skipllama.tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;

/**
 * Memory-maps model files so that their tensors can be used in place.
 *
 * <p>The mapping is handed out as a plain native segment over the mapped addresses (same lifetime,
 * read-only) rather than as the JDK's mapped-segment type. Why: the Vector API's loads and stores
 * are only compiled to SIMD instructions while every {@code MemorySegment} they see at a call site is
 * of one implementation class; a mapped weight next to an arena-allocated activation makes the
 * shared access paths polymorphic, and a Q8_0 matvec measured 6 GB/s instead of 20 GB/s.
 */
public final class FileMapping {
    private FileMapping() {
    }

    /**
     * A read-only mapping: {@code segment} to read through (the plain native segment described above)
     * and the JDK's mapped segment over the same pages, kept for {@link #release}.
     */
    public record Mapped(MemorySegment segment, MemorySegment jdkMapped) {
        /**
         * Tells the OS that the pages under {@code part} (a slice of {@link #segment}) are not needed
         * now: they leave the process's resident set, and a later read faults them in again from the
         * file. Used once a weight has been copied elsewhere (packed for the CPU, uploaded to a GPU).
         */
        public void release(MemorySegment part) {
            if (!contains(part)) {
                throw new IllegalArgumentException("release: the part is not inside this mapping");
            }
            if (part.byteSize() > 0) {
                jdkMapped.asSlice(part.address() - segment.address(), part.byteSize()).unload();
            }
        }

        /**
         * {@link #release} for a weight the backend has copied, if {@code t} is a host tensor read
         * in place from this mapping (a packed tensor, a device tensor or a weight converted on
         * loading is not, and is left alone).
         */
        public void releaseCopied(Tensor t) {
            if (!t.isPacked() && t.location().isHost() && contains(t.segment())) {
                release(t.segment());
            }
        }

        /** Whether {@code part} lies inside this mapping (a weight converted on loading does not). */
        public boolean contains(MemorySegment part) {
            long at = part.address() - segment.address();
            return part.isNative() && at >= 0 && at + part.byteSize() <= segment.byteSize();
        }
    }

    /** Maps the whole channel read-only into {@code arena}; closing the arena unmaps it. */
    public static Mapped map(FileChannel channel, Arena arena) throws IOException {
        MemorySegment mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
        return new Mapped(MemorySegment.ofAddress(mapped.address()).reinterpret(mapped.byteSize(), arena, null).asReadOnly(), mapped);
    }

    /** The readable segment of {@link #map}. */
    public static MemorySegment readOnly(FileChannel channel, Arena arena) throws IOException {
        return map(channel, arena).segment();
    }
}

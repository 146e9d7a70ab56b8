package dev.skipllama.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector species the CPU kernels use. They are {@code static final} because the Vector API is
 * only compiled to SIMD instructions when the species is a constant.
 *
 * <p>The float species is the machine's preferred one, capped at 512 bits (a Q8_0/Q4_0 block is 32
 * values, and wider vectors would straddle blocks). The system property
 * {@code skipllama.simd.bits} (128, 256 or 512) picks another width, which is how the tests run
 * every kernel with lane counts other than the machine's.
 */
final class Simd {
    private Simd() {
    }

    static final VectorSpecies<Float> F = floatSpecies();
    /** Float lanes per vector. */
    static final int L = F.length();
    /** Integer lanes matching {@link #F} one to one. */
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    /** Shorts with {@link #L} lanes (F16/BF16 weights). */
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(Math.max(64, L * 16)));
    /** Shorts filling a whole vector ({@code 2L} lanes): the 16-bit integer lanes of the quantized kernels. */
    static final VectorSpecies<Short> SW = VectorSpecies.of(short.class, F.vectorShape());
    /** Bytes filling half a vector ({@code 2L} lanes): sign-extended to {@link #SW} by one conversion. */
    static final VectorSpecies<Byte> BH = VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 16));
    /** Bytes with at least {@link #L} lanes (quantized weights); wider than L only when L &lt; 8. */
    static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, L * 8)));

    /**
     * Whether {@link #B} has exactly {@link #L} lanes. A static final boolean, so C2 prunes the other
     * branch while parsing (a species' length() call is not folded that early, and the parsed but dead
     * branch counts against the inlining node budget of the large tile kernels).
     */
    static final boolean BYTE_LANES_MATCH = B.length() == L;

    static {
        if (S.length() != L) {
            throw new ExceptionInInitializerError("no short species with " + L + " lanes");
        }
    }

    private static VectorSpecies<Float> floatSpecies() {
        String prop = System.getProperty("skipllama.simd.bits");
        int bits = prop == null ? Math.min(512, FloatVector.SPECIES_PREFERRED.vectorBitSize()) : Integer.parseInt(prop.trim());
        return switch (bits) {
            case 128 -> FloatVector.SPECIES_128;
            case 256 -> FloatVector.SPECIES_256;
            case 512 -> FloatVector.SPECIES_512;
            default -> throw new IllegalArgumentException("skipllama.simd.bits must be 128, 256 or 512, got " + bits);
        };
    }

    /** Describes the species in use, for logs and benchmark reports. */
    static String describe() {
        return F.vectorBitSize() + "-bit vectors, " + L + " float lanes";
    }
}

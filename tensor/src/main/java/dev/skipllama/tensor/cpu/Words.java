package dev.skipllama.tensor.cpu;

/**
 * The 16-bit word layouts of the 4-bit, Q5_K/Q5_0 and Q6_K tiles ({@link Packing}), defined once: which bits
 * of which value sit where in a word. {@link Packing} builds and reads words from them, and
 * {@link #steps} derives from them the <em>steps</em> a kernel multiplies a word by: the definition, which
 * {@link QuantizedActivations} computes in forms written out per layout (this general one, walking the
 * digits, cost a 1-row matmul on 2048-value rows more than its kernel) and a property checks against it.
 *
 * <p><b>Steps.</b> A word {@code u} holds digits {@code d_i} at bits {@code a_0 = 0 < a_1 < …}; digit
 * i is bits {@code [low, low + bits)} of a value whose activation is {@code y}, so it should meet the
 * coefficient {@code c_i = 2^low · y}. Shifting the word instead of masking each digit,
 * {@code Σ_i (u >>> a_i) · s_i} with {@code s_0 = c_0} and {@code s_i = c_i − 2^(a_i − a_(i−1)) · c_(i−1)}
 * is exactly {@code Σ_i d_i · c_i}: an identity of integers (each higher digit's share of a lower shift
 * cancels against the next step), which also holds modulo 2^16, where the kernels compute it.
 */
final class Words {
    private Words() {
    }

    /** Bits {@code [low, low + bits)} of value {@code value} (of a half's 16, or a set's 8) at bit {@code at} of a word. */
    record Digit(int value, int low, int bits, int at) {
    }

    /**
     * Q4_0, Q4_1 and Q4_K: word m (0..3) of a half's 16 four-bit values holds values 4m..4m+3 as its
     * four nibbles; the kernels shift a word by 0, 4, 8 and 12.
     */
    static final Digit[][] FOUR = new Digit[4][];

    /**
     * Q5_K and Q5_0: word i (0..4) of a half's 16 five-bit values holds values 3i, 3i+1 and 3i+2 whole
     * (bits 0, 5, 10) and bit i of value 15 at bit 15; the kernels shift a word by 0, 5, 10 and 15.
     */
    static final Digit[][] FIVE = new Digit[5][];

    static {
        for (int m = 0; m < 4; m++) {
            FOUR[m] = new Digit[]{new Digit(4 * m, 0, 4, 0), new Digit(4 * m + 1, 0, 4, 4), new Digit(4 * m + 2, 0, 4, 8), new Digit(4 * m + 3, 0, 4, 12)};
        }
        for (int i = 0; i < 5; i++) {
            FIVE[i] = new Digit[]{new Digit(3 * i, 0, 5, 0), new Digit(3 * i + 1, 0, 5, 5), new Digit(3 * i + 2, 0, 5, 10), new Digit(15, i, 1, 15)};
        }
    }

    /**
     * Q6_K: a half's 16 six-bit values are two sets of eight (values 0-7, then 8-15), set s in words
     * 3s..3s+2. Word k of a set holds its values 2k and 2k+1 whole (bits 0, 6) and in bits 12-15 four
     * bits of its values 6 and 7: word 0 value 6's bits 0-3, word 1 its bits 4-5 and value 7's bits
     * 0-1, word 2 value 7's bits 2-5; the kernels shift words 0 and 2 of a set by 0, 6, 12 and word 1
     * by 0, 6, 12, 14.
     */
    static final Digit[][] SIX = new Digit[6][];

    static {
        Digit[][] set = {
                {new Digit(0, 0, 6, 0), new Digit(1, 0, 6, 6), new Digit(6, 0, 4, 12)},
                {new Digit(2, 0, 6, 0), new Digit(3, 0, 6, 6), new Digit(6, 4, 2, 12), new Digit(7, 0, 2, 14)},
                {new Digit(4, 0, 6, 0), new Digit(5, 0, 6, 6), new Digit(7, 2, 4, 12)},
        };
        for (int s = 0; s < 2; s++) {
            for (int k = 0; k < 3; k++) {
                SIX[3 * s + k] = new Digit[set[k].length];
                for (int i = 0; i < set[k].length; i++) {
                    Digit d = set[k][i];
                    SIX[3 * s + k][i] = new Digit(8 * s + d.value(), d.low(), d.bits(), d.at());
                }
            }
        }
    }

    /** The word {@code word} lays out, of the values {@code v[v0..]}. */
    static int pack(Digit[] word, int[] v, int v0) {
        int u = 0;
        for (Digit d : word) {
            u |= ((v[v0 + d.value] >>> d.low) & ((1 << d.bits) - 1)) << d.at;
        }
        return u;
    }

    /** Adds the bits word {@code u} holds to the values {@code v[v0..]} (which start at zero). */
    static void unpack(Digit[] word, int u, int[] v, int v0) {
        for (Digit d : word) {
            v[v0 + d.value] |= ((u >>> d.at) & ((1 << d.bits) - 1)) << d.low;
        }
    }

    /**
     * The steps of {@code word} for activations {@code y[y0..]} of the low half and {@code y[y1..]} of
     * the high half, as pairs (low 16 bits, high 16 bits), one per digit into {@code out[o..]}.
     */
    static void steps(Digit[] word, int[] y, int y0, int y1, int[] out, int o) {
        int cLo = 0, cHi = 0, at = 0;
        for (int i = 0; i < word.length; i++) {
            Digit d = word[i];
            int lo = y[y0 + d.value] << d.low, hi = y[y1 + d.value] << d.low;
            int back = i == 0 ? 0 : 1 << (d.at - at);
            out[o + i] = (hi - back * cHi) << 16 | (lo - back * cLo) & 0xffff;
            cLo = lo;
            cHi = hi;
            at = d.at;
        }
    }
}

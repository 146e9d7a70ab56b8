package dev.skipllama.transformer.tokenizer;

import java.util.Arrays;
import java.util.Collection;

/**
 * Every pair of adjacent code points that occurs inside some piece. Where two neighbouring
 * characters of a text form no such pair, no merge can ever join them, so the text can be cut
 * there and each part segmented on its own with exactly the same result (merges never reach
 * across the cut, and merges on either side do not interact). For a Llama vocabulary this cuts
 * text into about one part per word, which keeps the merge heap small and lets repeated words be
 * segmented once.
 */
final class AdjacentPairs {
    private static final long EMPTY = -1L;

    private final long[] table;
    private final int mask;

    AdjacentPairs(Collection<String> pieces) {
        int count = 0;
        for (String p : pieces) {
            count += p.length();
        }
        int cap = Integer.highestOneBit(Math.max(4, count * 2 - 1)) << 1;
        table = new long[cap];
        Arrays.fill(table, EMPTY);
        mask = cap - 1;
        for (String p : pieces) {
            int prev = -1;
            for (int i = 0; i < p.length(); ) {
                int cp = p.codePointAt(i);
                if (prev >= 0) {
                    add(key(prev, cp));
                }
                prev = cp;
                i += Character.charCount(cp);
            }
        }
    }

    private static long key(int a, int b) {
        return (long) a << 21 | b; // code points fit in 21 bits
    }

    private static int slot(long key, int mask) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ h >>> 32) & mask;
    }

    private void add(long key) {
        int i = slot(key, mask);
        while (table[i] != EMPTY) {
            if (table[i] == key) {
                return;
            }
            i = (i + 1) & mask;
        }
        table[i] = key;
    }

    /** Whether some piece has code point {@code a} immediately followed by {@code b}. */
    boolean contains(int a, int b) {
        long key = key(a, b);
        for (int i = slot(key, mask); table[i] != EMPTY; i = (i + 1) & mask) {
            if (table[i] == key) {
                return true;
            }
        }
        return false;
    }
}

package dev.skipllama.transformer.tokenizer;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * BPE merges by rank: (left id, right id) → (rank, merged id), in an open-addressing table of
 * primitive longs because a lookup happens for every adjacent pair of every word.
 */
final class MergeTable {
    private static final long EMPTY = -1L;

    private final long[] keys;
    private final long[] values;
    private final int mask;
    private final int size;

    /**
     * @param merges the merges, best (rank 0) first, each as its two parts' texts
     * @param index  token text → id; a merge whose parts or result are not tokens is skipped, since it
     *               could never produce a token (consistent BPE vocabularies have none)
     */
    MergeTable(List<String[]> merges, Map<String, Integer> index) {
        int cap = Integer.highestOneBit(Math.max(4, merges.size() * 2 - 1)) << 1;
        keys = new long[cap];
        values = new long[cap];
        Arrays.fill(keys, EMPTY);
        mask = cap - 1;
        int n = 0;
        for (int rank = 0; rank < merges.size(); rank++) {
            String[] m = merges.get(rank);
            Integer l = index.get(m[0]);
            Integer r = index.get(m[1]);
            Integer result = index.get(m[0] + m[1]);
            if (l == null || r == null || result == null) {
                continue;
            }
            if (putIfAbsent(key(l, r), (long) rank << 32 | result)) {
                n++; // a repeated pair keeps its first (best) rank, as llama.cpp's map emplace does
            }
        }
        size = n;
    }

    private static long key(int left, int right) {
        return (long) left << 32 | (right & 0xFFFFFFFFL);
    }

    private static int slot(long key, int mask) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ h >>> 32) & mask;
    }

    private boolean putIfAbsent(long key, long value) {
        int i = slot(key, mask);
        while (keys[i] != EMPTY) {
            if (keys[i] == key) {
                return false;
            }
            i = (i + 1) & mask;
        }
        keys[i] = key;
        values[i] = value;
        return true;
    }

    /** (rank << 32 | merged id) for the pair, or -1 when the pair does not merge. */
    long lookup(int left, int right) {
        long key = key(left, right);
        int i = slot(key, mask);
        long k;
        while ((k = keys[i]) != EMPTY) {
            if (k == key) {
                return values[i];
            }
            i = (i + 1) & mask;
        }
        return -1L;
    }

    int size() {
        return size;
    }
}

package dev.skipllama.transformer.tokenizer;

import java.util.Arrays;

/**
 * Rank-ordered BPE on one word (llama.cpp's {@code llm_tokenizer_bpe_session}, HF's BPE model):
 * start from one symbol per byte and repeatedly merge the adjacent pair with the lowest merge rank,
 * the leftmost first among equal ranks, until no adjacent pair has a merge. A binary heap of
 * (rank, position) keys with lazy deletion keeps long words at O(n log n).
 */
final class BpeWordMerger {
    private final MergeTable merges;

    BpeWordMerger(MergeTable merges) {
        this.merges = merges;
    }

    /** Merges the symbols {@code ids[0..n)} in place; returns how many symbols remain (compacted to the front). */
    int merge(int[] ids, int n) {
        if (n < 2) {
            return n;
        }
        int[] next = new int[n];
        int[] prev = new int[n];
        boolean[] dead = new boolean[n];
        for (int i = 0; i < n; i++) {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }
        LongHeap heap = new LongHeap(n);
        for (int i = 0; i + 1 < n; i++) {
            push(heap, ids, i, i + 1);
        }
        while (heap.size() > 0) {
            long top = heap.pop();
            int rank = (int) (top >>> 32);
            int left = (int) top;
            int right = next[left];
            if (dead[left] || right < 0) {
                continue;
            }
            long m = merges.lookup(ids[left], ids[right]);
            // Every pair is pushed when it forms, so a pair whose current rank equals the popped one
            // is the minimum; anything else is a stale entry from before a neighbour changed.
            if (m < 0 || (int) (m >>> 32) != rank) {
                continue;
            }
            ids[left] = (int) m;
            dead[right] = true;
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
            }
            if (prev[left] >= 0) {
                push(heap, ids, prev[left], left);
            }
            if (next[left] >= 0) {
                push(heap, ids, left, next[left]);
            }
        }
        int k = 0;
        for (int i = 0; i >= 0; i = next[i]) {
            ids[k++] = ids[i];
        }
        return k;
    }

    private void push(LongHeap heap, int[] ids, int left, int right) {
        long m = merges.lookup(ids[left], ids[right]);
        if (m >= 0) {
            heap.push((m >>> 32) << 32 | left);
        }
    }

    /** A min-heap of longs. */
    private static final class LongHeap {
        private long[] a;
        private int size;

        LongHeap(int capacity) {
            a = new long[Math.max(4, capacity)];
        }

        int size() {
            return size;
        }

        void push(long v) {
            if (size == a.length) {
                a = Arrays.copyOf(a, size * 2);
            }
            int i = size++;
            while (i > 0) {
                int p = (i - 1) >>> 1;
                if (a[p] <= v) {
                    break;
                }
                a[i] = a[p];
                i = p;
            }
            a[i] = v;
        }

        long pop() {
            long top = a[0];
            long last = a[--size];
            int i = 0;
            int half = size >>> 1;
            while (i < half) {
                int c = 2 * i + 1;
                if (c + 1 < size && a[c + 1] < a[c]) {
                    c++;
                }
                if (a[c] >= last) {
                    break;
                }
                a[i] = a[c];
                i = c;
            }
            a[i] = last;
            return top;
        }
    }
}

package dev.skipllama.transformer.tokenizer;

import java.util.Arrays;
import java.util.Map;

/**
 * SentencePiece's BPE segmentation (as in llama.cpp's {@code llm_tokenizer_spm} and
 * sentencepiece's {@code bpe_model.cc}): start from single code points and repeatedly merge the
 * adjacent pair whose concatenation is the vocabulary piece with the highest score, the leftmost
 * pair winning a tie, until no adjacent pair forms a piece. There is no merge list: the scores
 * are the merge order.
 *
 * <p>The candidate pairs live in a binary heap of longs, (score order, left position), with lazy
 * deletion: a popped pair is used only if the two symbols now at that position still form a piece
 * of that score. That is exact: every pair is pushed when it forms, so a current pair whose key
 * equals the heap minimum is a best pair.
 */
final class SentencePieceBpe {

    private final PieceTable pieces;
    private final float[] scores;

    /** @param pieces the pieces merges may form (normal and user-defined), text → id */
    SentencePieceBpe(Map<String, Integer> pieces, float[] scores) {
        this.pieces = new PieceTable(pieces);
        this.scores = scores;
    }

    /**
     * Segments {@code text}; appends each final symbol as a (start, end) char range to {@code bounds}.
     */
    void segment(String text, IntList bounds) {
        int n = text.codePointCount(0, text.length());
        if (n == 0) {
            return;
        }
        int[] start = new int[n];
        int[] end = new int[n];   // exclusive char offset; symbols are contiguous runs of the text
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0, pos = 0; i < n; i++) {
            start[i] = pos;
            pos += Character.charCount(text.codePointAt(pos));
            end[i] = pos;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        boolean[] dead = new boolean[n];
        long[] heap = new long[Math.max(4, n)];
        int size = 0;
        for (int i = 1; i < n; i++) {
            size = push(heap, size, text, start, end, i - 1, i);
            heap = grown(heap, size);
        }
        while (size > 0) {
            long top = heap[0];
            size = pop(heap, size);
            int left = (int) top;
            int right = next[left];
            if (dead[left] || right < 0) {
                continue;
            }
            int id = pieces.get(text, start[left], end[right]);
            if (id < 0 || order(scores[id]) != (int) (top >>> 32)) {
                continue; // stale: a neighbour changed since this pair was pushed
            }
            end[left] = end[right];
            dead[right] = true;
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
            }
            heap = grown(heap, size + 2);
            if (prev[left] >= 0) {
                size = push(heap, size, text, start, end, prev[left], left);
            }
            if (next[left] >= 0) {
                size = push(heap, size, text, start, end, left, next[left]);
            }
        }
        for (int i = 0; i != -1; i = next[i]) {
            bounds.add(start[i]);
            bounds.add(end[i]);
        }
    }

    /**
     * Maps a score to an unsigned 32-bit key that sorts higher scores first: the float's bits made
     * order-preserving as a signed int, then flipped.
     */
    private static int order(float score) {
        int bits = Float.floatToIntBits(score);
        int sortable = bits ^ ((bits >> 31) & 0x7FFFFFFF); // signed int order == float order
        return Integer.MAX_VALUE - sortable;               // as unsigned: higher score → smaller key
    }

    private int push(long[] heap, int size, String text, int[] start, int[] end, int left, int right) {
        int id = pieces.get(text, start[left], end[right]);
        if (id < 0) {
            return size;
        }
        long v = (long) order(scores[id]) << 32 | left; // key first, then position: leftmost wins a tie
        int i = size;
        while (i > 0) {
            int p = (i - 1) >>> 1;
            if (Long.compareUnsigned(heap[p], v) <= 0) {
                break;
            }
            heap[i] = heap[p];
            i = p;
        }
        heap[i] = v;
        return size + 1;
    }

    private static int pop(long[] heap, int size) {
        long last = heap[--size];
        int i = 0;
        int half = size >>> 1;
        while (i < half) {
            int c = 2 * i + 1;
            if (c + 1 < size && Long.compareUnsigned(heap[c + 1], heap[c]) < 0) {
                c++;
            }
            if (Long.compareUnsigned(heap[c], last) >= 0) {
                break;
            }
            heap[i] = heap[c];
            i = c;
        }
        heap[i] = last;
        return size;
    }

    private static long[] grown(long[] heap, int needed) {
        return needed < heap.length ? heap : Arrays.copyOf(heap, heap.length * 2);
    }
}

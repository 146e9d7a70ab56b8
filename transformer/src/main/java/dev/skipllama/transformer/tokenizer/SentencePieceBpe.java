package dev.skipllama.transformer.tokenizer;

import java.util.Comparator;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * SentencePiece's BPE segmentation (as in llama.cpp's {@code llm_tokenizer_spm} and
 * sentencepiece's {@code bpe_model.cc}): start from single code points and repeatedly merge the
 * adjacent pair whose concatenation is the vocabulary piece with the highest score, the leftmost
 * pair winning a tie, until no adjacent pair forms a piece. There is no merge list: the scores
 * are the merge order.
 */
final class SentencePieceBpe {

    private record Bigram(int left, int right, float score, int size) {
    }

    // Highest score first; equal scores: the leftmost pair (llama.cpp's llm_bigram_spm comparator).
    private static final Comparator<Bigram> ORDER = (a, b) -> {
        int c = Float.compare(b.score, a.score);
        return c != 0 ? c : Integer.compare(a.left, b.left);
    };

    private final Map<String, Integer> pieces;
    private final float[] scores;

    /** @param pieces the pieces merges may form (normal and user-defined), text → id */
    SentencePieceBpe(Map<String, Integer> pieces, float[] scores) {
        this.pieces = pieces;
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
        int[] len = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0, pos = 0; i < n; i++) {
            int cp = text.codePointAt(pos);
            start[i] = pos;
            len[i] = Character.charCount(cp);
            pos += len[i];
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<Bigram> queue = new PriorityQueue<>(Math.max(1, n), ORDER);
        for (int i = 1; i < n; i++) {
            tryAdd(text, start, len, i - 1, i, queue);
        }
        while (!queue.isEmpty()) {
            Bigram b = queue.poll();
            // Symbols only grow, so unchanged sizes mean both symbols are still the ones this bigram saw.
            if (len[b.left] == 0 || len[b.right] == 0 || len[b.left] + len[b.right] != b.size) {
                continue;
            }
            len[b.left] += len[b.right];
            len[b.right] = 0;
            next[b.left] = next[b.right];
            if (next[b.right] >= 0) {
                prev[next[b.right]] = b.left;
            }
            tryAdd(text, start, len, prev[b.left], b.left, queue);
            tryAdd(text, start, len, b.left, next[b.left], queue);
        }
        for (int i = 0; i != -1; i = next[i]) {
            bounds.add(start[i]);
            bounds.add(start[i] + len[i]);
        }
    }

    private void tryAdd(String text, int[] start, int[] len, int left, int right, PriorityQueue<Bigram> queue) {
        if (left < 0 || right < 0) {
            return;
        }
        int size = len[left] + len[right];
        Integer id = pieces.get(text.substring(start[left], start[left] + size));
        if (id != null) {
            queue.add(new Bigram(left, right, scores[id], size));
        }
    }
}

package dev.skipllama.transformer.tokenizer;

import java.util.Arrays;
import java.util.Map;

/**
 * Piece text → id, looked up by a region of a larger string without creating a substring:
 * SentencePiece's merge loop asks "is text[from, to) a piece?" for every adjacent pair.
 */
final class PieceTable {
    private final String[] keys;
    private final int[] hashes; // each key's String.hashCode, compared before the characters
    private final int[] ids;
    private final int mask;

    PieceTable(Map<String, Integer> pieces) {
        int cap = Integer.highestOneBit(Math.max(4, pieces.size() * 2 - 1)) << 1;
        keys = new String[cap];
        hashes = new int[cap];
        ids = new int[cap];
        Arrays.fill(ids, -1);
        mask = cap - 1;
        for (Map.Entry<String, Integer> e : pieces.entrySet()) {
            int i = mix(e.getKey().hashCode()) & mask;
            while (keys[i] != null) {
                i = (i + 1) & mask;
            }
            keys[i] = e.getKey();
            hashes[i] = e.getKey().hashCode();
            ids[i] = e.getValue();
        }
    }

    /** The id of the piece equal to {@code text[from, to)}, or -1. */
    int get(String text, int from, int to) {
        int h = 0; // String.hashCode of the region
        for (int k = from; k < to; k++) {
            h = 31 * h + text.charAt(k);
        }
        int len = to - from;
        for (int i = mix(h) & mask; keys[i] != null; i = (i + 1) & mask) {
            String key = keys[i];
            if (hashes[i] == h && key.length() == len && key.regionMatches(0, text, from, len)) {
                return ids[i];
            }
        }
        return -1;
    }

    /** Murmur3's finalizer: spreads String.hashCode's weak low bits so linear probing stays short. */
    private static int mix(int h) {
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        h *= 0xC2B2AE35;
        return h ^ h >>> 16;
    }
}

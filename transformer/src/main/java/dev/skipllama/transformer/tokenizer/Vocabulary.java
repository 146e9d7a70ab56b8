package dev.skipllama.transformer.tokenizer;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A tokenizer vocabulary as plain data, independent of the file it came from (GGUF metadata,
 * SentencePiece {@code tokenizer.model}, HF {@code tokenizer.json}).
 *
 * @param pieces the token texts by id, in the file's own spelling: SentencePiece pieces use
 *               {@code ▁} for a space and {@code <0xXX>} for byte tokens; byte-level BPE pieces use
 *               GPT-2's byte-to-unicode alphabet
 * @param scores SentencePiece merge scores by id (higher merges first); all zero for BPE
 * @param types  the type of each token
 * @param bos    beginning-of-sequence id, or -1 when the vocabulary has none
 * @param eos    end-of-sequence id, or -1
 * @param unk    unknown-token id, or -1
 */
public record Vocabulary(List<String> pieces, float[] scores, TokenType[] types, int bos, int eos, int unk) {

    public Vocabulary {
        int n = pieces.size();
        if (n == 0) {
            throw new TokenizerFormatException("the vocabulary is empty");
        }
        if (scores == null) {
            scores = new float[n];
        }
        if (scores.length != n) {
            throw new TokenizerFormatException("the vocabulary has " + n + " tokens but " + scores.length + " scores");
        }
        if (types.length != n) {
            throw new TokenizerFormatException("the vocabulary has " + n + " tokens but " + types.length + " token types");
        }
        String[] copy = pieces.toArray(String[]::new);
        for (int i = 0; i < n; i++) {
            if (copy[i] == null) {
                throw new TokenizerFormatException("token " + i + " has no text");
            }
            if (copy[i].isEmpty()) {
                // llama.cpp renames empty entries the same way, so ids keep their meaning.
                copy[i] = "[EMPTY_" + i + "]";
            }
            if (types[i] == null) {
                throw new TokenizerFormatException("token " + i + " has no type");
            }
        }
        pieces = List.of(copy);
        scores = scores.clone();
        types = types.clone();
        checkId("bos", bos, n);
        checkId("eos", eos, n);
        checkId("unk", unk, n);
    }

    private static void checkId(String what, int id, int n) {
        if (id < -1 || id >= n) {
            throw new TokenizerFormatException(what + " token id " + id + " is outside the vocabulary [0, " + n + ")");
        }
    }

    /** A vocabulary whose tokens are all {@link TokenType#NORMAL} except where {@code types} says otherwise. */
    public static TokenType[] normalTypes(int n) {
        TokenType[] t = new TokenType[n];
        Arrays.fill(t, TokenType.NORMAL);
        return t;
    }

    /** A copy: the vocabulary is immutable. */
    @Override
    public float[] scores() {
        return scores.clone();
    }

    /** A copy: the vocabulary is immutable. */
    @Override
    public TokenType[] types() {
        return types.clone();
    }

    public int size() {
        return pieces.size();
    }

    public String piece(int id) {
        return pieces.get(id);
    }

    public TokenType type(int id) {
        return types[id];
    }

    public float score(int id) {
        return scores[id];
    }

    /** Text → id over every token; two tokens with the same text are an error (llama.cpp asserts the same). */
    Map<String, Integer> index() {
        Map<String, Integer> m = HashMap.newHashMap(size());
        for (int i = 0; i < size(); i++) {
            Integer prev = m.put(pieces.get(i), i);
            if (prev != null) {
                throw new TokenizerFormatException("tokens " + prev + " and " + i + " have the same text '"
                        + pieces.get(i) + "'");
            }
        }
        return m;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Vocabulary v && pieces.equals(v.pieces) && Arrays.equals(scores, v.scores)
                && Arrays.equals(types, v.types) && bos == v.bos && eos == v.eos && unk == v.unk;
    }

    @Override
    public int hashCode() {
        return pieces.hashCode() * 31 + Arrays.hashCode(types);
    }

    @Override
    public String toString() {
        return "Vocabulary[" + size() + " tokens, bos=" + bos + ", eos=" + eos + ", unk=" + unk + "]";
    }
}

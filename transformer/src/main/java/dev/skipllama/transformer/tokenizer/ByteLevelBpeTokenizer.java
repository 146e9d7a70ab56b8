package dev.skipllama.transformer.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A byte-level BPE tokenizer, Llama-3 style: text is split into words by
 * {@link Llama3PreTokenizer}, each word's UTF-8 bytes are spelled in GPT-2's byte alphabet
 * ({@link ByteUnicode}) and merged by rank ({@link BpeWordMerger}). With {@code ignoreMerges}
 * (Llama-3 sets it) a word that is itself a token becomes that token without merging, as HF's
 * {@code ignore_merges} and llama.cpp do. No dummy prefix, no normalization: for well-formed text
 * without special-token text, {@code decode(encode(s)) == s} (decoding applies none of llama.cpp's
 * optional clean-up of spaces before punctuation).
 */
public final class ByteLevelBpeTokenizer extends BaseTokenizer {

    private final MergeTable merges;
    private final List<String> mergeRules;
    private final BpeWordMerger merger;
    private final boolean ignoreMerges;
    private final int[] byteTokens = new int[256];

    /**
     * @param merges       merge rules, rank 0 first, each as its two parts in the byte alphabet
     * @param ignoreMerges a word that is a token is emitted whole (Llama-3: true)
     * @param addBos       whether the model wants BOS on prompts
     */
    public ByteLevelBpeTokenizer(Vocabulary vocab, List<String[]> merges, boolean ignoreMerges, boolean addBos) {
        super(vocab, addBos);
        this.merges = new MergeTable(merges, index);
        this.mergeRules = merges.stream().map(m -> m[0] + " " + m[1]).toList();
        this.merger = new BpeWordMerger(this.merges);
        this.ignoreMerges = ignoreMerges;
        for (int b = 0; b < 256; b++) {
            Integer id = index.get(String.valueOf(ByteUnicode.toChar(b)));
            byteTokens[b] = id == null ? -1 : id;
        }
    }

    /** The merge rules as given, best first, each {@code "left right"} in the byte alphabet (GGUF's form). */
    public List<String> mergeRules() {
        return mergeRules;
    }

    /** Whether a word that is itself a token is emitted whole ({@code ignore_merges}; Llama-3 sets it). */
    public boolean ignoresMerges() {
        return ignoreMerges;
    }

    /** The number of usable merge rules. */
    public int mergeCount() {
        return merges.size();
    }

    @Override
    void encodeText(String text, boolean afterSpecial, IntList out) {
        IntList ends = new IntList(text.length() / 4 + 1);
        Llama3PreTokenizer.split(text, ends);
        // Words repeat a lot in natural text; remembering them for this call only keeps the
        // tokenizer free of shared mutable state and its memory bounded by the input.
        Map<String, int[]> seen = new HashMap<>();
        int start = 0;
        for (int i = 0; i < ends.size(); i++) {
            int end = ends.get(i);
            String word = text.substring(start, end);
            start = end;
            int[] ids = seen.get(word);
            if (ids == null) {
                ids = encodeWord(word);
                seen.put(word, ids);
            }
            out.addAll(ids);
        }
    }

    private int[] encodeWord(String word) {
        byte[] bytes = word.getBytes(StandardCharsets.UTF_8);
        if (ignoreMerges) {
            char[] spelled = new char[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                spelled[i] = ByteUnicode.toChar(bytes[i]);
            }
            Integer whole = index.get(new String(spelled));
            if (whole != null) {
                return new int[] {whole};
            }
        }
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            int id = byteTokens[bytes[i] & 0xFF];
            if (id < 0) {
                throw new IllegalArgumentException(String.format(
                        "cannot encode byte 0x%02X of '%s': the vocabulary has no token for it", bytes[i] & 0xFF, word));
            }
            ids[i] = id;
        }
        int n = merger.merge(ids, ids.length);
        return n == ids.length ? ids : java.util.Arrays.copyOf(ids, n);
    }

    @Override
    byte[] computePieceBytes(int id) {
        String piece = vocab.piece(id);
        return switch (vocab.type(id)) {
            case USER_DEFINED -> piece.getBytes(StandardCharsets.UTF_8);
            case UNUSED -> new byte[0]; // llama.cpp renders unused tokens as nothing
            default -> unspell(piece);
        };
    }

    /** Byte alphabet → bytes; a character outside the alphabet stands for its own UTF-8 bytes. */
    private static byte[] unspell(String piece) {
        byte[] out = new byte[piece.length() * 3];
        int n = 0;
        for (int i = 0; i < piece.length(); i++) {
            char c = piece.charAt(i);
            int b = ByteUnicode.toByte(c);
            if (b >= 0) {
                out[n++] = (byte) b;
            } else {
                int cp = piece.codePointAt(i);
                i += Character.charCount(cp) - 1;
                n = Utf8.put(cp, out, n);
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }

    @Override
    boolean stripsLeadingSpace(int id, byte[] piece) {
        return false;
    }
}

package dev.skipllama.transformer.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * A SentencePiece BPE tokenizer, Llama-2 style: spaces become {@code ▁}, a dummy space is put in
 * front of the text (and, as llama.cpp does, after each special token), pieces are merged by
 * score ({@link SentencePieceBpe}), and a character no piece covers falls back to its UTF-8 bytes
 * as {@code <0xXX>} tokens, or to {@code <unk>} when the vocabulary has no byte tokens.
 *
 * <p>Round trip: for well-formed text {@code s} without special-token text,
 * {@code decode(encode(s, addBos)) == s}: the dummy prefix becomes the space that
 * {@link Tokenizer#decode} strips from the first visible piece. With {@code removeExtraWhitespaces}
 * the text is normalized first, so only normalized text round-trips.
 */
public final class SentencePieceTokenizer extends BaseTokenizer {

    private static final char SPACE_SYMBOL = '\u2581'; // ▁

    private final boolean addDummyPrefix;
    private final boolean removeExtraWhitespaces;
    private final Map<String, Integer> mergeable;
    private final SentencePieceBpe bpe;
    private final AdjacentPairs pairs;
    private final int[] byteTokens = new int[256];

    /**
     * @param addDummyPrefix         prepend a space to the text ({@code add_dummy_prefix}; Llama: true)
     * @param removeExtraWhitespaces strip leading/trailing spaces and collapse runs of spaces first
     *                               ({@code remove_extra_whitespaces}; Llama: false)
     * @param addBos                 whether the model wants BOS on prompts ({@code add_bos_token})
     */
    public SentencePieceTokenizer(Vocabulary vocab, boolean addDummyPrefix, boolean removeExtraWhitespaces, boolean addBos) {
        this(vocab, addDummyPrefix, removeExtraWhitespaces, addBos, java.util.Set.of());
    }

    /** @param rstripAfter special tokens that swallow the whitespace after them in the text (llama.cpp's RSTRIP, set for Phi-3) */
    SentencePieceTokenizer(Vocabulary vocab, boolean addDummyPrefix, boolean removeExtraWhitespaces, boolean addBos,
                           java.util.Set<Integer> rstripAfter) {
        super(vocab, addBos, rstripAfter);
        this.addDummyPrefix = addDummyPrefix;
        this.removeExtraWhitespaces = removeExtraWhitespaces;
        // Merges may only form normal and user-defined pieces; like sentencepiece, control, unknown,
        // byte and unused pieces are never produced by segmenting text.
        mergeable = HashMap.newHashMap(vocab.size());
        for (int id = 0; id < vocab.size(); id++) {
            TokenType t = vocab.type(id);
            if (t == TokenType.NORMAL || t == TokenType.USER_DEFINED) {
                mergeable.put(vocab.piece(id), id);
            } else if (t == TokenType.BYTE) {
                byteValue(vocab.piece(id), id); // a malformed byte token is an error at load, not at first decode
            }
        }
        bpe = new SentencePieceBpe(mergeable, vocab.scores());
        pairs = new AdjacentPairs(mergeable.keySet());
        for (int b = 0; b < 256; b++) {
            Integer id = index.get(String.format("<0x%02X>", b));
            if (id == null && b < 0x80) {
                id = mergeable.get(String.valueOf((char) b)); // llama.cpp's fallback: the byte as a one-char piece
            }
            byteTokens[b] = id == null ? -1 : id;
        }
    }

    /** Llama-2's settings: dummy prefix, whitespace kept, BOS on prompts. */
    public static SentencePieceTokenizer llama(Vocabulary vocab) {
        return new SentencePieceTokenizer(vocab, true, false, true);
    }

    @Override
    void encodeText(String text, boolean afterSpecial, IntList out) {
        String s = removeExtraWhitespaces ? collapseSpaces(text) : text;
        if (s.isEmpty()) {
            return;
        }
        if (addDummyPrefix && afterSpecial) {
            s = " " + s;
        }
        s = s.replace(' ', SPACE_SYMBOL);
        // Segment part by part between characters no piece joins (see AdjacentPairs), each
        // distinct part once per call.
        Map<String, int[]> seen = new HashMap<>();
        int first = out.size();
        int partStart = 0;
        int prev = s.codePointAt(0);
        for (int i = Character.charCount(prev); ; ) {
            int cp = i < s.length() ? s.codePointAt(i) : -1;
            if (cp < 0 || !pairs.contains(prev, cp)) {
                String part = s.substring(partStart, i);
                int[] ids = seen.get(part);
                if (ids == null) {
                    ids = segment(part);
                    seen.put(part, ids);
                }
                for (int id : ids) {
                    // Like sentencepiece, a run of unknown symbols becomes one <unk> (merges never form <unk>).
                    if (id != vocab.unk() || out.size() == first || out.get(out.size() - 1) != vocab.unk()) {
                        out.add(id);
                    }
                }
                partStart = i;
            }
            if (cp < 0) {
                break;
            }
            prev = cp;
            i += Character.charCount(cp);
        }
    }

    /** The ids of one part: its pieces after merging, uncovered symbols as byte tokens or {@code <unk>}. */
    private int[] segment(String part) {
        IntList bounds = new IntList(8);
        bpe.segment(part, bounds);
        IntList ids = new IntList(bounds.size() / 2);
        for (int i = 0; i < bounds.size(); i += 2) {
            String piece = part.substring(bounds.get(i), bounds.get(i + 1));
            Integer id = mergeable.get(piece);
            if (id != null) {
                ids.add(id);
            } else {
                fallback(piece, ids);
            }
        }
        return ids.toArray();
    }

    /** Emits a symbol no piece covers as its UTF-8 bytes' byte tokens, or as {@code <unk>}. */
    private void fallback(String symbol, IntList out) {
        byte[] bytes = symbol.getBytes(StandardCharsets.UTF_8);
        boolean allBytes = true;
        for (byte b : bytes) {
            allBytes &= byteTokens[b & 0xFF] >= 0;
        }
        if (allBytes) {
            for (byte b : bytes) {
                out.add(byteTokens[b & 0xFF]);
            }
            return;
        }
        if (vocab.unk() < 0) {
            throw new IllegalArgumentException("cannot encode '" + symbol + "': the vocabulary has no piece, no byte "
                    + "tokens and no <unk> for it");
        }
        out.add(vocab.unk());
    }

    /** sentencepiece's remove_extra_whitespaces: no leading or trailing spaces, single spaces inside. */
    static String collapseSpaces(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        boolean pendingSpace = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == ' ') {
                pendingSpace = sb.length() > 0;
            } else {
                if (pendingSpace) {
                    sb.append(' ');
                    pendingSpace = false;
                }
                sb.append(c);
            }
        }
        return sb.toString();
    }

    @Override
    byte[] computePieceBytes(int id) {
        String piece = vocab.piece(id);
        return switch (vocab.type(id)) {
            case BYTE -> byteValue(piece, id);
            case USER_DEFINED -> piece.getBytes(StandardCharsets.UTF_8);
            case UNUSED -> new byte[0]; // llama.cpp renders unused pieces as nothing
            default -> piece.replace(SPACE_SYMBOL, ' ').getBytes(StandardCharsets.UTF_8);
        };
    }

    private static byte[] byteValue(String piece, int id) {
        if (piece.length() == 6 && piece.startsWith("<0x") && piece.endsWith(">")) {
            try {
                return new byte[] {(byte) Integer.parseInt(piece, 3, 5, 16)};
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw new TokenizerFormatException("byte token " + id + " is '" + piece + "', expected the form <0xXX>");
    }

    @Override
    boolean stripsLeadingSpace(int id, byte[] piece) {
        return addDummyPrefix && vocab.type(id) == TokenType.NORMAL && piece[0] == ' ';
    }

    public boolean addsDummyPrefix() {
        return addDummyPrefix;
    }

    public boolean removesExtraWhitespaces() {
        return removeExtraWhitespaces;
    }
}

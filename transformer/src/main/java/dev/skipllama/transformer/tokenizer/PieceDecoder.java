package dev.skipllama.transformer.tokenizer;

import java.util.Arrays;

/**
 * Turns ids arriving one at a time into text as soon as it is complete. Holds back the bytes of a
 * UTF-8 character that a token split (a byte-fallback {@code <0xE2>} or a byte-level BPE piece
 * ending mid-character) until the rest arrives. The strings {@link #next} returns followed by
 * {@link #finish()} equal {@link Tokenizer#decode(int[], boolean)} of all ids. Not thread-safe.
 */
public final class PieceDecoder {
    private final BaseTokenizer tokenizer;
    private final boolean renderSpecial;
    private boolean atStart = true;
    private byte[] pending = new byte[16];
    private int pendingLen;

    PieceDecoder(BaseTokenizer tokenizer, boolean renderSpecial) {
        this.tokenizer = tokenizer;
        this.renderSpecial = renderSpecial;
    }

    /**
     * Makes this decoder continue after {@code ids} (a prompt) rather than start a sequence: the text
     * it returns is then exactly what {@code decode(ids + next ids)} adds to {@code decode(ids)}. What
     * changes is the SentencePiece rule that drops the dummy-prefix space of the first visible piece:
     * it belongs to the start of a sequence, so after a prompt with visible text the first generated
     * {@code ▁who} is " who", not "who". Returns this decoder.
     */
    public PieceDecoder continuing(int[] ids) {
        for (int i = 0; i < ids.length && atStart; i++) {
            tokenizer.checkId(ids[i], i);
            if (!tokenizer.type(ids[i]).isSpecial() && tokenizer.pieceBytesShared(ids[i], renderSpecial).length > 0) {
                atStart = false;
            }
        }
        return this;
    }

    /** Adds one id; returns the text it completes (often the piece itself, possibly empty). */
    public String next(int id) {
        tokenizer.checkId(id, -1);
        byte[] piece = tokenizer.pieceBytesShared(id, renderSpecial);
        int skip = 0;
        if (piece.length > 0 && !tokenizer.type(id).isSpecial()) {
            if (atStart && tokenizer.stripsLeadingSpace(id, piece)) {
                skip = 1;
            }
            atStart = false;
        }
        append(piece, skip);
        int cut = Utf8.completePrefix(pending, pendingLen);
        if (cut == 0) {
            return "";
        }
        String text = Utf8.decode(pending, 0, cut);
        System.arraycopy(pending, cut, pending, 0, pendingLen - cut);
        pendingLen -= cut;
        return text;
    }

    /** Ends the sequence: returns held-back bytes (an incomplete character becomes U+FFFD) and resets. */
    public String finish() {
        String text = Utf8.decode(pending, 0, pendingLen);
        pendingLen = 0;
        atStart = true;
        return text;
    }

    private void append(byte[] piece, int skip) {
        int n = piece.length - skip;
        if (pendingLen + n > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLen + n));
        }
        System.arraycopy(piece, skip, pending, pendingLen, n);
        pendingLen += n;
    }
}

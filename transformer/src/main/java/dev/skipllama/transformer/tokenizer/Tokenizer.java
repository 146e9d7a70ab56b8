package dev.skipllama.transformer.tokenizer;

import java.util.OptionalInt;

/**
 * Text ↔ token ids for a Llama-family model.
 *
 * <p><b>Encoding.</b> {@link #encode(String, boolean, boolean)} follows llama.cpp's
 * {@code llama_tokenize}: optionally a BOS id first, then the text split at special-token texts
 * (user-defined tokens always; control tokens such as {@code <|eot_id|>} only when
 * {@code parseSpecial} is set), each plain-text fragment tokenized by the model's algorithm.
 * Never adds EOS. Text must be well-formed UTF-16: an unpaired surrogate has no UTF-8 form and is
 * rejected.
 *
 * <p><b>Decoding.</b> {@link #decode(int[], boolean)} concatenates the bytes of each token's piece
 * (see {@link #pieceBytes(int, boolean)}) and decodes them as UTF-8, malformed bytes becoming
 * U+FFFD. Control and unknown tokens are invisible unless {@code renderSpecial} is set. A
 * SentencePiece tokenizer that adds a dummy prefix removes one space from the start of the first
 * visible piece (after any leading control tokens), which is what makes
 * {@code decode(encode(s)) == s}. Ids outside the vocabulary are rejected.
 *
 * <p>Implementations are immutable and thread-safe; a {@link PieceDecoder} is not.
 */
public interface Tokenizer {

    /** Tokenizes plain text: no BOS, special-token text treated as ordinary text. */
    default int[] encode(String text) {
        return encode(text, false, false);
    }

    /** Tokenizes plain text with or without a leading BOS. */
    default int[] encode(String text, boolean addBos) {
        return encode(text, addBos, false);
    }

    /**
     * @param addBos       put {@link #bos()} first (an error when the vocabulary has none)
     * @param parseSpecial match control-token texts in {@code text} as those tokens, as llama.cpp's
     *                     {@code parse_special} does (chat templates need this; untrusted user text
     *                     should not get it)
     */
    int[] encode(String text, boolean addBos, boolean parseSpecial);

    /** Decodes ids to text, control tokens invisible. */
    default String decode(int[] ids) {
        return decode(ids, false);
    }

    /** Decodes ids to text; with {@code renderSpecial} control tokens appear as their text. */
    String decode(int[] ids, boolean renderSpecial);

    /**
     * A decoder for ids that arrive one at a time (generation): the text it returns piece by piece,
     * then {@link PieceDecoder#finish()}, concatenates to exactly {@code decode(allIds, renderSpecial)};
     * bytes of a UTF-8 character split across tokens are held back until the character is complete.
     */
    PieceDecoder newDecoder(boolean renderSpecial);

    default PieceDecoder newDecoder() {
        return newDecoder(false);
    }

    /**
     * The raw bytes token {@code id} stands for, before the leading-space rule of {@link #decode}:
     * SentencePiece {@code ▁} becomes a space, a byte token its byte, a byte-level BPE piece its
     * bytes; control and unknown tokens are empty unless {@code renderSpecial}.
     */
    byte[] pieceBytes(int id, boolean renderSpecial);

    /** The vocabulary this tokenizer was built from. */
    Vocabulary vocabulary();

    default int vocabSize() {
        return vocabulary().size();
    }

    /** Beginning-of-sequence id, or -1. */
    default int bos() {
        return vocabulary().bos();
    }

    /** End-of-sequence id, or -1. */
    default int eos() {
        return vocabulary().eos();
    }

    /** Whether the model expects a BOS at the start of a prompt ({@code add_bos_token}). */
    boolean addBosByDefault();

    /**
     * The id of the control, user-defined or unknown token whose text is exactly {@code text}
     * ({@code "<|eot_id|>"}, {@code "<s>"}), or empty.
     */
    OptionalInt specialToken(String text);

    /** Whether generation should stop at {@code id}: EOS, and end-of-turn tokens such as {@code <|eot_id|>}. */
    boolean isEndOfGeneration(int id);
}

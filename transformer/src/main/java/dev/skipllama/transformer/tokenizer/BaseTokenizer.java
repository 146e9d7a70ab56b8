package dev.skipllama.transformer.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * What both tokenizer algorithms share: BOS, splitting at special tokens, the decode contract,
 * special-token lookup. A subclass supplies how one plain-text fragment becomes ids and what bytes
 * a piece stands for.
 */
abstract sealed class BaseTokenizer implements Tokenizer permits SentencePieceTokenizer, ByteLevelBpeTokenizer {

    /** Token texts llama.cpp treats as end of generation besides EOS. */
    private static final Set<String> END_OF_GENERATION_TEXTS = Set.of(
            "<|eot_id|>", "<|eom_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<EOT>");

    final Vocabulary vocab;
    final Map<String, Integer> index;
    private final SpecialTokenSplitter splitter;
    private final boolean addBos;
    private final Set<Integer> endOfGeneration = new HashSet<>();
    // Bytes of every piece, built on first use (subclass fields are not ready in this constructor);
    // volatile so a thread that sees the table sees it filled.
    private volatile byte[][] pieceBytes;

    BaseTokenizer(Vocabulary vocab, boolean addBos) {
        this(vocab, addBos, Set.of());
    }

    /** @param rstripAfter special tokens after which whitespace in the text is dropped (llama.cpp's RSTRIP attribute) */
    BaseTokenizer(Vocabulary vocab, boolean addBos, Set<Integer> rstripAfter) {
        this.vocab = vocab;
        this.index = vocab.index();
        this.splitter = new SpecialTokenSplitter(vocab, rstripAfter);
        this.addBos = addBos;
        if (vocab.eos() >= 0) {
            endOfGeneration.add(vocab.eos());
        }
        for (String t : END_OF_GENERATION_TEXTS) {
            Integer id = index.get(t);
            if (id != null) {
                endOfGeneration.add(id);
            }
        }
    }

    /** Appends the ids of one plain-text fragment; {@code afterSpecial}: it starts the text or follows a special token. */
    abstract void encodeText(String text, boolean afterSpecial, IntList out);

    /** The bytes a non-control, non-unknown token stands for. */
    abstract byte[] computePieceBytes(int id);

    /** Whether decode drops the first byte (a space) of this first visible piece. */
    abstract boolean stripsLeadingSpace(int id, byte[] piece);

    @Override
    public final int[] encode(String text, boolean addBos, boolean parseSpecial) {
        Utf8.requireWellFormed(text);
        IntList out = new IntList(text.length() / 3 + 2);
        if (addBos) {
            if (vocab.bos() < 0) {
                throw new IllegalStateException("a BOS token was asked for but this vocabulary has none");
            }
            out.add(vocab.bos());
        }
        boolean afterSpecial = true;
        for (SpecialTokenSplitter.Fragment f : splitter.split(text, parseSpecial)) {
            if (f.isText()) {
                encodeText(f.text(), afterSpecial, out);
                afterSpecial = false;
            } else {
                out.add(f.token());
                afterSpecial = true;
            }
        }
        return out.toArray();
    }

    @Override
    public final String decode(int[] ids, boolean renderSpecial) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(ids.length * 4);
        boolean atStart = true;
        for (int i = 0; i < ids.length; i++) {
            checkId(ids[i], i);
            byte[] piece = pieceBytesShared(ids[i], renderSpecial);
            TokenType type = vocab.type(ids[i]);
            int skip = 0;
            if (piece.length > 0 && !type.isSpecial()) {
                if (atStart && stripsLeadingSpace(ids[i], piece)) {
                    skip = 1;
                }
                atStart = false;
            }
            bytes.write(piece, skip, piece.length - skip);
        }
        return Utf8.decode(bytes.toByteArray(), 0, bytes.size());
    }

    @Override
    public final PieceDecoder newDecoder(boolean renderSpecial) {
        return new PieceDecoder(this, renderSpecial);
    }

    @Override
    public final byte[] pieceBytes(int id, boolean renderSpecial) {
        checkId(id, -1);
        if (vocab.type(id).isSpecial()) {
            return renderSpecial ? vocab.piece(id).getBytes(StandardCharsets.UTF_8) : new byte[0];
        }
        byte[][] cache = pieceBytes;
        if (cache == null) {
            cache = new byte[vocab.size()][];
            for (int i = 0; i < cache.length; i++) {
                cache[i] = vocab.type(i).isSpecial() ? new byte[0] : computePieceBytes(i);
            }
            pieceBytes = cache; // two threads may both build it; the tables are equal
        }
        return cache[id].clone();
    }

    /** The cached bytes without a defensive copy, for the decoders in this package. */
    final byte[] pieceBytesShared(int id, boolean renderSpecial) {
        byte[][] cache = pieceBytes;
        if (cache == null || vocab.type(id).isSpecial()) {
            return pieceBytes(id, renderSpecial);
        }
        return cache[id];
    }

    final void checkId(int id, int position) {
        if (id < 0 || id >= vocab.size()) {
            throw new IllegalArgumentException("token id " + id + (position >= 0 ? " at position " + position : "")
                    + " is outside the vocabulary [0, " + vocab.size() + ")");
        }
    }

    final TokenType type(int id) {
        return vocab.type(id);
    }

    @Override
    public final Vocabulary vocabulary() {
        return vocab;
    }

    @Override
    public final boolean addBosByDefault() {
        return addBos;
    }

    @Override
    public final OptionalInt specialToken(String text) {
        Integer id = index.get(text);
        if (id == null) {
            return OptionalInt.empty();
        }
        TokenType t = vocab.type(id);
        return t == TokenType.CONTROL || t == TokenType.USER_DEFINED || t == TokenType.UNKNOWN
                ? OptionalInt.of(id) : OptionalInt.empty();
    }

    @Override
    public final boolean isEndOfGeneration(int id) {
        return endOfGeneration.contains(id);
    }
}

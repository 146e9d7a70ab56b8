package dev.skipllama.transformer.tokenizer;

import dev.skipllama.transformer.io.RegularFiles;
import dev.skipllama.transformer.io.TextFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a SentencePiece {@code tokenizer.model} (a serialized {@code sentencepiece.ModelProto})
 * into a {@link SentencePieceTokenizer}. Field numbers are those of sentencepiece's
 * {@code sentencepiece_model.proto}. Only what changes tokenization is read: the pieces, the model
 * type (BPE is supported; unigram is not), the special ids and the normalizer flags. Models that
 * need a normalization table ({@code nmt_nfkc} and friends) or treat whitespace as a suffix are
 * rejected with a message saying so rather than tokenized differently from sentencepiece.
 */
public final class SentencePieceModelFile {

    /** Everything read from the file. */
    public record Contents(Vocabulary vocabulary, int modelType, boolean byteFallback, String normalizerName,
                           boolean addDummyPrefix, boolean removeExtraWhitespaces) {
    }

    // ModelProto
    private static final int MODEL_PIECES = 1;
    private static final int MODEL_TRAINER_SPEC = 2;
    private static final int MODEL_NORMALIZER_SPEC = 3;
    // ModelProto.SentencePiece
    private static final int PIECE_PIECE = 1;
    private static final int PIECE_SCORE = 2;
    private static final int PIECE_TYPE = 3;
    // TrainerSpec
    private static final int TRAINER_MODEL_TYPE = 3;
    private static final int TRAINER_TREAT_WS_AS_SUFFIX = 24;
    private static final int TRAINER_BYTE_FALLBACK = 35;
    private static final int TRAINER_UNK_ID = 40;
    private static final int TRAINER_BOS_ID = 41;
    private static final int TRAINER_EOS_ID = 42;
    // NormalizerSpec
    private static final int NORM_NAME = 1;
    private static final int NORM_CHARSMAP = 2;
    private static final int NORM_ADD_DUMMY_PREFIX = 3;
    private static final int NORM_REMOVE_EXTRA_WS = 4;
    private static final int NORM_ESCAPE_WS = 5;

    public static final int MODEL_TYPE_UNIGRAM = 1;
    public static final int MODEL_TYPE_BPE = 2;

    private SentencePieceModelFile() {
    }

    /** Reads a {@code tokenizer.model}; the tokenizer adds BOS by default, as Llama's does. */
    public static SentencePieceTokenizer load(Path file) throws IOException {
        RegularFiles.require(file, "a SentencePiece tokenizer.model");
        // Llama-2's is 500 KB; the bound keeps a forged or wrong file from filling the heap.
        Contents c = parse(TextFiles.readBytes(file, 256L << 20, "a tokenizer.model"), file.toString());
        return toTokenizer(c, file.toString());
    }

    public static SentencePieceTokenizer toTokenizer(Contents c, String source) {
        if (c.modelType() != MODEL_TYPE_BPE) {
            throw new TokenizerFormatException(source + ": model_type " + modelTypeName(c.modelType())
                    + " is not supported; only BPE SentencePiece models (Llama-2 style) are");
        }
        return Loading.named(source, () ->
                new SentencePieceTokenizer(c.vocabulary(), c.addDummyPrefix(), c.removeExtraWhitespaces(), true));
    }

    /** Parses the bytes of a {@code tokenizer.model}; {@code source} names it in error messages. */
    public static Contents parse(byte[] data, String source) {
        ProtoReader r = new ProtoReader(data, source);
        List<String> pieces = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        List<TokenType> types = new ArrayList<>();
        Trainer trainer = new Trainer();
        Normalizer normalizer = new Normalizer();
        while (r.hasMore()) {
            int tag = r.readTag();
            switch (tag >>> 3) {
                case MODEL_PIECES -> {
                    r.expectWireType(tag, ProtoReader.LEN, "pieces");
                    readPiece(r.readMessage(), pieces.size(), pieces, scores, types, source);
                }
                case MODEL_TRAINER_SPEC -> {
                    r.expectWireType(tag, ProtoReader.LEN, "trainer_spec");
                    trainer.read(r.readMessage());
                }
                case MODEL_NORMALIZER_SPEC -> {
                    r.expectWireType(tag, ProtoReader.LEN, "normalizer_spec");
                    normalizer.read(r.readMessage());
                }
                default -> r.skip(tag & 7);
            }
        }
        if (pieces.isEmpty()) {
            throw new TokenizerFormatException(source + ": no pieces; this is not a SentencePiece model");
        }
        if (normalizer.charsmap) {
            throw new TokenizerFormatException(source + ": normalizer '" + normalizer.name + "' needs a precompiled "
                    + "normalization table, which is not supported; only the 'identity' normalizer is");
        }
        if (!normalizer.escapeWhitespaces) {
            throw new TokenizerFormatException(source + ": escape_whitespaces=false is not supported");
        }
        if (trainer.treatWhitespaceAsSuffix) {
            throw new TokenizerFormatException(source + ": treat_whitespace_as_suffix=true is not supported");
        }
        float[] s = new float[scores.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = scores.get(i);
        }
        Vocabulary vocab = Loading.named(source, () -> new Vocabulary(pieces, s, types.toArray(TokenType[]::new),
                checkedId(trainer.bos, pieces.size(), "bos_id", source),
                checkedId(trainer.eos, pieces.size(), "eos_id", source),
                checkedId(trainer.unk, pieces.size(), "unk_id", source)));
        return new Contents(vocab, trainer.modelType, trainer.byteFallback, normalizer.name,
                normalizer.addDummyPrefix, normalizer.removeExtraWhitespaces);
    }

    private static int checkedId(long id, int n, String field, String source) {
        if (id < -1 || id >= n) {
            throw new TokenizerFormatException(source + ": trainer_spec." + field + " is " + id
                    + ", outside the " + n + " pieces");
        }
        return (int) id;
    }

    private static void readPiece(ProtoReader r, int id, List<String> pieces, List<Float> scores,
                                  List<TokenType> types, String source) {
        String piece = null;
        float score = 0f;
        TokenType type = TokenType.NORMAL;
        while (r.hasMore()) {
            int tag = r.readTag();
            switch (tag >>> 3) {
                case PIECE_PIECE -> {
                    r.expectWireType(tag, ProtoReader.LEN, "piece");
                    piece = r.readString();
                }
                case PIECE_SCORE -> {
                    r.expectWireType(tag, ProtoReader.FIXED32, "score");
                    score = r.readFloat();
                }
                case PIECE_TYPE -> {
                    r.expectWireType(tag, ProtoReader.VARINT, "type");
                    long code = r.readVarint();
                    try {
                        type = TokenType.fromCode(code < 0 || code > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) code, id);
                    } catch (TokenizerFormatException e) {
                        throw new TokenizerFormatException(source + ": " + e.getMessage(), e);
                    }
                }
                default -> r.skip(tag & 7);
            }
        }
        if (piece == null || piece.isEmpty()) {
            throw new TokenizerFormatException(source + ": piece " + id + " has no text");
        }
        pieces.add(piece);
        scores.add(score);
        types.add(type);
    }

    private static String modelTypeName(int t) {
        return switch (t) {
            case 1 -> "UNIGRAM";
            case 2 -> "BPE";
            case 3 -> "WORD";
            case 4 -> "CHAR";
            default -> String.valueOf(t);
        };
    }

    /** TrainerSpec fields, with the proto's defaults. */
    private static final class Trainer {
        int modelType = MODEL_TYPE_UNIGRAM;
        boolean byteFallback;
        boolean treatWhitespaceAsSuffix;
        long unk = 0;
        long bos = 1;
        long eos = 2;

        void read(ProtoReader r) {
            while (r.hasMore()) {
                int tag = r.readTag();
                switch (tag >>> 3) {
                    case TRAINER_MODEL_TYPE -> modelType = (int) varint(r, tag, "model_type");
                    case TRAINER_TREAT_WS_AS_SUFFIX -> treatWhitespaceAsSuffix = varint(r, tag, "treat_whitespace_as_suffix") != 0;
                    case TRAINER_BYTE_FALLBACK -> byteFallback = varint(r, tag, "byte_fallback") != 0;
                    // int32 fields: a negative value is a 10-byte varint whose low 32 bits are the number
                    case TRAINER_UNK_ID -> unk = (int) varint(r, tag, "unk_id");
                    case TRAINER_BOS_ID -> bos = (int) varint(r, tag, "bos_id");
                    case TRAINER_EOS_ID -> eos = (int) varint(r, tag, "eos_id");
                    default -> r.skip(tag & 7);
                }
            }
        }
    }

    /** NormalizerSpec fields, with the proto's defaults. */
    private static final class Normalizer {
        String name = "";
        boolean charsmap;
        boolean addDummyPrefix = true;
        boolean removeExtraWhitespaces = true;
        boolean escapeWhitespaces = true;

        void read(ProtoReader r) {
            while (r.hasMore()) {
                int tag = r.readTag();
                switch (tag >>> 3) {
                    case NORM_NAME -> {
                        r.expectWireType(tag, ProtoReader.LEN, "name");
                        name = r.readString();
                    }
                    case NORM_CHARSMAP -> {
                        r.expectWireType(tag, ProtoReader.LEN, "precompiled_charsmap");
                        charsmap = r.readBytes().length > 0;
                    }
                    case NORM_ADD_DUMMY_PREFIX -> addDummyPrefix = varint(r, tag, "add_dummy_prefix") != 0;
                    case NORM_REMOVE_EXTRA_WS -> removeExtraWhitespaces = varint(r, tag, "remove_extra_whitespaces") != 0;
                    case NORM_ESCAPE_WS -> escapeWhitespaces = varint(r, tag, "escape_whitespaces") != 0;
                    default -> r.skip(tag & 7);
                }
            }
        }
    }

    private static long varint(ProtoReader r, int tag, String name) {
        r.expectWireType(tag, ProtoReader.VARINT, name);
        return r.readVarint();
    }
}

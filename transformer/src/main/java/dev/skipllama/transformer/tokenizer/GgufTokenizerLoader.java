package dev.skipllama.transformer.tokenizer;

import dev.skipllama.transformer.gguf.GgufFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Builds the tokenizer a GGUF file describes in its {@code tokenizer.ggml.*} metadata, with
 * llama.cpp's defaults for keys a file leaves out: {@code model = "llama"} is SentencePiece
 * (tokens, scores, token types; BOS 1, EOS 2, UNK 0; dummy prefix and BOS on), {@code model =
 * "gpt2"} is byte-level BPE (tokens, token types, merges) with the pre-tokenizer named by
 * {@code tokenizer.ggml.pre}; only Llama-3's is implemented.
 */
public final class GgufTokenizerLoader {
    private static final String P = "tokenizer.ggml.";

    /** Pre-tokenizer names that mean Llama-3's regex with ignore_merges and BOS on (llama.cpp's list). */
    private static final Set<String> LLAMA3_PRE = Set.of("llama3", "llama-v3", "llama-bpe", "falcon3");
    /** Same regex, without ignore_merges and BOS. */
    private static final Set<String> LLAMA3_REGEX_ONLY_PRE = Set.of("dbrx", "smaug-bpe");

    private GgufTokenizerLoader() {
    }

    public static Tokenizer load(Path file) throws IOException {
        try (GgufFile gguf = GgufFile.open(file)) {
            return load(gguf);
        }
    }

    public static Tokenizer load(GgufFile gguf) {
        String source = gguf.path().toString();
        if (!gguf.contains(P + "model")) {
            throw new TokenizerFormatException(source + ": no tokenizer in this file (" + P + "model is missing)");
        }
        String model = gguf.getString(P + "model");
        return Loading.named(source, () -> switch (model) {
            case "llama" -> sentencePiece(gguf, source);
            case "gpt2" -> byteLevelBpe(gguf, source);
            default -> throw new TokenizerFormatException(source + ": " + P + "model is '" + model
                    + "'; supported are 'llama' (SentencePiece) and 'gpt2' (byte-level BPE)");
        });
    }

    private static SentencePieceTokenizer sentencePiece(GgufFile gguf, String source) {
        Vocabulary vocab = vocabulary(gguf, source, 1, 2, 0);
        return new SentencePieceTokenizer(vocab,
                gguf.getBoolean(P + "add_space_prefix", true),
                gguf.getBoolean(P + "remove_extra_whitespaces", false),
                gguf.getBoolean(P + "add_bos_token", true),
                rstripAfter(gguf, vocab));
    }

    /**
     * llama.cpp gives Phi-3's special tokens (found by the model's name, as llama.cpp finds them) the
     * RSTRIP attribute: the whitespace after them in a prompt is dropped, so {@code <|user|>\nHi}
     * tokenizes as {@code <|user|> Hi}. BOS, unknown and {@code <|endoftext|>} keep it.
     */
    private static Set<Integer> rstripAfter(GgufFile gguf, Vocabulary vocab) {
        String name = gguf.getString("general.name", "").toLowerCase(java.util.Locale.ROOT);
        if (!name.contains("phi-3") && !name.contains("phi3")) {
            return Set.of();
        }
        Set<Integer> ids = new java.util.HashSet<>();
        for (int id = 0; id < vocab.size(); id++) {
            TokenType t = vocab.type(id);
            if (t == TokenType.CONTROL || t == TokenType.USER_DEFINED || t == TokenType.UNKNOWN) {
                ids.add(id);
            }
        }
        java.util.Map<String, Integer> index = vocab.index();
        if (index.containsKey("</s>")) {
            ids.add(index.get("</s>"));
        }
        for (String keep : List.of("<unk>", "<s>", "<|endoftext|>")) {
            if (index.containsKey(keep)) {
                ids.remove(index.get(keep));
            }
        }
        return Set.copyOf(ids);
    }

    private static ByteLevelBpeTokenizer byteLevelBpe(GgufFile gguf, String source) {
        String pre = gguf.getString(P + "pre", "");
        boolean llama3 = LLAMA3_PRE.contains(pre);
        if (!llama3 && !LLAMA3_REGEX_ONLY_PRE.contains(pre)) {
            throw new TokenizerFormatException(source + ": pre-tokenizer '" + pre + "' (" + P + "pre) is not "
                    + "supported; supported are Llama-3's: " + LLAMA3_PRE + " and " + LLAMA3_REGEX_ONLY_PRE);
        }
        if (!gguf.contains(P + "merges")) {
            throw new TokenizerFormatException(source + ": a gpt2 (BPE) tokenizer needs " + P + "merges");
        }
        Vocabulary vocab = vocabulary(gguf, source, 11, 11, -1);
        List<String[]> merges = Merges.parse(gguf.getStringArray(P + "merges"), source);
        return new ByteLevelBpeTokenizer(vocab, merges, llama3, gguf.getBoolean(P + "add_bos_token", llama3));
    }

    private static Vocabulary vocabulary(GgufFile gguf, String source, int bos, int eos, int unk) {
        List<String> tokens = gguf.getStringArray(P + "tokens");
        int n = tokens.size();
        float[] scores = gguf.contains(P + "scores") ? gguf.getFloatArray(P + "scores") : null;
        TokenType[] types = Vocabulary.normalTypes(n);
        if (gguf.contains(P + "token_type")) {
            int[] codes = gguf.getIntArray(P + "token_type");
            if (codes.length != n) {
                throw new TokenizerFormatException(source + ": " + n + " tokens but " + codes.length + " token types");
            }
            for (int i = 0; i < n; i++) {
                types[i] = TokenType.fromCode(codes[i], i);
            }
        }
        return new Vocabulary(tokens, scores, types,
                specialId(gguf, "bos_token_id", bos, n, source),
                specialId(gguf, "eos_token_id", eos, n, source),
                specialId(gguf, "unknown_token_id", unk, n, source));
    }

    /** A special id from the file, else llama.cpp's default for this model kind (dropped if the vocabulary is smaller). */
    private static int specialId(GgufFile gguf, String key, int fallback, int n, String source) {
        if (!gguf.contains(P + key)) {
            return fallback < n ? fallback : -1;
        }
        long id = gguf.getLong(P + key);
        if (id < 0 || id >= n) {
            throw new TokenizerFormatException(source + ": " + P + key + " = " + id + " is outside the " + n + " tokens");
        }
        return (int) id;
    }
}

package dev.skipllama.transformer.tokenizer;

import dev.skipllama.transformer.gguf.GgufArray;
import dev.skipllama.transformer.gguf.GgufValue;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code tokenizer.ggml.*} keys llama.cpp reads: the inverse of {@link GgufTokenizerLoader}, used
 * when converting a Hugging Face checkpoint to GGUF, for a SentencePiece (Llama-2 style)
 * {@code tokenizer.model} and for a byte-level BPE (Llama-3 style) {@code tokenizer.json}.
 */
public final class GgufTokenizerMetadata {
    private GgufTokenizerMetadata() {
    }

    public static Map<String, GgufValue> sentencePiece(SentencePieceTokenizer tokenizer) {
        Vocabulary v = tokenizer.vocabulary();
        int[] types = new int[v.size()];
        for (int i = 0; i < types.length; i++) {
            types[i] = v.type(i).code();
        }
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("tokenizer.ggml.model", GgufValue.string("llama"));
        m.put("tokenizer.ggml.tokens", GgufValue.array(GgufArray.ofStrings(v.pieces())));
        m.put("tokenizer.ggml.scores", GgufValue.array(GgufArray.ofFloats(v.scores())));
        m.put("tokenizer.ggml.token_type", GgufValue.of(types));
        m.put("tokenizer.ggml.bos_token_id", GgufValue.uint32(v.bos()));
        m.put("tokenizer.ggml.eos_token_id", GgufValue.uint32(v.eos()));
        if (v.unk() >= 0) {
            m.put("tokenizer.ggml.unknown_token_id", GgufValue.uint32(v.unk()));
        }
        m.put("tokenizer.ggml.add_bos_token", GgufValue.bool(tokenizer.addBosByDefault()));
        m.put("tokenizer.ggml.add_eos_token", GgufValue.bool(false));
        return m;
    }

    /**
     * A byte-level BPE vocabulary as llama.cpp's converter writes Llama-3's: model "gpt2", the
     * pre-tokenizer by name ("llama-bpe": Llama-3's regex with ignore_merges; "smaug-bpe": the same
     * regex without it), tokens and merges in the byte alphabet, token types, BOS/EOS.
     */
    public static Map<String, GgufValue> byteLevelBpe(ByteLevelBpeTokenizer tokenizer) {
        Vocabulary v = tokenizer.vocabulary();
        int[] types = new int[v.size()];
        for (int i = 0; i < types.length; i++) {
            types[i] = v.type(i).code();
        }
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("tokenizer.ggml.model", GgufValue.string("gpt2"));
        m.put("tokenizer.ggml.pre", GgufValue.string(tokenizer.ignoresMerges() ? "llama-bpe" : "smaug-bpe"));
        m.put("tokenizer.ggml.tokens", GgufValue.array(GgufArray.ofStrings(v.pieces())));
        m.put("tokenizer.ggml.token_type", GgufValue.of(types));
        m.put("tokenizer.ggml.merges", GgufValue.array(GgufArray.ofStrings(tokenizer.mergeRules())));
        if (v.bos() >= 0) {
            m.put("tokenizer.ggml.bos_token_id", GgufValue.uint32(v.bos()));
        }
        if (v.eos() >= 0) {
            m.put("tokenizer.ggml.eos_token_id", GgufValue.uint32(v.eos()));
        }
        m.put("tokenizer.ggml.add_bos_token", GgufValue.bool(tokenizer.addBosByDefault()));
        m.put("tokenizer.ggml.add_eos_token", GgufValue.bool(false));
        return m;
    }

    /** The metadata of whichever tokenizer class this is. */
    public static Map<String, GgufValue> of(Tokenizer tokenizer) {
        return switch (tokenizer) {
            case SentencePieceTokenizer spm -> sentencePiece(spm);
            case ByteLevelBpeTokenizer bpe -> byteLevelBpe(bpe);
            default -> throw new IllegalArgumentException("no GGUF form for " + tokenizer.getClass().getSimpleName());
        };
    }
}

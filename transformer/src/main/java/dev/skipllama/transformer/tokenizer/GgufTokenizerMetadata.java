package dev.skipllama.transformer.tokenizer;

import dev.skipllama.transformer.gguf.GgufArray;
import dev.skipllama.transformer.gguf.GgufValue;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code tokenizer.ggml.*} keys llama.cpp reads for a SentencePiece (Llama-2 style) vocabulary:
 * the inverse of {@link GgufTokenizerLoader} for that model type, used when converting a Hugging
 * Face checkpoint with a {@code tokenizer.model} to GGUF.
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
}

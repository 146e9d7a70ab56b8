package dev.skipllama.bench;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.transformer.convert.HfToGguf;
import dev.skipllama.transformer.gguf.GgufFile;
import dev.skipllama.transformer.gguf.GgufValue;
import dev.skipllama.transformer.gguf.GgufWriter;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes a Llama-shaped GGUF with random weights (N(0, 0.02²), norms 1) and a real vocabulary
 * copied from another GGUF, so that our engine and llama.cpp can be timed on the same file.
 *
 * <pre>
 *   java ... dev.skipllama.bench.RandomGguf OUT.gguf SHAPE DTYPE VOCAB.gguf
 *   SHAPE: llama-3.2-1b (dim 2048, 16 layers, 32/8 heads, ffn 8192) | llama-110m (dim 768, 12 layers, 12 heads, ffn 2048)
 *   DTYPE: F32 | F16 | Q8_0 | Q4_0 (norms stay F32)
 * </pre>
 */
public final class RandomGguf {
    private RandomGguf() {
    }

    /** Model shapes we benchmark. */
    public record Shape(String name, int dim, int ffn, int layers, int heads, int kvHeads, int context) {
        static Shape of(String name) {
            return switch (name) {
                case "llama-3.2-1b" -> new Shape(name, 2048, 8192, 16, 32, 8, 4096);
                case "llama-110m" -> new Shape(name, 768, 2048, 12, 12, 12, 1024);
                default -> throw new IllegalArgumentException("unknown shape '" + name + "' (llama-3.2-1b, llama-110m)");
            };
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 4) {
            System.err.println("usage: RandomGguf OUT.gguf SHAPE DTYPE VOCAB.gguf");
            System.exit(2);
        }
        write(Path.of(args[0]), Shape.of(args[1]), DType.valueOf(args[2]), Path.of(args[3]));
    }

    public static void write(Path out, Shape s, DType dtype, Path vocabFrom) throws IOException {
        write(out, s, dtype, vocabFrom, null);
    }

    /**
     * The same, or with {@code synthetic} non-null a {@link SyntheticGguf}: the output projections of the
     * layers from its exit on scaled by ε, the LM head's rows scaled by token rank.
     */
    static void write(Path out, Shape s, DType dtype, Path vocabFrom, SyntheticGguf.Spec synthetic) throws IOException {
        try (GgufFile vocab = GgufFile.open(vocabFrom)) {
            int nVocab = vocab.getStringArray("tokenizer.ggml.tokens").size();
            int headDim = s.dim() / s.heads();
            GgufWriter w = new GgufWriter()
                    .put("general.architecture", "llama")
                    .put("general.name", synthetic == null ? "random " + s.name() + " " + dtype
                            : "SYNTHETIC " + s.name() + " " + dtype + " (" + synthetic + "; random weights, a speed model, no language)")
                    .put("general.file_type", GgufValue.uint32(HfToGguf.llamaFileType(dtype)))
                    .put("llama.context_length", GgufValue.uint32(s.context()))
                    .put("llama.embedding_length", GgufValue.uint32(s.dim()))
                    .put("llama.feed_forward_length", GgufValue.uint32(s.ffn()))
                    .put("llama.block_count", GgufValue.uint32(s.layers()))
                    .put("llama.attention.head_count", GgufValue.uint32(s.heads()))
                    .put("llama.attention.head_count_kv", GgufValue.uint32(s.kvHeads()))
                    .put("llama.rope.dimension_count", GgufValue.uint32(headDim))
                    .put("llama.rope.freq_base", GgufValue.float32(500000f))
                    .put("llama.attention.layer_norm_rms_epsilon", GgufValue.float32(1e-5f))
                    .put("llama.vocab_size", GgufValue.uint32(nVocab));
            for (String key : vocab.metadata().keySet()) {
                if (key.startsWith("tokenizer.")) {
                    w.put(key, vocab.type(key), vocab.get(key));
                }
            }
            long seed = 1;
            w.addTensor("token_embd.weight", dtype, new int[]{nVocab, s.dim()}, lazy(dtype, nVocab, s.dim(), seed++));
            w.addTensor("output_norm.weight", ones(s.dim()));
            long headSeed = seed++;
            w.addTensor("output.weight", dtype, new int[]{nVocab, s.dim()}, synthetic == null ? lazy(dtype, nVocab, s.dim(), headSeed)
                    : () -> Weights.random(dtype, nVocab, s.dim(), headSeed, synthetic::headScale));
            int kvDim = s.kvHeads() * headDim;
            for (int l = 0; l < s.layers(); l++) {
                String p = "blk." + l + ".";
                w.addTensor(p + "attn_norm.weight", ones(s.dim()));
                w.addTensor(p + "attn_q.weight", dtype, new int[]{s.dim(), s.dim()}, lazy(dtype, s.dim(), s.dim(), seed++));
                w.addTensor(p + "attn_k.weight", dtype, new int[]{kvDim, s.dim()}, lazy(dtype, kvDim, s.dim(), seed++));
                w.addTensor(p + "attn_v.weight", dtype, new int[]{kvDim, s.dim()}, lazy(dtype, kvDim, s.dim(), seed++));
                float damp = synthetic != null && l >= synthetic.exitLayer() ? synthetic.epsilon() : 1f;
                long oSeed = seed++;
                w.addTensor(p + "attn_output.weight", dtype, new int[]{s.dim(), s.dim()},
                        () -> Weights.random(dtype, s.dim(), s.dim(), oSeed, r -> damp));
                w.addTensor(p + "ffn_norm.weight", ones(s.dim()));
                w.addTensor(p + "ffn_gate.weight", dtype, new int[]{s.ffn(), s.dim()}, lazy(dtype, s.ffn(), s.dim(), seed++));
                w.addTensor(p + "ffn_up.weight", dtype, new int[]{s.ffn(), s.dim()}, lazy(dtype, s.ffn(), s.dim(), seed++));
                long dSeed = seed++;
                w.addTensor(p + "ffn_down.weight", dtype, new int[]{s.dim(), s.ffn()},
                        () -> Weights.random(dtype, s.dim(), s.ffn(), dSeed, r -> damp));
            }
            w.write(out);
        }
    }

    private static java.util.function.Supplier<Tensor> lazy(DType dtype, int rows, int cols, long seed) {
        return () -> Weights.random(dtype, rows, cols, seed);
    }

    private static Tensor ones(int n) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, 1f);
        return Tensor.of(v, n);
    }
}

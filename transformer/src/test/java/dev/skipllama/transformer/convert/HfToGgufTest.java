package dev.skipllama.transformer.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Dequantize;
import dev.skipllama.tensor.Quantize;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.transformer.gguf.GgufFile;
import dev.skipllama.transformer.gguf.GgufType;
import dev.skipllama.transformer.gguf.GgufValue;
import dev.skipllama.transformer.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tiny random Llama checkpoint (2 layers, 4 query / 2 kv heads of 16, llama3 rope scaling, an
 * untied head, BF16 and F32 tensors) written with our safetensors writer, converted to every output
 * type and read back: names, shapes, metadata and types, the RoPE permutation and the values.
 */
class HfToGgufTest {
    static final int HIDDEN = 64, HEADS = 4, KV_HEADS = 2, HEAD_DIM = 16, FFN = 96, LAYERS = 2, VOCAB = 40;

    @TempDir
    Path dir;

    /** HF tensors by name, as floats (BF16 ones already rounded), to compare with. */
    private final Map<String, float[]> hf = new LinkedHashMap<>();

    private Path checkpoint(boolean tied, String extraConfig) throws IOException {
        Path ckpt = dir.resolve("ckpt");
        Files.createDirectories(ckpt);
        Random rnd = new Random(42);
        List<Tensor> open = new ArrayList<>();
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
        try {
            put(w, open, rnd, "model.embed_tokens.weight", DType.BF16, VOCAB, HIDDEN);
            for (int l = 0; l < LAYERS; l++) {
                String p = "model.layers." + l + ".";
                put(w, open, rnd, p + "input_layernorm.weight", DType.F32, HIDDEN);
                put(w, open, rnd, p + "self_attn.q_proj.weight", DType.F32, HEADS * HEAD_DIM, HIDDEN);
                put(w, open, rnd, p + "self_attn.k_proj.weight", DType.BF16, KV_HEADS * HEAD_DIM, HIDDEN);
                put(w, open, rnd, p + "self_attn.v_proj.weight", DType.F32, KV_HEADS * HEAD_DIM, HIDDEN);
                put(w, open, rnd, p + "self_attn.o_proj.weight", DType.F32, HIDDEN, HEADS * HEAD_DIM);
                put(w, open, rnd, p + "post_attention_layernorm.weight", DType.F16, HIDDEN);
                put(w, open, rnd, p + "mlp.gate_proj.weight", DType.F32, FFN, HIDDEN);
                put(w, open, rnd, p + "mlp.up_proj.weight", DType.F32, FFN, HIDDEN);
                put(w, open, rnd, p + "mlp.down_proj.weight", DType.F32, HIDDEN, FFN);
            }
            put(w, open, rnd, "model.norm.weight", DType.F32, HIDDEN);
            if (!tied) {
                put(w, open, rnd, "lm_head.weight", DType.F32, VOCAB, HIDDEN);
            }
            w.write(ckpt.resolve("model.safetensors"));
        } finally {
            open.forEach(Tensor::close);
        }
        Files.writeString(ckpt.resolve("config.json"), """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "_name_or_path": "tiny-test",
                 "hidden_size": %d, "intermediate_size": %d, "num_hidden_layers": %d, "num_attention_heads": %d,
                 "num_key_value_heads": %d, "head_dim": %d, "rms_norm_eps": 1e-05, "rope_theta": 500000.0,
                 "max_position_embeddings": 4096, "vocab_size": %d, "tie_word_embeddings": %s,
                 "rope_scaling": {"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0,
                                  "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}%s}
                """.formatted(HIDDEN, FFN, LAYERS, HEADS, KV_HEADS, HEAD_DIM, VOCAB, tied, extraConfig));
        return ckpt;
    }

    private void put(SafetensorsWriter w, List<Tensor> open, Random rnd, String name, DType type, int... shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        try (Tensor f = Tensor.of(v, shape)) {
            Tensor t = type == DType.F32 ? Tensor.of(v, shape) : Quantize.to(f, type);
            open.add(t);
            hf.put(name, Dequantize.toFloats(t));
            w.addTensor(name, t);
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0"})
    void convertsNamesShapesMetadataAndValues(DType type) throws Exception {
        Path ckpt = checkpoint(false, "");
        Path out = dir.resolve("out.gguf");
        Map<String, Object> tokenizer = new LinkedHashMap<>();
        tokenizer.put("tokenizer.ggml.model", "llama");
        tokenizer.put("tokenizer.ggml.tokens", List.of("<unk>", "<s>", "</s>"));
        tokenizer.put("tokenizer.ggml.scores", new float[]{0f, 0f, -1.5f});
        tokenizer.put("tokenizer.ggml.bos_token_id", GgufValue.uint32(1));
        List<String> written = HfToGguf.convert(ckpt, out, type, tokenizer);

        try (GgufFile g = GgufFile.open(out)) {
            // metadata, with llama.cpp's types
            assertEquals("llama", g.getString("general.architecture"));
            assertEquals("general.architecture", g.metadata().keySet().iterator().next());
            assertEquals("tiny-test", g.getString("general.name"));
            Map<String, Long> u32 = Map.of("llama.context_length", 4096L, "llama.embedding_length", (long) HIDDEN,
                    "llama.block_count", (long) LAYERS, "llama.feed_forward_length", (long) FFN,
                    "llama.attention.head_count", (long) HEADS, "llama.attention.head_count_kv", (long) KV_HEADS,
                    "llama.rope.dimension_count", (long) HEAD_DIM, "llama.attention.key_length", (long) HEAD_DIM,
                    "llama.vocab_size", (long) VOCAB, "general.quantization_version", 2L);
            u32.forEach((k, v) -> {
                assertEquals(v, g.getLong(k), k);
                assertEquals(GgufType.UINT32, g.type(k), k);
            });
            assertEquals(Map.of(DType.F32, 0L, DType.F16, 1L, DType.BF16, 32L, DType.Q8_0, 7L, DType.Q4_0, 2L).get(type),
                    g.getLong("general.file_type"));
            assertEquals(500000f, g.getFloat("llama.rope.freq_base"));
            assertEquals(GgufType.FLOAT32, g.type("llama.rope.freq_base"));
            assertEquals(1e-5f, g.getFloat("llama.attention.layer_norm_rms_epsilon"));
            assertEquals(List.of("<unk>", "<s>", "</s>"), g.getStringArray("tokenizer.ggml.tokens"));
            assertArrayEquals(new float[]{0f, 0f, -1.5f}, g.getFloatArray("tokenizer.ggml.scores"));
            assertEquals(GgufType.UINT32, g.type("tokenizer.ggml.bos_token_id"));

            // names and shapes
            Set<String> expected = new TreeSet<>(List.of("token_embd.weight", "rope_freqs.weight", "output_norm.weight", "output.weight"));
            for (int l = 0; l < LAYERS; l++) {
                for (String s : List.of("attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate", "ffn_up", "ffn_down")) {
                    expected.add("blk." + l + "." + s + ".weight");
                }
            }
            assertEquals(expected, new TreeSet<>(written));
            assertEquals(expected.size(), g.tensors().size());
            assertArrayEquals(new int[]{HEADS * HEAD_DIM, HIDDEN}, g.tensorInfo("blk.1.attn_q.weight").shape());
            assertArrayEquals(new int[]{KV_HEADS * HEAD_DIM, HIDDEN}, g.tensorInfo("blk.0.attn_k.weight").shape());
            assertArrayEquals(new int[]{HIDDEN, FFN}, g.tensorInfo("blk.0.ffn_down.weight").shape());
            assertArrayEquals(new int[]{VOCAB, HIDDEN}, g.tensorInfo("token_embd.weight").shape());
            assertArrayEquals(new int[]{HIDDEN}, g.tensorInfo("output_norm.weight").shape());

            // types: norms and rope_freqs F32, weights the requested type
            assertEquals(DType.F32, g.tensorInfo("blk.0.ffn_norm.weight").type());
            assertEquals(DType.F32, g.tensorInfo("rope_freqs.weight").type());
            assertEquals(type, g.tensorInfo("token_embd.weight").type());
            assertEquals(type, g.tensorInfo("blk.1.ffn_down.weight").type());

            // values: GGUF = encode(permute(HF)); undoing the permutation gives HF's rows back
            for (int l = 0; l < LAYERS; l++) {
                String p = "model.layers." + l + ".", b = "blk." + l + ".";
                checkPermuted(g, b + "attn_q.weight", hf.get(p + "self_attn.q_proj.weight"), HEADS, type);
                checkPermuted(g, b + "attn_k.weight", hf.get(p + "self_attn.k_proj.weight"), KV_HEADS, type);
                checkSame(g, b + "attn_v.weight", hf.get(p + "self_attn.v_proj.weight"), type);
                checkSame(g, b + "ffn_down.weight", hf.get(p + "mlp.down_proj.weight"), type);
                assertArrayEquals(hf.get(p + "post_attention_layernorm.weight"), g.tensor(b + "ffn_norm.weight").toFloatArray());
            }
            checkSame(g, "token_embd.weight", hf.get("model.embed_tokens.weight"), type);
            checkSame(g, "output.weight", hf.get("lm_head.weight"), type);
            assertArrayEquals(hf.get("model.norm.weight"), g.tensor("output_norm.weight").toFloatArray());
            checkRopeFactors(g.tensor("rope_freqs.weight").toFloatArray());
        }
    }

    /** GGUF row 2i+j of each head is HF row j·headDim/2 + i; and the stored bytes are the encoding of that. */
    private static void checkPermuted(GgufFile g, String name, float[] hfRows, int heads, DType type) {
        float[] permuted = new float[hfRows.length];
        for (int r = 0; r < heads * HEAD_DIM; r++) {
            int head = r / HEAD_DIM, i = (r % HEAD_DIM) / 2, j = r % 2; // written out independently of RopePermute
            System.arraycopy(hfRows, (head * HEAD_DIM + j * HEAD_DIM / 2 + i) * HIDDEN, permuted, r * HIDDEN, HIDDEN);
        }
        checkSame(g, name, permuted, type);
        if (type == DType.F32) { // and un-permuting GGUF's rows gives HF's exactly
            float[] got = g.tensor(name).toFloatArray(), back = new float[got.length];
            for (int r = 0; r < heads * HEAD_DIM; r++) {
                System.arraycopy(got, r * HIDDEN, back, RopePermute.sourceRow(r, HEAD_DIM) * HIDDEN, HIDDEN);
            }
            assertArrayEquals(hfRows, back, name);
        }
    }

    /** The tensor's bytes are exactly {@code Quantize} of the expected floats in the requested type. */
    private static void checkSame(GgufFile g, String name, float[] want, DType type) {
        Tensor got = g.tensor(name);
        try (Tensor f = Tensor.of(want, got.shape()); Tensor enc = type == DType.F32 ? Tensor.of(want, got.shape()) : Quantize.to(f, type)) {
            assertArrayEquals(enc.segment().toArray(ValueLayout.JAVA_BYTE), got.segment().toArray(ValueLayout.JAVA_BYTE), name);
        }
    }

    /** Llama 3 scaling with factor 32, original context 8192, theta 500000, head_dim 16. */
    private static void checkRopeFactors(float[] f) {
        assertEquals(HEAD_DIM / 2, f.length);
        for (int i = 0; i < f.length; i++) {
            double wavelen = 2 * Math.PI * Math.pow(500000, 2.0 * i / HEAD_DIM);
            double want = wavelen < 8192 / 4.0 ? 1 : wavelen > 8192 ? 32
                    : 1 / ((1 - (8192 / wavelen - 1) / 3) / 32 + (8192 / wavelen - 1) / 3);
            assertEquals(want, f[i], 1e-5 * want, "rope factor " + i);
        }
        assertEquals(1f, f[0]);
        assertEquals(32f, f[f.length - 1]);
    }

    @Test
    void tiedEmbeddingsWriteNoOutputTensor() throws Exception {
        Path out = dir.resolve("tied.gguf");
        List<String> written = HfToGguf.convert(checkpoint(true, ""), out, DType.F16, Map.of());
        assertFalse(written.contains("output.weight"));
        try (GgufFile g = GgufFile.open(out)) {
            assertFalse(g.hasTensor("output.weight"));
            assertTrue(g.hasTensor("token_embd.weight"));
        }
    }

    /** Linear scaling is metadata (no rope_freqs); without head_dim no key/value lengths are written, as llama.cpp does. */
    @Test
    void linearRopeScalingAndDefaults() throws Exception {
        Path ckpt = checkpoint(false, "");
        String cfg = Files.readString(ckpt.resolve("config.json"));
        String linear = cfg.replaceAll("\"rope_scaling\": \\{[^}]*}", "\"rope_scaling\": {\"type\": \"linear\", \"factor\": 2.0}")
                .replaceAll("\"head_dim\": 16,\\s*", "").replaceAll("\"rope_theta\": 500000.0,\\s*", "");
        assertFalse(linear.contains("rope_theta") || linear.contains("head_dim"), linear);
        Files.writeString(ckpt.resolve("config.json"), linear);
        Path out = dir.resolve("linear.gguf");
        List<String> written = HfToGguf.convert(ckpt, out, DType.F32, Map.of());
        assertFalse(written.contains("rope_freqs.weight"));
        try (GgufFile g = GgufFile.open(out)) {
            assertEquals("linear", g.getString("llama.rope.scaling.type"));
            assertEquals(2f, g.getFloat("llama.rope.scaling.factor"));
            assertEquals(10000f, g.getFloat("llama.rope.freq_base"), "transformers' default rope_theta");
            assertEquals(HIDDEN / HEADS, g.getLong("llama.rope.dimension_count"));
            assertFalse(g.contains("llama.attention.key_length"));
        }
    }

    @Test
    void badCheckpointsAreNamed() throws Exception {
        Path ckpt = checkpoint(false, "");
        Path out = dir.resolve("x.gguf");
        String cfg = Files.readString(ckpt.resolve("config.json"));
        Files.writeString(ckpt.resolve("config.json"), cfg.replace("\"intermediate_size\": 96", "\"intermediate_size\": 128"));
        IOException e = assertThrows(IOException.class, () -> HfToGguf.convert(ckpt, out, DType.F16, Map.of()));
        assertTrue(e.getMessage().contains("'model.layers.0.mlp.gate_proj.weight' has shape [96, 64], but config.json implies [128, 64]"),
                e.getMessage());
        Files.writeString(ckpt.resolve("config.json"), cfg.replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3"));
        e = assertThrows(IOException.class, () -> HfToGguf.convert(ckpt, out, DType.F16, Map.of()));
        assertTrue(e.getMessage().contains("'model.layers.2.input_layernorm.weight' is missing"), e.getMessage());
        Files.writeString(ckpt.resolve("config.json"), cfg.replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 1"));
        e = assertThrows(IOException.class, () -> HfToGguf.convert(ckpt, out, DType.F16, Map.of()));
        assertTrue(e.getMessage().contains("should not have: [model.layers.1."), e.getMessage());
        Files.writeString(ckpt.resolve("config.json"), cfg.replace("LlamaForCausalLM", "GPT2LMHeadModel"));
        e = assertThrows(IOException.class, () -> HfToGguf.convert(ckpt, out, DType.F16, Map.of()));
        assertTrue(e.getMessage().contains("only Llama checkpoints"), e.getMessage());
        Files.writeString(ckpt.resolve("config.json"), cfg.replace("\"vocab_size\": 40,", ""));
        e = assertThrows(IOException.class, () -> HfToGguf.convert(ckpt, out, DType.F16, Map.of()));
        assertTrue(e.getMessage().contains("config.json: 'vocab_size' is missing, expected an integer"), e.getMessage());
        Files.writeString(ckpt.resolve("config.json"), cfg);
        assertThrows(IllegalArgumentException.class, () -> HfToGguf.convert(ckpt, out, DType.F16,
                Map.of("llama.block_count", GgufValue.uint32(9))), "a key the converter writes cannot be overridden");
        assertThrows(IllegalArgumentException.class, () -> HfToGguf.convert(ckpt, out, DType.Q6_K, Map.of()));
    }

    @Test
    void permutationIsABijectionWithinEachHead() {
        for (int hd : new int[]{2, 8, 64, 128}) {
            boolean[] seen = new boolean[3 * hd];
            for (int r = 0; r < 3 * hd; r++) {
                int s = RopePermute.sourceRow(r, hd);
                assertEquals(r / hd, s / hd, "stays in its head");
                assertFalse(seen[s]);
                seen[s] = true;
            }
        }
        // head_dim 4: GGUF rows (0,1,2,3) come from HF rows (0,2,1,3): pairs (x0,x2), (x1,x3)
        assertArrayEquals(new int[]{0, 2, 1, 3, 4, 6, 5, 7}, java.util.stream.IntStream.range(0, 8).map(r -> RopePermute.sourceRow(r, 4)).toArray());
    }

    /** F32 output holds HF's values bit for bit (BF16/F16 sources widened exactly). */
    @Test
    void f32OutputIsBitExact() throws Exception {
        Path out = dir.resolve("f32.gguf");
        HfToGguf.convert(checkpoint(false, ""), out, DType.F32, Map.of());
        try (GgufFile g = GgufFile.open(out)) {
            assertArrayEquals(hf.get("model.layers.1.mlp.up_proj.weight"), Dequantize.toFloats(g.tensor("blk.1.ffn_up.weight")));
        }
    }
}

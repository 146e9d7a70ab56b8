package dev.skipllama.transformer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Quantize;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.transformer.convert.HfToGguf;
import dev.skipllama.transformer.gguf.GgufFile;
import dev.skipllama.transformer.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, case 11: converting a Llama-3 checkpoint (byte-level BPE in tokenizer.json) writes the
 * tokenizer as llama.cpp's converter does, so the GGUF tokenizes as llama.cpp's own Llama-3 vocabulary
 * test says (it used to be written without any tokenizer).
 */
class ByteLevelBpeConversionTest {

    @Test
    void aLlama3CheckpointConvertsWithItsTokenizer(@TempDir Path dir) throws IOException {
        int vocab = 128256, hidden = 32;
        Path ckpt = Files.createDirectories(dir.resolve("llama3"));
        Files.writeString(ckpt.resolve("tokenizer.json"), HfTokenizerJsonTest.llama3Json(false));
        Files.writeString(ckpt.resolve("tokenizer_config.json"),
                "{\"bos_token\": \"<|begin_of_text|>\", \"eos_token\": \"<|end_of_text|>\", \"add_bos_token\": true}");
        Files.writeString(ckpt.resolve("config.json"), """
                {"architectures": ["LlamaForCausalLM"], "hidden_size": %d, "intermediate_size": 32, "num_hidden_layers": 1,
                 "num_attention_heads": 2, "num_key_value_heads": 1, "vocab_size": %d, "tie_word_embeddings": true,
                 "max_position_embeddings": 128}""".formatted(hidden, vocab));
        Random r = new Random(1);
        List<Tensor> open = new ArrayList<>();
        try {
            SafetensorsWriter w = new SafetensorsWriter();
            w.addTensor("model.embed_tokens.weight", add(open, r, vocab, hidden));
            String p = "model.layers.0.";
            w.addTensor(p + "input_layernorm.weight", add(open, r, hidden));
            w.addTensor(p + "self_attn.q_proj.weight", add(open, r, hidden, hidden));
            w.addTensor(p + "self_attn.k_proj.weight", add(open, r, 16, hidden));
            w.addTensor(p + "self_attn.v_proj.weight", add(open, r, 16, hidden));
            w.addTensor(p + "self_attn.o_proj.weight", add(open, r, hidden, hidden));
            w.addTensor(p + "post_attention_layernorm.weight", add(open, r, hidden));
            w.addTensor(p + "mlp.gate_proj.weight", add(open, r, 32, hidden));
            w.addTensor(p + "mlp.up_proj.weight", add(open, r, 32, hidden));
            w.addTensor(p + "mlp.down_proj.weight", add(open, r, hidden, 32));
            w.addTensor("model.norm.weight", add(open, r, hidden));
            w.write(ckpt.resolve("model.safetensors"));
        } finally {
            open.forEach(Tensor::close);
        }
        Path gguf = dir.resolve("llama3.gguf");
        HfToGguf.convert(ckpt, gguf, DType.F16, HfToGguf.tokenizerMetadata(ckpt));

        Tokenizer fromJson = Tokenizers.load(ckpt);
        try (GgufFile g = GgufFile.open(gguf)) {
            assertEquals("gpt2", g.getString("tokenizer.ggml.model"));
            assertEquals("llama-bpe", g.getString("tokenizer.ggml.pre"));
            assertEquals(128000, g.getLong("tokenizer.ggml.bos_token_id"));
            assertEquals(128001, g.getLong("tokenizer.ggml.eos_token_id"));
            Tokenizer fromGguf = GgufTokenizerLoader.load(g);
            assertEquals(vocab, fromGguf.vocabSize());
            for (VocabFixtures.Case c : VocabFixtures.cases("ggml-vocab-llama-bpe.gguf")) {
                assertArrayEquals(c.ids(), fromGguf.encode(c.text()), c.text());          // llama.cpp's ids
                assertArrayEquals(fromJson.encode(c.text(), true), fromGguf.encode(c.text(), true), c.text());
            }
        }
    }

    private static Tensor add(List<Tensor> open, Random r, int... shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian() * 0.02f;
        }
        try (Tensor f = Tensor.of(v, shape)) {
            Tensor t = Quantize.to(f, DType.F16);
            open.add(t);
            return t;
        }
    }
}

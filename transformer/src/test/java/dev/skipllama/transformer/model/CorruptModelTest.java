package dev.skipllama.transformer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.cpu.CpuBackend;
import dev.skipllama.transformer.gguf.GgufArray;
import dev.skipllama.transformer.gguf.GgufFile;
import dev.skipllama.transformer.gguf.GgufLayout;
import dev.skipllama.transformer.gguf.GgufTensorInfo;
import dev.skipllama.transformer.gguf.GgufValue;
import dev.skipllama.transformer.gguf.GgufWriter;
import dev.skipllama.transformer.json.Json;
import dev.skipllama.transformer.tokenizer.HfTokenizerJson;
import dev.skipllama.transformer.llama.NonFiniteLogitsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, cases 5 and 6: damage that used to run silently (every token id 0, empty text, exit 0;
 * or one layer of twelve) is an error that says what is wrong — at load for the configuration and
 * the file's structure, at the first non-finite logits for values inside the weights.
 */
class CorruptModelTest {
    static final CpuBackend CPU = new CpuBackend(2);
    @TempDir
    static Path dir;

    @AfterAll
    static void close() {
        CPU.close();
    }

    static Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    static String loadError(Path model) {
        return assertThrows(IOException.class, () -> Model.load(model, CPU).close()).getMessage();
    }

    static NonFiniteLogitsException generateError(Path model) throws IOException {
        try (Model m = Model.load(model, CPU); Session s = m.newSession(SessionOptions.defaults(64))) {
            return assertThrows(NonFiniteLogitsException.class, () -> s.generate("Once upon a time", 4));
        }
    }

    /** One NaN in a weight: the error names the position and the first layer whose output is not finite. */
    @Test
    void oneNanInAWeight() throws IOException {
        byte[] b = EmbeddedModel.gguf(DType.F16);
        GgufLayout g = GgufLayout.of(b);
        GgufLayout.putU16(b, g.dataStart() + g.tensor("blk.3.ffn_down.weight").offset() + 2 * 7, 0x7e00); // F16 NaN
        NonFiniteLogitsException e = generateError(write("nan.gguf", b));
        assertTrue(e.getMessage().matches(".*nan\\.gguf: the logits at position \\d+ are not finite.*"), e.getMessage());
        assertTrue(e.getMessage().contains("the hidden state is first non-finite after layer 3's feed-forward"), e.getMessage());
    }

    /**
     * Q8_0 block scales of infinity: the CPU backend packs quantized weights at load and refuses a
     * non-finite scale there, naming the weight; the reference backend computes with it, and the
     * non-finite logits are then named with the layer they came from.
     */
    @Test
    void infiniteQ8Scales() throws IOException {
        byte[] b = EmbeddedModel.gguf(DType.Q8_0);
        GgufLayout g = GgufLayout.of(b);
        long at = g.dataStart() + g.tensor("blk.5.attn_q.weight").offset();
        for (int block = 0; block < 40; block++) {
            GgufLayout.putU16(b, at + 34L * block, 0x7c00); // the block's F16 scale: +Inf
        }
        Path model = write("infscale.gguf", b);
        String load = loadError(model);
        assertTrue(load.contains("infscale.gguf: layer 5 wq: the Q8_0 weight") && load.contains("has a scale of Infinity"), load);
        try (Model m = Model.load(model, new dev.skipllama.tensor.ref.ReferenceBackend());
             Session s = m.newSession(SessionOptions.defaults(64))) {
            NonFiniteLogitsException e = assertThrows(NonFiniteLogitsException.class, () -> s.generate("Once upon a time", 2));
            assertTrue(e.getMessage().contains("after layer 5's attention"), e.getMessage());
        }
    }

    /** An embedding row of NaN is named as the embedding of that token. */
    @Test
    void nanEmbedding() throws IOException {
        byte[] b = EmbeddedModel.gguf(DType.F16);
        GgufLayout g = GgufLayout.of(b);
        long row = g.dataStart() + g.tensor("token_embd.weight").offset() + 2L * 192 * 1; // token 1 (BOS)
        GgufLayout.putU16(b, row, 0x7e00);
        NonFiniteLogitsException e = generateError(write("nanembd.gguf", b));
        assertTrue(e.getMessage().contains("the embedding of token 1 (position 0)"), e.getMessage());
    }

    /** Configuration values are checked to be finite and in range at load, naming the key. */
    @Test
    void configurationOutOfRange() throws IOException {
        byte[] b = EmbeddedModel.gguf(DType.Q8_0);
        GgufLayout g = GgufLayout.of(b);
        GgufLayout.putF32(b, g.values().get("llama.attention.layer_norm_rms_epsilon"), Float.POSITIVE_INFINITY);
        assertTrue(loadError(write("eps.gguf", b)).contains("metadata 'llama.attention.layer_norm_rms_epsilon' = Infinity, expected"));
        b = EmbeddedModel.gguf(DType.Q8_0);
        GgufLayout.putF32(b, g.values().get("llama.rope.freq_base"), Float.NaN);
        assertTrue(loadError(write("theta.gguf", b)).contains("metadata 'llama.rope.freq_base' = NaN, expected a finite number > 0"));
        b = EmbeddedModel.gguf(DType.Q8_0);
        GgufLayout.putU32(b, g.values().get("llama.attention.head_count"), 0);
        assertTrue(loadError(write("heads.gguf", b)).contains("metadata 'llama.attention.head_count' = 0, expected an integer >= 1"));
        b = EmbeddedModel.gguf(DType.Q8_0);
        GgufLayout.putU32(b, g.values().get("llama.attention.head_count_kv"), 4); // 6 heads
        assertTrue(loadError(write("kv.gguf", b)).contains("'llama.attention.head_count' = 6 is not a multiple of 'llama.attention.head_count_kv' = 4"));
    }

    @Test
    void hfConfigurationOutOfRange() throws IOException {
        Path ckpt = EmbeddedModel.checkpointCopy(dir.resolve("hf-config"));
        String config = Files.readString(ckpt.resolve("config.json"));
        for (String eps : new String[]{"Infinity", "1e99999", "-1e-5", "1e-99"}) {
            Files.writeString(ckpt.resolve("config.json"), config.replace("\"rms_norm_eps\": 1e-05", "\"rms_norm_eps\": " + eps));
            String m = loadError(ckpt);
            assertTrue(m.contains("config.json: 'rms_norm_eps' is") || m.contains("not valid JSON"), eps + ": " + m);
        }
        Files.writeString(ckpt.resolve("config.json"), config.replace("\"num_attention_heads\": 6", "\"num_attention_heads\": 0"));
        assertTrue(loadError(ckpt).contains("config.json: 'num_attention_heads' is a number 0, expected an integer in [1,"), loadError(ckpt));
        Files.writeString(ckpt.resolve("config.json"), config.replace("\"hidden_size\": 192", "\"hidden_size\": \"192\""));
        assertTrue(loadError(ckpt).contains("config.json: 'hidden_size' is a string \"192\", expected an integer"), loadError(ckpt));
        Files.writeString(ckpt.resolve("config.json"), config.replace("\"hidden_size\": 192,", "\"hidden_size\": 192"));
        assertTrue(loadError(ckpt).matches(".*config\\.json: not valid JSON: expected ',' or '}' at offset \\d+ \\(line \\d+, column \\d+\\).*"),
                loadError(ckpt));
    }

    /** block_count = 1 while the file holds 12 blocks: the other blocks are unused tensors, named. */
    @Test
    void fewerBlocksThanTheFileHolds() throws IOException {
        byte[] b = EmbeddedModel.gguf(DType.Q8_0);
        GgufLayout.putU32(b, GgufLayout.of(b).values().get("llama.block_count"), 1);
        String m = loadError(write("blocks.gguf", b));
        assertTrue(m.contains("the file holds 99 tensors the model does not use: blk.1.attn_norm.weight"), m);

        Path ckpt = EmbeddedModel.checkpointCopy(dir.resolve("hf-layers"));
        String config = Files.readString(ckpt.resolve("config.json"));
        Files.writeString(ckpt.resolve("config.json"), config.replace("\"num_hidden_layers\": 12", "\"num_hidden_layers\": 1"));
        m = loadError(ckpt);
        assertTrue(m.contains("the file holds 99 tensors the model does not use: model.layers.1."), m);
    }

    /** The tensor count lowered by one: the last info becomes "padding" and every weight would shift. */
    @Test
    void tensorCountOneLess() throws IOException {
        byte[] b = EmbeddedModel.gguf(DType.Q8_0);
        assertEquals(111, GgufLayout.of(b).tensors().size());
        GgufLayout.putU64(b, GgufLayout.TENSOR_COUNT_AT, 110);
        String m = loadError(write("count.gguf", b));
        assertTrue(m.contains("expected zero padding"), m);
    }

    /** Overlapping byte ranges, a dtype changed to a smaller one, an alignment changed without moving the data. */
    @Test
    void inconsistentLayout() throws IOException {
        byte[] b = EmbeddedModel.gguf(DType.Q8_0);
        GgufLayout g = GgufLayout.of(b);
        GgufLayout.Info second = g.tensors().get(2), first = g.tensors().get(1);
        GgufLayout.putU64(b, second.offsetAt(), first.offset());
        String m = loadError(write("overlap.gguf", b));
        assertTrue(m.contains("tensor '" + second.name() + "' offset: offset " + first.offset() + ", expected"), m);
        assertTrue(m.contains("overlaps tensor '" + first.name() + "'"), m);

        b = EmbeddedModel.gguf(DType.Q8_0);
        GgufLayout.Info q = g.tensor("blk.0.attn_q.weight");
        GgufLayout.putU32(b, q.typeAt(), DType.Q4_0.ggmlType()); // 18 bytes a block instead of 34: still inside the file
        m = loadError(write("dtype.gguf", b));
        assertTrue(m.contains("unused bytes after tensor 'blk.0.attn_q.weight'"), m);

        b = EmbeddedModel.gguf(DType.Q8_0);
        byte[] aligned = withAlignment(b, 1);
        m = loadError(write("align.gguf", aligned.clone()));
        org.junit.jupiter.api.Assumptions.assumeTrue(GgufLayout.of(aligned).headerEnd() % 32 != 0, "the header ends aligned: no shift to detect");
        assertTrue(m.contains("bytes after the last tensor 'output.weight': byte") && m.contains("expected zero padding"), m);
    }

    /** {@code general.alignment} inserted as 1 (or changed), the data left where it was. */
    private static byte[] withAlignment(byte[] b, int alignment) {
        GgufLayout g = GgufLayout.of(b);
        Long at = g.values().get("general.alignment");
        if (at != null) {
            GgufLayout.putU32(b, at, alignment);
            return b;
        }
        // no such key: repurpose general.file_type (a UINT32 key of the same length class) by renaming it in place
        byte[] key = "general.file_type".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] alignKey = "general.alignment".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertEquals(key.length, alignKey.length);
        long value = g.values().get("general.file_type");
        System.arraycopy(alignKey, 0, b, (int) (value - 4 - key.length), key.length);
        GgufLayout.putU32(b, value, alignment);
        return b;
    }

    /** A tokenizer smaller than the model's vocabulary is refused at load, not when the model first emits a missing id. */
    @Test
    void tokenizerSmallerThanTheVocabulary() throws IOException {
        Path small = dir.resolve("small-tokenizer.gguf");
        Path full = write("full.gguf", EmbeddedModel.gguf(DType.Q8_0));
        try (GgufFile src = GgufFile.open(full)) {
            GgufWriter w = new GgufWriter();
            for (String key : src.metadata().keySet()) {
                Object v = src.get(key);
                if (key.equals("tokenizer.ggml.tokens")) {
                    v = GgufArray.ofStrings(src.getStringArray(key).subList(0, 4000));
                } else if (key.equals("tokenizer.ggml.scores")) {
                    v = GgufArray.ofFloats(java.util.Arrays.copyOf(src.getFloatArray(key), 4000));
                } else if (key.equals("tokenizer.ggml.token_type")) {
                    w.put(key, GgufValue.of(java.util.Arrays.copyOf(src.getIntArray(key), 4000)));
                    continue;
                }
                w.put(key, src.type(key), v);
            }
            for (GgufTensorInfo t : src.tensors()) {
                w.addTensor(t.name(), src.tensor(t.name()));
            }
            w.write(small);
        }
        String m = loadError(small);
        assertTrue(m.contains("the tokenizer has 4000 tokens but the model's embedding and LM head have 4096 rows"), m);

        Path ckpt = EmbeddedModel.checkpointCopy(dir.resolve("hf-tokenizer"));
        Files.delete(ckpt.resolve("tokenizer.model")); // else it is the tokenizer the checkpoint uses
        String pre = "{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Split\",\"pattern\":{\"Regex\":"
                + Json.quote(HfTokenizerJson.LLAMA3_PATTERN) + "},\"behavior\":\"Isolated\",\"invert\":false},"
                + "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,\"use_regex\":false}]}";
        Files.writeString(ckpt.resolve("tokenizer.json"), "{\"normalizer\":null,\"pre_tokenizer\":" + pre
                + ",\"added_tokens\":[],\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0,\"b\":1},\"merges\":[]}}");
        m = loadError(ckpt);
        assertTrue(m.contains("the tokenizer has 2 tokens but the model's embedding and LM head have 4096 rows"), m);
    }
}

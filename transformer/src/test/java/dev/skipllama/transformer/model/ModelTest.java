package dev.skipllama.transformer.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.RopeLayout;
import dev.skipllama.tensor.cpu.CpuBackend;
import dev.skipllama.transformer.generate.StandardDecoder;
import dev.skipllama.transformer.generate.StepHooks;
import dev.skipllama.transformer.gguf.GgufFile;
import dev.skipllama.transformer.gguf.GgufValue;
import dev.skipllama.transformer.gguf.GgufWriter;
import dev.skipllama.transformer.llama.LlamaConfig;
import dev.skipllama.transformer.llama.LlamaWeights;
import dev.skipllama.transformer.llama.TinyLlama;
import dev.skipllama.transformer.sampling.SamplingConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The library entry point on a small random Llama written as GGUF with the real Llama-2 vocabulary. */
class ModelTest {
    @TempDir
    static Path dir;
    static Path gguf;
    static CpuBackend cpu = new CpuBackend(2);
    static Model model;

    @BeforeAll
    static void writeModel() throws IOException {
        gguf = dir.resolve("tiny.gguf");
        LlamaConfig c = new LlamaConfig(64, 96, 3, 4, 2, 16, 32000, 256, 1e-5f, 10000f, null, RopeLayout.INTERLEAVED);
        LlamaWeights w = TinyLlama.weights(c, DType.F32, 31);
        GgufWriter out = new GgufWriter()
                .put("general.architecture", "llama")
                .put("llama.embedding_length", GgufValue.uint32(c.dim()))
                .put("llama.feed_forward_length", GgufValue.uint32(c.ffnDim()))
                .put("llama.block_count", GgufValue.uint32(c.layers()))
                .put("llama.attention.head_count", GgufValue.uint32(c.heads()))
                .put("llama.attention.head_count_kv", GgufValue.uint32(c.kvHeads()))
                .put("llama.context_length", GgufValue.uint32(c.contextLength()))
                .put("llama.attention.layer_norm_rms_epsilon", GgufValue.float32(c.rmsEps()))
                .put("llama.rope.freq_base", GgufValue.float32(c.ropeTheta()));
        Path vocab = Path.of("src/test/resources/llama.cpp-vocab/ggml-vocab-llama-spm.gguf");
        try (GgufFile v = GgufFile.open(vocab)) {
            for (String key : v.metadata().keySet()) {
                if (key.startsWith("tokenizer.")) {
                    out.put(key, v.type(key), v.get(key));
                }
            }
            out.addTensor("token_embd.weight", w.tokenEmbedding()).addTensor("output.weight", w.output())
                    .addTensor("output_norm.weight", w.finalNorm());
            for (int l = 0; l < c.layers(); l++) {
                LlamaWeights.Layer L = w.layers().get(l);
                String p = "blk." + l + ".";
                out.addTensor(p + "attn_norm.weight", L.attnNorm()).addTensor(p + "attn_q.weight", L.wq())
                        .addTensor(p + "attn_k.weight", L.wk()).addTensor(p + "attn_v.weight", L.wv())
                        .addTensor(p + "attn_output.weight", L.wo()).addTensor(p + "ffn_norm.weight", L.ffnNorm())
                        .addTensor(p + "ffn_gate.weight", L.wGate()).addTensor(p + "ffn_up.weight", L.wUp())
                        .addTensor(p + "ffn_down.weight", L.wDown());
            }
            out.write(gguf);
        }
        model = Model.load(gguf, cpu);
    }

    @AfterAll
    static void close() {
        model.close();
        cpu.close();
    }

    @Test
    void loadsConfigTokenizerAndWeightsFromGguf() {
        assertEquals(64, model.config().dim());
        assertEquals(2, model.config().kvHeads());
        assertEquals(RopeLayout.INTERLEAVED, model.config().ropeLayout());
        assertEquals(32000, model.tokenizer().vocabSize());
        assertArrayEquals(new int[]{1, 9038, 2501, 263, 931}, model.tokenizer().encode("Once upon a time", true));
    }

    /** The session's text is the tokenizer's decoding of the decoder's tokens, streamed in order. */
    @Test
    void sessionGeneratesWhatTheDecoderDoes() {
        int[] prompt = model.tokenizer().encode("Once upon a time", true);
        List<Integer> direct = new ArrayList<>();
        try (StandardDecoder d = new StandardDecoder(model.llama(), SamplingConfig.GREEDY, StepHooks.FULL, 128)) {
            d.generate(prompt, 20, t -> direct.add(t) && !model.tokenizer().isEndOfGeneration(t));
        }
        StringBuilder streamed = new StringBuilder();
        try (Session s = model.newSession(SessionOptions.defaults(128))) {
            Generation g = s.generate("Once upon a time", 20, piece -> streamed.append(piece) != null);
            int n = g.tokens().length;
            assertEquals(direct.subList(0, n), toList(g.tokens()));
            assertEquals(g.text(), streamed.toString());
            assertEquals(model.tokenizer().decode(g.tokens()), g.text());
            assertTrue(g.stop() == Generation.StopReason.MAX_TOKENS || g.stop() == Generation.StopReason.END_OF_TEXT);
        }
    }

    /**
     * A chat re-sends the conversation: the session keeps the KV rows of the common prefix, runs only
     * the new tokens, and produces exactly what a fresh session does (batch-invariant kernels make the
     * reused rows bit-identical to a fresh prefill's).
     */
    @Test
    void aRepeatedPrefixIsNotRecomputedAndChangesNothing() {
        int[] first = model.tokenizer().encode("Once upon a time", true);
        try (Session s = model.newSession(SessionOptions.defaults(128))) {
            Generation g1 = s.generate(first, 12, (String p) -> true);
            int[] second = java.util.stream.IntStream.concat(java.util.Arrays.stream(first), java.util.stream.IntStream.concat(
                    java.util.Arrays.stream(g1.tokens()), java.util.Arrays.stream(model.tokenizer().encode(" and then", false)))).toArray();
            Generation g2 = s.generate(second, 12, (String p) -> true);
            // the cache held the prompt and all generated tokens but the last (never run)
            assertEquals(second.length - (first.length + g1.tokens().length - 1), g2.stats().promptTokens());
            try (Session fresh = model.newSession(SessionOptions.defaults(128))) {
                Generation want = fresh.generate(second, 12, (String p) -> true);
                assertEquals(second.length, want.stats().promptTokens());
                assertArrayEquals(want.tokens(), g2.tokens());
            }
            Generation g3 = s.generate(first, 12, (String p) -> true); // a shorter prompt rewinds the cache
            assertArrayEquals(g1.tokens(), g3.tokens());
            assertEquals(1, g3.stats().promptTokens(), "all but the last prompt token reused");
        }
    }

    /** Each streamed piece carries the depth of its prediction: every layer for plain decoding. */
    @Test
    void streamedPiecesCarryTheLayersThatPredictedThem() {
        try (Session s = model.newSession(SessionOptions.defaults(128))) {
            List<Integer> depths = new ArrayList<>();
            s.generate(model.tokenizer().encode("Once upon a time", true), 10, (piece, layers) -> depths.add(layers));
            assertTrue(!depths.isEmpty());
            depths.forEach(d -> assertEquals(model.config().layers(), d));
        }
    }

    @Test
    void stopStringsEndGenerationAndAreNotReturned() {
        try (Session s = model.newSession(SessionOptions.defaults(128))) {
            Generation full = s.generate("Once upon a time", 30);
            if (full.text().length() < 4) {
                return; // nothing to cut
            }
            String stop = full.text().substring(full.text().length() / 2, full.text().length() / 2 + 2);
            try (Session t = model.newSession(SessionOptions.defaults(128).withStopStrings(List.of(stop)))) {
                StringBuilder streamed = new StringBuilder();
                Generation cut = t.generate("Once upon a time", 30, p -> streamed.append(p) != null);
                assertEquals(Generation.StopReason.STOP_STRING, cut.stop());
                assertEquals(full.text().substring(0, full.text().indexOf(stop)), cut.text());
                assertEquals(cut.text(), streamed.toString());
            }
        }
    }

    /** Two threads generating from one shared model get what each gets alone. */
    @Test
    void sessionsOnSeveralThreadsMatchSequentialRuns() throws Exception {
        String[] prompts = {"Once upon a time", "The quick brown fox", "In 1492,", "Hello"};
        List<String> alone = new ArrayList<>();
        for (String p : prompts) {
            try (Session s = model.newSession(SessionOptions.defaults(64).withSampling(SamplingConfig.sample(0.8f, 5)))) {
                alone.add(s.generate(p, 16).text());
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<String>> futures = new ArrayList<>();
            for (int round = 0; round < 2; round++) {
                for (String p : prompts) {
                    futures.add(pool.submit(() -> {
                        try (Session s = model.newSession(SessionOptions.defaults(64).withSampling(SamplingConfig.sample(0.8f, 5)))) {
                            return s.generate(p, 16).text();
                        }
                    }));
                }
            }
            for (int i = 0; i < futures.size(); i++) {
                assertEquals(alone.get(i % prompts.length), futures.get(i).get());
            }
        } finally {
            pool.shutdown();
        }
    }

    /**
     * Weights used in place are the file's bytes, mapped read-only: a write is refused, never a crash or
     * a changed file. (The CPU computes matrices from packed copies; the token embedding stays mapped.)
     */
    @Test
    void mappedWeightsAreReadOnly() {
        var wq = model.llama().weights().tokenEmbedding().rows(0, 64);
        IllegalArgumentException w = assertThrows(IllegalArgumentException.class, () -> wq.setFloat(0, 1f));
        assertTrue(w.getMessage().contains("read-only"), w.getMessage());
        try (var x = dev.skipllama.tensor.Tensor.allocate(dev.skipllama.tensor.DType.F32, 1, 64)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cpu.matmul(wq, x, wq.rows(0, 1)));
            assertTrue(e.getMessage().contains("matmul: out F32[1, 64] is read-only"), e.getMessage());
        }
    }

    @Test
    void badInputGetsClearErrors() throws IOException {
        IOException missing = assertThrows(IOException.class, () -> Model.load(dir.resolve("nope.gguf"), cpu));
        assertTrue(missing.getMessage().contains("no such model file"), missing.getMessage());
        Path junk = Files.writeString(dir.resolve("junk.bin"), "not a model");
        IOException bad = assertThrows(IOException.class, () -> Model.load(junk, cpu));
        assertTrue(bad.getMessage().contains("not a GGUF file"), bad.getMessage());
        try (Session s = model.newSession(SessionOptions.defaults(16))) {
            IllegalArgumentException oov = assertThrows(IllegalArgumentException.class,
                    () -> s.generate(new int[]{1, 32000}, 4, p -> true));
            assertTrue(oov.getMessage().contains("32000"), oov.getMessage());
            assertThrows(dev.skipllama.transformer.llama.ContextOverflowException.class,
                    () -> s.generate(new int[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 10, p -> true));
        }
        IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                () -> model.newSession(SessionOptions.defaults(257)));
        assertTrue(tooLong.getMessage().contains("256"), tooLong.getMessage());
    }

    private static List<Integer> toList(int[] a) {
        List<Integer> l = new ArrayList<>();
        for (int v : a) {
            l.add(v);
        }
        return l;
    }
}

package dev.skipllama.transformer.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.tensor.Tensor;
import dev.skipllama.tensor.cpu.CpuBackend;
import dev.skipllama.transformer.generate.StandardDecoder;
import dev.skipllama.transformer.generate.StepHooks;
import dev.skipllama.transformer.json.Json;
import dev.skipllama.transformer.llama.ForwardHooks;
import dev.skipllama.transformer.llama.KvCache;
import dev.skipllama.transformer.llama.Workspace;
import dev.skipllama.transformer.safetensors.SafetensorsFile;
import dev.skipllama.transformer.sampling.SamplingConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The decoder against PyTorch: the embedded model's reference fixtures (fp32, computed by
 * training/make_reference.py from the exported weights) for the tokenizer, the full model's
 * logits, every layer's early-exit logits and hidden state, and 32 greedy tokens.
 */
class EmbeddedModelReferenceTest {
    static final Path DIR = Path.of("../models/tiny-layerskip");
    /** Stated tolerance: max |ours − PyTorch| ≤ 1e-4 · max |PyTorch| over a row. */
    static final double REL = 1e-4;

    static CpuBackend cpu;
    static Model model;
    static SafetensorsFile ref;
    static List<Map<String, Object>> prompts;
    static int kLast;
    /** The largest max|diff| / max|ref| seen, reported after the run. */
    static double worst;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void load() throws IOException {
        cpu = new CpuBackend(2);
        model = Model.load(DIR, cpu);
        ref = SafetensorsFile.open(DIR.resolve("reference/reference.safetensors"));
        Map<String, Object> doc = Json.parseObject(Files.readString(DIR.resolve("reference/reference.json")));
        prompts = (List<Map<String, Object>>) doc.get("prompts");
        kLast = ((Long) doc.get("k_last")).intValue();
        assertEquals("fp32", doc.get("precision"));
    }

    @AfterAll
    static void close() {
        System.out.printf("embedded model vs PyTorch: worst row max|diff|/max|ref| = %.2e (tolerance %.0e)%n", worst, REL);
        ref.close();
        model.close();
        cpu.close();
    }

    @Test
    void tokenizerMatchesSentencePiece() {
        for (Map<String, Object> p : prompts) {
            assertArrayEquals(ints(p.get("token_ids")), model.tokenizer().encode((String) p.get("prompt"), true),
                    "prompt " + p.get("index"));
        }
    }

    @Test
    void fullModelLogitsMatchPyTorch() {
        for (Map<String, Object> p : prompts) {
            int[] ids = ints(p.get("token_ids"));
            Tensor want = ref.tensor("p" + p.get("index") + ".logits_last");
            try (KvCache cache = new KvCache(model.config(), ids.length); Workspace ws = model.llama().workspace(ids.length, kLast)) {
                Tensor got = model.llama().forward(ids, cache, ws, ForwardHooks.FULL, kLast);
                for (int r = 0; r < kLast; r++) {
                    assertRowClose(want.row(r).toFloatArray(), got.row(r).toFloatArray(), "prompt " + p.get("index") + " row " + r);
                }
            }
        }
    }

    /** LayerSkip's shared head on each layer's output, and the hidden states themselves. */
    @Test
    void everyEarlyExitAndHiddenStateMatchesPyTorch() {
        int layers = model.config().layers();
        for (Map<String, Object> p : prompts) {
            int[] ids = ints(p.get("token_ids"));
            String key = "p" + p.get("index");
            Tensor exits = ref.tensor(key + ".exit_logits");
            Tensor hidden = ref.tensor(key + ".hidden_last");
            List<float[]> states = new ArrayList<>();
            try (KvCache cache = new KvCache(model.config(), ids.length); Workspace ws = model.llama().workspace(ids.length, 1)) {
                model.llama().forward(ids, cache, ws, new ForwardHooks() {
                    @Override
                    public void afterLayer(int layer, Tensor h) {
                        states.add(h.row(ids.length - 1).toFloatArray());
                    }
                }, 1);
            }
            for (int l = 0; l < layers; l++) {
                assertRowClose(hidden.row(l + 1).toFloatArray(), states.get(l), key + " hidden state after layer " + (l + 1));
                int exit = l;
                try (KvCache cache = new KvCache(model.config(), ids.length); Workspace ws = model.llama().workspace(ids.length, 1)) {
                    Tensor got = model.llama().forward(ids, cache, ws, new ForwardHooks() {
                        @Override
                        public boolean exitAfter(int layer, Tensor h) {
                            return layer == exit;
                        }
                    }, 1);
                    assertRowClose(exits.row(l).toFloatArray(), got.row(0).toFloatArray(), key + " exit after layer " + (l + 1));
                }
            }
        }
    }

    @Test
    void greedyGenerationMatchesPyTorch() {
        int eos = model.tokenizer().eos();
        for (Map<String, Object> p : prompts) {
            int[] want = ints(p.get("greedy_token_ids"));
            int[] ids = ints(p.get("token_ids"));
            List<Integer> got = new ArrayList<>();
            try (StandardDecoder d = new StandardDecoder(model.llama(), SamplingConfig.GREEDY, StepHooks.FULL, ids.length + want.length)) {
                d.generate(ids, want.length, t -> got.add(t) && t != eos);
            }
            assertArrayEquals(want, got.stream().mapToInt(Integer::intValue).toArray(), "prompt " + p.get("index"));
        }
    }

    static void assertRowClose(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        double scale = 0, err = 0;
        for (int i = 0; i < want.length; i++) {
            scale = Math.max(scale, Math.abs(want[i]));
            err = Math.max(err, Math.abs((double) want[i] - got[i]));
        }
        double e = err, s = scale;
        worst = Math.max(worst, err / scale);
        assertTrue(err <= REL * scale, () -> what + ": max |diff| " + e + " > " + REL + " · " + s);
    }

    static int[] ints(Object list) {
        return ((List<?>) list).stream().mapToInt(o -> ((Long) o).intValue()).toArray();
    }
}

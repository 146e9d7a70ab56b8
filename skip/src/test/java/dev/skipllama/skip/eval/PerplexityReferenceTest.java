package dev.skipllama.skip.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.skipllama.skip.SkipMethods;
import dev.skipllama.tensor.cpu.CpuBackend;
import dev.skipllama.transformer.ProgressListener;
import dev.skipllama.transformer.json.Json;
import dev.skipllama.transformer.model.Model;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Perplexity of the embedded model on held-out text against PyTorch on the same weights
 * (training/perplexity_reference.py, fp32, windows of 200 tokens): the full model and a fixed exit
 * after 6 layers, to 1e-4 relative (fp32 logits agree to ~1e-6; the sum of ~1000 log-probabilities
 * is in double on both sides).
 */
class PerplexityReferenceTest {
    @Test
    void matchesPyTorch() throws Exception {
        Path dir = Path.of("../models/tiny-layerskip");
        Map<String, Object> ref = Json.parseObject(Files.readString(dir.resolve("reference/perplexity.json")));
        try (CpuBackend cpu = new CpuBackend(2); Model model = Model.load(dir, cpu)) {
            int[] ids = model.tokenizer().encode((String) ref.get("text"), true);
            int[] want = ((List<?>) ref.get("ids")).stream().mapToInt(o -> ((Number) o).intValue()).toArray();
            assertArrayEquals(want, ids, "our tokenizer encodes the text as sentencepiece does");
            int window = ((Number) ref.get("window")).intValue();
            for (String name : List.of("full", "exit")) {
                @SuppressWarnings("unchecked")
                Map<String, Object> r = (Map<String, Object>) ref.get(name);
                var method = name.equals("full") ? null : SkipMethods.parse("exit:" + r.get("layers"), model.llama(), null);
                Perplexity.Result got = Perplexity.of(model.llama(), method, ids, window, ProgressListener.NONE);
                assertEquals(((Number) r.get("scored")).longValue(), got.scored(), name);
                double p = ((Number) r.get("perplexity")).doubleValue();
                assertEquals(p, got.perplexity(), 1e-4 * p, name + ": PyTorch " + p + ", ours " + got.perplexity());
            }
        }
    }
}

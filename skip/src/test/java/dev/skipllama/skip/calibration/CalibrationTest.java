package dev.skipllama.skip.calibration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.skip.Fixtures;
import dev.skipllama.skip.TinyModel;
import dev.skipllama.tensor.ref.ReferenceBackend;
import dev.skipllama.transformer.llama.Llama;
import dev.skipllama.transformer.llama.LlamaConfig;
import dev.skipllama.transformer.tokenizer.Tokenizer;
import dev.skipllama.transformer.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class CalibrationTest {
    private static final ReferenceBackend BACKEND = new ReferenceBackend();

    @AfterAll
    static void close() {
        BACKEND.close();
    }

    @Test
    void anIdentityLayerHasCosineOneAndZeroBlockInfluence() {
        LlamaConfig c = TinyModel.config(TinyModel.LAYERS);
        Llama model = new Llama(c, TinyModel.zeroed(TinyModel.weights(c, 31), 2, true, true), BACKEND);
        Calibration cal = Fixtures.calibration(model);
        assertEquals(1.0, cal.layerCosine()[2], 1e-12);
        assertEquals(1.0, cal.attentionCosine()[2], 1e-12);
        assertEquals(1.0, cal.ffnCosine()[2], 1e-12);
        assertEquals(0.0, cal.blockInfluence()[2], 1e-12);
        for (int l = 0; l < c.layers(); l++) {
            if (l != 2) {
                assertTrue(cal.blockInfluence()[l] > 0.01, "layer " + l + " BI " + cal.blockInfluence()[l]);
            }
        }
        assertEquals(Fixtures.CALIBRATION.stream().mapToInt(s -> s.length).sum(), cal.tokens());
    }

    /** Chunked forwards extend one KV cache: statistics do not depend on the chunk size. */
    @Test
    void chunkSizeDoesNotChangeTheStatistics() {
        Llama model = TinyModel.model(BACKEND, 32);
        Calibration whole = Calibration.measure(model, Fixtures.CALIBRATION, 64);
        Calibration bits = Calibration.measure(model, Fixtures.CALIBRATION, 4);
        for (int l = 0; l < TinyModel.LAYERS; l++) {
            assertEquals(whole.layerCosine()[l], bits.layerCosine()[l], 1e-5, "layer " + l);
            assertEquals(whole.attentionCosine()[l], bits.attentionCosine()[l], 1e-5, "attention " + l);
            assertEquals(whole.ffnCosine()[l], bits.ffnCosine()[l], 1e-5, "ffn " + l);
        }
    }

    /** One passage per non-blank line, BOS first, cut to the context length. */
    @Test
    void passagesAreTheNonBlankLinesEncodedAndCut() throws IOException {
        Tokenizer tok = Tokenizers.load(Path.of("../models/tiny-layerskip"));
        String longLine = "the cat sat on the mat and then the dog sat on the cat";
        List<int[]> p = Calibration.passages(tok, List.of("  ", "Once upon a time", "", longLine), 5);
        assertEquals(2, p.size());
        assertTrue(tok.encode("Once upon a time", true).length <= 5, "the short line fits the context");
        assertArrayEquals(tok.encode("Once upon a time", true), p.get(0));
        assertEquals(5, p.get(1).length);
        assertArrayEquals(Arrays.copyOf(tok.encode(longLine, true), 5), p.get(1));
        assertEquals(tok.bos(), p.get(1)[0]);
    }

    @Test
    void badInputIsRejected() {
        Llama model = TinyModel.model(BACKEND, 32);
        assertThrows(IllegalArgumentException.class, () -> Calibration.measure(model, List.of()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Calibration.measure(model, List.of(new int[]{1}, new int[0])));
        assertTrue(e.getMessage().contains("sequence 1 has 0 tokens"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Calibration.measure(model, List.of(new int[65])));
    }

    @Test
    void cosineEdgeCases() {
        assertEquals(1.0, Cosine.of(new float[]{0, 0}, new float[]{0, 0}));
        assertEquals(0.0, Cosine.of(new float[]{0, 0}, new float[]{1, 0}));
        assertEquals(-1.0, Cosine.of(new float[]{1, 2}, new float[]{-2, -4}), 1e-15);
        assertEquals(0.0, Cosine.of(new float[]{1, 0}, new float[]{0, 3}));
    }
}

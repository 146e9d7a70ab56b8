package dev.skipllama.transformer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.tensor.DType;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The warm-up runs throwaway generations over the KV cache type asked for, and leaves no trace in what sessions generate. */
class WarmUpTest {
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16"})
    void warmsUpWithoutChangingTheText(DType kv) throws IOException {
        try (Model model = Model.load(EmbeddedModel.DIR)) {
            SessionOptions options = SessionOptions.defaults(64).withKvType(kv);
            String before;
            try (Session s = model.newSession(options)) {
                before = s.generate("Once upon a time", 16).text();
            }
            WarmUp w = model.warmUp(Duration.ofMillis(400), kv);
            assertTrue(w.rounds() >= 1 && w.tokens() > 0, w.toString());
            try (Session s = model.newSession(options)) {
                assertEquals(before, s.generate("Once upon a time", 16).text());
            }
        }
    }
}

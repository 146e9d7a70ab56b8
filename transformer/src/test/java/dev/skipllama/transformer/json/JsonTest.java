package dev.skipllama.transformer.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void parsesAConfigLikeObject() {
        Map<String, Object> m = Json.parseObject("""
                {"architectures": ["LlamaForCausalLM"], "hidden_size": 192, "rms_norm_eps": 1e-05,
                 "rope_scaling": null, "tie_word_embeddings": false, "name": "a\\u00e9\\n\\"b\\"",
                 "big": 123456789012345678901234, "neg": -0.5}""");
        assertEquals(List.of("LlamaForCausalLM"), m.get("architectures"));
        assertEquals(192L, m.get("hidden_size"));
        assertEquals(1e-5, m.get("rms_norm_eps"));
        assertNull(m.get("rope_scaling"));
        assertTrue(m.containsKey("rope_scaling"));
        assertEquals(false, m.get("tie_word_embeddings"));
        assertEquals("aé\n\"b\"", m.get("name"));
        assertEquals(1.2345678901234568e23, m.get("big"));
        assertEquals(-0.5, m.get("neg"));
    }

    @Test
    void surrogatePairsSurvive() {
        assertEquals("😀", Json.parse("\"\\ud83d\\ude00\""));
        assertEquals("😀", Json.parse("\"😀\""));
    }

    @Test
    void errorsSayWhereAndWhat() {
        JsonException e = assertThrows(JsonException.class, () -> Json.parse("{\"a\": 1,\n \"b\" 2}"));
        assertTrue(e.getMessage().contains("expected ':'") && e.getMessage().contains("line 2"), e.getMessage());
        assertThrows(JsonException.class, () -> Json.parse("[1, 2"));
        assertThrows(JsonException.class, () -> Json.parse("01"));
        assertThrows(JsonException.class, () -> Json.parse("\"a\tb\""));
        assertThrows(JsonException.class, () -> Json.parse("{} x"));
        assertThrows(JsonException.class, () -> Json.parse("[".repeat(1000) + "]".repeat(1000)));
        assertThrows(JsonException.class, () -> Json.parseObject("[1]"));
    }

    /** Any string survives being written as a JSON literal (with every char escaped) and parsed back. */
    @Property(tries = 500)
    void stringsRoundTrip(@ForAll String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            sb.append(String.format("\\u%04x", (int) c));
        }
        assertEquals(s, Json.parse(sb.append('"').toString()));
    }

    @Property(tries = 500)
    void quoteIsTheInverseOfParsingAString(@ForAll String s) {
        assertEquals(s, Json.parse(Json.quote(s)));
    }

    /** Truncating valid JSON anywhere gives a JsonException, never another exception. */
    @Property(tries = 300)
    void truncatedInputFailsCleanly(@ForAll("cut") int cut) {
        String doc = "{\"a\": [1, 2.5e3, true, null, {\"b\": \"x\\\"y\"}], \"c\": -7}";
        String part = doc.substring(0, Math.min(cut, doc.length() - 1));
        assertThrows(JsonException.class, () -> Json.parse(part));
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<Integer> cut() {
        return net.jqwik.api.Arbitraries.integers().between(0, 60);
    }
}

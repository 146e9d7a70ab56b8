package dev.skipllama.transformer.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

/** The two real GGUF v3 files from llama.cpp load, with the values llama.cpp's gguf-py reports. */
class GgufFixtureTest {

    @Test
    void llamaSpmVocabulary() throws Exception {
        try (GgufFile f = GgufFile.open(Fixtures.SPM)) {
            assertEquals(3, f.version());
            assertEquals(32, f.alignment());
            assertEquals(22, f.metadata().size());
            assertEquals("general.architecture", f.metadata().keySet().iterator().next(), "insertion order kept");
            assertEquals("llama", f.getString("general.architecture"));
            assertEquals("llama", f.getString("tokenizer.ggml.model"));
            assertEquals(32, f.getLong("llama.block_count"));
            assertEquals(GgufType.UINT32, f.type("llama.block_count"));
            assertEquals(9.999999747378752e-06f, f.getFloat("llama.attention.layer_norm_rms_epsilon"));
            assertTrue(f.getBoolean("tokenizer.ggml.add_bos_token"));
            assertFalse(f.getBoolean("tokenizer.ggml.add_eos_token"));
            assertEquals(1, f.getLong("tokenizer.ggml.bos_token_id"));

            List<String> tokens = f.getStringArray("tokenizer.ggml.tokens");
            assertEquals(32000, tokens.size());
            assertEquals(List.of("<unk>", "<s>", "</s>", "<0x00>"), tokens.subList(0, 4));
            assertEquals("▁t", tokens.get(260)); // a SentencePiece piece with the U+2581 word marker
            float[] scores = f.getFloatArray("tokenizer.ggml.scores");
            assertEquals(32000, scores.length);
            assertEquals(0f, scores[0]);
            int[] types = f.getIntArray("tokenizer.ggml.token_type");
            assertArrayEquals(new int[]{2, 3, 3, 6}, java.util.Arrays.copyOf(types, 4)); // unknown, control, control, byte
            assertEquals(GgufType.INT32, ((GgufArray<?>) f.get("tokenizer.ggml.token_type")).elementType());

            assertTrue(f.tensors().isEmpty());
            assertThrows(UnsupportedOperationException.class, () -> f.metadata().put("x", 1L));
        }
    }

    @Test
    void llamaBpeVocabulary() throws Exception {
        try (GgufFile f = GgufFile.open(Fixtures.BPE)) {
            assertEquals(20, f.metadata().size());
            assertEquals("gpt2", f.getString("tokenizer.ggml.model"));
            assertEquals("llama-bpe", f.getString("tokenizer.ggml.pre"));
            assertEquals(500000f, f.getFloat("llama.rope.freq_base"));
            assertEquals(128256, f.getStringArray("tokenizer.ggml.tokens").size());
            assertEquals(List.of("!", "\"", "#"), f.getStringArray("tokenizer.ggml.tokens").subList(0, 3));
            List<String> merges = f.getStringArray("tokenizer.ggml.merges");
            assertEquals(280147, merges.size());
            assertEquals("Ġ Ġ", merges.get(0));
            assertEquals(128000, f.getLong("tokenizer.ggml.bos_token_id"));
            assertEquals(128256, f.getIntArray("tokenizer.ggml.token_type").length);
        }
    }

    @Test
    void gettersNameTheFileAndKeyOnMisuse() throws Exception {
        try (GgufFile f = GgufFile.open(Fixtures.SPM)) {
            NoSuchElementException missing = assertThrows(NoSuchElementException.class, () -> f.getLong("llama.nope"));
            assertTrue(missing.getMessage().contains("ggml-vocab-llama-spm.gguf") && missing.getMessage().contains("'llama.nope'"),
                    missing.getMessage());
            IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class, () -> f.getLong("general.name"));
            assertTrue(wrong.getMessage().contains("'general.name' is a STRING, expected an integer"), wrong.getMessage());
            IllegalArgumentException arr = assertThrows(IllegalArgumentException.class, () -> f.getFloatArray("tokenizer.ggml.tokens"));
            assertTrue(arr.getMessage().contains("an ARRAY of STRING"), arr.getMessage());
            assertEquals(7, f.getLong("llama.nope", 7));
            assertEquals("x", f.getString("llama.nope", "x"));
            assertEquals(32, f.getLong("llama.block_count", 7), "a default only replaces a missing key");
            assertTrue(f.find("llama.nope").isEmpty());
            assertThrows(NoSuchElementException.class, () -> f.tensor("token_embd.weight"));
        }
    }
}

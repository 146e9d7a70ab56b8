package dev.skipllama.transformer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every case of llama.cpp's Llama-2 (SentencePiece) and Llama-3 (byte-level BPE) vocabulary fixtures. */
class LlamaCppVocabFixtureTest {

    @Test
    void llamaSpmReproducesEveryCase() {
        checkAll("ggml-vocab-llama-spm.gguf", VocabFixtures.spm());
    }

    @Test
    void llamaBpeReproducesEveryCase() {
        checkAll("ggml-vocab-llama-bpe.gguf", VocabFixtures.bpe());
    }

    private static void checkAll(String name, Tokenizer tok) {
        List<VocabFixtures.Case> cases = VocabFixtures.cases(name);
        StringBuilder failures = new StringBuilder();
        int passed = 0;
        for (VocabFixtures.Case c : cases) {
            int[] ours = tok.encode(c.text());
            if (Arrays.equals(c.ids(), ours)) {
                passed++;
            } else {
                failures.append("\n  ").append(c).append("\n     ours: ").append(Arrays.toString(ours));
            }
        }
        System.out.println(name + ": " + passed + "/" + cases.size() + " cases reproduced");
        assertEquals(cases.size(), passed, name + ": " + passed + "/" + cases.size() + " cases reproduced" + failures);
    }

    @Test
    void theGuidesLlama2SentenceWithBos() {
        String text = "Once upon a time, there was a little girl named Lily.";
        int[] ids = {1, 9038, 2501, 263, 931, 29892, 727, 471, 263, 2217, 7826, 4257, 365, 2354, 29889};
        assertArrayEquals(ids, VocabFixtures.spm().encode(text, true));
        assertEquals(text, VocabFixtures.spm().decode(ids));
        assertEquals("<s>" + text, VocabFixtures.spm().decode(ids, true));
    }

    @Test
    void fixtureMetadataIsRead() {
        Tokenizer spm = VocabFixtures.spm();
        assertEquals(32000, spm.vocabSize());
        assertEquals(1, spm.bos());
        assertEquals(2, spm.eos());
        assertEquals(true, spm.addBosByDefault());
        Tokenizer bpe = VocabFixtures.bpe();
        assertEquals(128256, bpe.vocabSize());
        assertEquals(128000, bpe.bos());
        assertEquals("<|begin_of_text|>", bpe.vocabulary().piece(bpe.bos()));
        assertEquals(true, bpe.addBosByDefault());
    }
}

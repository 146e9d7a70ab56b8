package dev.skipllama.transformer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.transformer.gguf.GgufFile;
import dev.skipllama.transformer.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tokenizer.json reader: a Llama-3 tokenizer.json rebuilt from the llama.cpp BPE fixture's
 * vocabulary must tokenize every fixture case like the GGUF does; small files check both merge
 * spellings, tokenizer_config.json and the rejections.
 */
class HfTokenizerJsonTest {

    static String preTokenizer(String pattern) {
        return "{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Split\",\"pattern\":{\"Regex\":" + Json.quote(pattern)
                + "},\"behavior\":\"Isolated\",\"invert\":false},{\"type\":\"ByteLevel\",\"add_prefix_space\":false,"
                + "\"trim_offsets\":true,\"use_regex\":false}]}";
    }

    /** A tokenizer.json with the fixture GGUF's vocabulary, merges as [a, b] pairs or "a b" strings. */
    static String llama3Json(boolean pairMerges) throws IOException {
        try (GgufFile g = GgufFile.open(VocabFixtures.gguf("ggml-vocab-llama-bpe.gguf"))) {
            List<String> tokens = g.getStringArray("tokenizer.ggml.tokens");
            int[] types = g.getIntArray("tokenizer.ggml.token_type");
            List<String> merges = g.getStringArray("tokenizer.ggml.merges");
            StringBuilder sb = new StringBuilder(16 << 20);
            sb.append("{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":[");
            boolean first = true;
            for (int i = 0; i < tokens.size(); i++) {
                if (types[i] == TokenType.CONTROL.code()) {
                    sb.append(first ? "" : ",").append("{\"id\":").append(i).append(",\"content\":").append(Json.quote(tokens.get(i)))
                            .append(",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":false,\"special\":true}");
                    first = false;
                }
            }
            sb.append("],\"normalizer\":null,\"pre_tokenizer\":").append(preTokenizer(HfTokenizerJson.LLAMA3_PATTERN));
            sb.append(",\"post_processor\":{\"type\":\"Sequence\",\"processors\":[{\"type\":\"ByteLevel\"},{\"type\":\"TemplateProcessing\","
                    + "\"single\":[{\"SpecialToken\":{\"id\":\"<|begin_of_text|>\",\"type_id\":0}},{\"Sequence\":{\"id\":\"A\",\"type_id\":0}}]}]}");
            sb.append(",\"decoder\":{\"type\":\"ByteLevel\"},\"model\":{\"type\":\"BPE\",\"ignore_merges\":true,\"vocab\":{");
            first = true;
            for (int i = 0; i < tokens.size(); i++) {
                if (types[i] != TokenType.CONTROL.code()) {
                    sb.append(first ? "" : ",").append(Json.quote(tokens.get(i))).append(':').append(i);
                    first = false;
                }
            }
            sb.append("},\"merges\":[");
            for (int i = 0; i < merges.size(); i++) {
                String m = merges.get(i);
                int sp = m.indexOf(' ', 1);
                sb.append(i == 0 ? "" : ",");
                sb.append(pairMerges ? "[" + Json.quote(m.substring(0, sp)) + "," + Json.quote(m.substring(sp + 1)) + "]" : Json.quote(m));
            }
            return sb.append("]}}").toString();
        }
    }

    @Test
    void llama3TokenizerJsonTokenizesLikeTheGguf() throws IOException {
        ByteLevelBpeTokenizer fromJson = HfTokenizerJson.parse(llama3Json(true), null, "llama3 tokenizer.json");
        Tokenizer fromGguf = VocabFixtures.bpe();
        assertEquals(fromGguf.vocabulary().pieces(), fromJson.vocabulary().pieces());
        assertArrayEquals(fromGguf.vocabulary().types(), fromJson.vocabulary().types());
        assertEquals(128000, fromJson.bos());
        assertEquals(128001, fromJson.eos());
        assertTrue(fromJson.addBosByDefault());
        for (VocabFixtures.Case c : VocabFixtures.cases("ggml-vocab-llama-bpe.gguf")) {
            assertArrayEquals(c.ids(), fromJson.encode(c.text()), c.toString());
        }
    }

    /** A small byte-level vocabulary: the 256 byte characters, then "ab", "abc", "Ġa", specials. */
    private static String small(String merges, String extraModel) {
        StringBuilder vocab = new StringBuilder();
        for (int b = 0; b < 256; b++) {
            vocab.append(b == 0 ? "" : ",").append(Json.quote(String.valueOf(ByteUnicode.toChar(b)))).append(':').append(b);
        }
        vocab.append(",\"ab\":256,\"abc\":257,\"Ġa\":258");
        return "{\"added_tokens\":[{\"id\":259,\"content\":\"<s>\",\"special\":true},{\"id\":260,\"content\":\"</s>\",\"special\":true},"
                + "{\"id\":261,\"content\":\"[name]\",\"special\":false}],\"normalizer\":null,\"pre_tokenizer\":"
                + preTokenizer(HfTokenizerJson.LLAMA3_PATTERN) + ",\"model\":{\"type\":\"BPE\"" + extraModel
                + ",\"vocab\":{" + vocab + "},\"merges\":" + merges + "}}";
    }

    @Test
    void stringAndPairMergesMeanTheSame() {
        ByteLevelBpeTokenizer strings = HfTokenizerJson.parse(small("[\"a b\",\"Ġ a\"]", ""), null, "strings");
        ByteLevelBpeTokenizer pairs = HfTokenizerJson.parse(small("[[\"a\",\"b\"],[\"Ġ\",\"a\"]]", ""), null, "pairs");
        for (String s : new String[] {"abc ab", " a", "cab", " ac"}) {
            assertArrayEquals(strings.encode(s), pairs.encode(s), s);
        }
        // Without ignore_merges "abc" has no merge path to token 257: "ab" + "c". In " ab" the
        // better-ranked "a b" wins over "Ġ a", leaving Ġ (the space byte, id 32) alone.
        assertArrayEquals(new int[] {256, 'c', 32, 256}, strings.encode("abc ab"));
        assertArrayEquals(new int[] {258, 'c'}, strings.encode(" ac"));
        assertEquals(2, strings.mergeCount());
    }

    @Test
    void ignoreMergesTakesAWordThatIsAToken() {
        ByteLevelBpeTokenizer tok = HfTokenizerJson.parse(small("[\"a b\"]", ",\"ignore_merges\":true"), null, "t");
        assertArrayEquals(new int[] {257}, tok.encode("abc"));
    }

    @Test
    void specialsAndUserDefinedTokens() {
        ByteLevelBpeTokenizer tok = HfTokenizerJson.parse(small("[]", ""), null, "t");
        assertEquals(-1, tok.bos()); // no post-processor template and no tokenizer_config.json: no BOS
        assertEquals(260, tok.eos());
        // user-defined tokens are matched even in plain text; control tokens only when parsing specials
        assertArrayEquals(new int[] {'x', 261}, tok.encode("x[name]"));
        assertArrayEquals(new int[] {'<', 's', '>'}, tok.encode("<s>"));
        assertArrayEquals(new int[] {259}, tok.encode("<s>", false, true));
        assertEquals("x[name]", tok.decode(new int[] {'x', 261, 260}));
        assertEquals("x[name]</s>", tok.decode(new int[] {'x', 261, 260}, true));
    }

    @Test
    void tokenizerConfigGivesBosEosAndAddBos(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), small("[]", ""));
        Files.writeString(dir.resolve("tokenizer_config.json"),
                "{\"add_bos_token\":false,\"bos_token\":{\"content\":\"<s>\",\"lstrip\":false},\"eos_token\":\"</s>\"}");
        ByteLevelBpeTokenizer tok = HfTokenizerJson.load(dir.resolve("tokenizer.json"));
        assertEquals(259, tok.bos());
        assertEquals(260, tok.eos());
        assertEquals(false, tok.addBosByDefault());
        assertTrue(tok.isEndOfGeneration(260));
    }

    @Test
    void rejectsWhatItCannotTokenizeFaithfully() {
        String gpt2 = small("[]", "").replace(preTokenizer(HfTokenizerJson.LLAMA3_PATTERN),
                "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"use_regex\":true}");
        assertTrue(assertThrows(TokenizerFormatException.class, () -> HfTokenizerJson.parse(gpt2, null, "gpt2.json"))
                .getMessage().contains("gpt2.json: pre_tokenizer object {type=ByteLevel"));
        String normalized = small("[]", "").replace("\"normalizer\":null", "\"normalizer\":{\"type\":\"NFC\"}");
        assertTrue(assertThrows(TokenizerFormatException.class, () -> HfTokenizerJson.parse(normalized, null, "n"))
                .getMessage().contains("a normalizer (object {type=NFC}) is not supported"));
        String unigram = small("[]", "").replace("\"type\":\"BPE\"", "\"type\":\"Unigram\"");
        assertTrue(assertThrows(TokenizerFormatException.class, () -> HfTokenizerJson.parse(unigram, null, "u"))
                .getMessage().contains("model.type is string Unigram; only \"BPE\""));
        assertTrue(assertThrows(TokenizerFormatException.class,
                () -> HfTokenizerJson.parse(small("[\"a b\",[\"a\",\"b\"]]", ""), null, "m")).getMessage().contains("mixes"));
        assertTrue(assertThrows(TokenizerFormatException.class,
                () -> HfTokenizerJson.parse(small("[\"ab\"]", ""), null, "m")).getMessage()
                .contains("merge #0 'ab' is not two parts separated by a space"));
        assertTrue(assertThrows(TokenizerFormatException.class,
                () -> HfTokenizerJson.parse("{\"model\":", null, "cut.json")).getMessage().startsWith("cut.json: not valid JSON"));
    }

    /** Issue 14, case 7: a number where tokenizer.json expects a string is a named error, not a ClassCastException. */
    @Test
    void wrongJsonTypesAreNamedNotCast() {
        String typeNumber = small("[]", "").replace("\"type\":\"BPE\"", "\"type\":5");
        assertEquals("t.json: model.type is number 5; only \"BPE\" is supported",
                assertThrows(TokenizerFormatException.class, () -> HfTokenizerJson.parse(typeNumber, null, "t.json")).getMessage());
        String contentNumber = small("[]", "").replace("\"added_tokens\":[", "\"added_tokens\":[{\"id\":0,\"content\":7},");
        String m = assertThrows(TokenizerFormatException.class, () -> HfTokenizerJson.parse(contentNumber, null, "t.json")).getMessage();
        assertTrue(m.startsWith("t.json: added token ") && m.endsWith("has content number 7, expected a string"), m);
        String specialString = small("[]", "").replace("\"added_tokens\":[", "\"added_tokens\":[{\"id\":262,\"content\":\"x\",\"special\":\"yes\"},");
        m = assertThrows(TokenizerFormatException.class, () -> HfTokenizerJson.parse(specialString, null, "t.json")).getMessage();
        assertTrue(m.endsWith("has special string yes, expected true or false"), m);
    }
}

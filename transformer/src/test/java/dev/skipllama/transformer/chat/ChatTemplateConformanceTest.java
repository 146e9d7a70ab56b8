package dev.skipllama.transformer.chat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.skipllama.transformer.chat.ChatTemplate.Message;
import dev.skipllama.transformer.gguf.GgufFile;
import dev.skipllama.transformer.json.Json;
import dev.skipllama.transformer.tokenizer.GgufTokenizerLoader;
import dev.skipllama.transformer.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every chat template of llama.cpp's template test (tests/test-chat-template.cpp) and six templates
 * real GGUF files carry (models/templates: Llama-3.1/3.2, Mistral-Nemo, Qwen2.5 ChatML, Gemma-2,
 * Phi-3.5), rendered here and by llama.cpp's own chat layer on the same conversations and
 * vocabularies: the text and the token ids must be equal. The expected outputs in
 * chat-templates/expected.jsonl were produced by src/test/llama.cpp/chat_template_fixture.cpp, which
 * calls llama.cpp's common_chat_templates_apply and common_tokenize as llama-server does (README there).
 */
class ChatTemplateConformanceTest {
    static final Path DIR = Path.of("src/test/resources/chat-templates");
    /** What llama.cpp's harness passed as chat_template_kwargs, so Llama-3.1+ templates do not print today's date. */
    static final Map<String, Object> KWARGS = Map.of("date_string", "26 Jul 2024");

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> cases() throws IOException {
        return (List<Map<String, Object>>) Json.parse(Files.readString(DIR.resolve("cases.json")));
    }

    static Map<String, Map<String, Object>> expected() throws IOException {
        Map<String, Map<String, Object>> out = new HashMap<>();
        for (String line : Files.readAllLines(DIR.resolve("expected.jsonl"))) {
            Map<String, Object> e = Json.parseObject(line);
            out.put((String) e.get("name"), e);
        }
        return out;
    }

    static Tokenizer tokenizer(String relative) throws IOException {
        try (GgufFile f = GgufFile.open(DIR.resolve(relative).normalize())) {
            return GgufTokenizerLoader.load(f);
        }
    }

    @SuppressWarnings("unchecked")
    static List<Message> messages(Map<String, Object> c) {
        List<Message> out = new ArrayList<>();
        for (Object o : (List<Object>) c.get("messages")) {
            Map<String, Object> m = (Map<String, Object>) o;
            out.add(new Message((String) m.get("role"), (String) m.get("content")));
        }
        return out;
    }

    @TestFactory
    Stream<DynamicTest> sameTextAndTokensAsLlamaCpp() throws IOException {
        Map<String, Map<String, Object>> expected = expected();
        Map<String, Tokenizer> vocabs = new HashMap<>();
        List<DynamicTest> tests = new ArrayList<>();
        for (Map<String, Object> c : cases()) {
            String name = (String) c.get("name");
            tests.add(DynamicTest.dynamicTest(c.get("family") + ": " + name, () -> {
                Tokenizer tok = vocabs.computeIfAbsent((String) c.get("vocab"), v -> {
                    try {
                        return tokenizer(v);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                ChatTemplate t = ChatTemplate.of(Files.readString(DIR.resolve((String) c.get("template"))), tok);
                String text = t.render(messages(c), true, KWARGS);
                Map<String, Object> e = expected.get(name);
                assertEquals(e.get("text"), text, name);
                int[] ids = ((List<?>) e.get("ids")).stream().mapToInt(x -> ((Long) x).intValue()).toArray();
                assertArrayEquals(ids, t.tokenize(tok, text), name);
            }));
        }
        return tests.stream();
    }
}

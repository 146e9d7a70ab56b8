package dev.skipllama.transformer.chat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.transformer.chat.ChatTemplate.Message;
import dev.skipllama.transformer.chat.jinja.JinjaException;
import dev.skipllama.transformer.gguf.GgufFile;
import dev.skipllama.transformer.tokenizer.GgufTokenizerLoader;
import dev.skipllama.transformer.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Detection, fallbacks with their warnings, the built-in templates, and conversations a template refuses. */
class ChatTemplateTest {
    static Tokenizer load(String name) throws IOException {
        try (GgufFile f = GgufFile.open(Path.of("src/test/resources/llama.cpp-vocab/" + name))) {
            return GgufTokenizerLoader.load(f);
        }
    }

    @Test
    void llama3BuiltInAndDetectedFromTheVocabulary() throws IOException {
        Tokenizer tok = load("ggml-vocab-llama-bpe.gguf");
        List<String> warnings = new ArrayList<>();
        ChatTemplate t = ChatTemplate.detect(Optional.empty(), tok, warnings::add);
        assertEquals("llama3", t.name());
        assertEquals(List.of(), warnings);
        List<Message> chat = List.of(new Message("user", "Hello"));
        assertEquals("<|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n", t.render(chat));
        // <|begin_of_text|> <|start_header_id|> user <|end_header_id|> \n\n Hello <|eot_id|> <|start_header_id|> assistant <|end_header_id|> \n\n
        assertArrayEquals(new int[]{128000, 128006, 882, 128007, 271, 9906, 128009, 128006, 78191, 128007, 271}, t.encode(tok, chat));
    }

    @Test
    void llama2BuiltInHasOneBosPerExchange() throws IOException {
        Tokenizer tok = load("ggml-vocab-llama-spm.gguf");
        ChatTemplate t = ChatTemplate.named("Llama2", tok);
        // <s> ▁[ INST ] ▁Hello ▁[ / INST ]
        assertArrayEquals(new int[]{1, 518, 25580, 29962, 15043, 518, 29914, 25580, 29962}, t.encode(tok, List.of(new Message("user", "Hello"))));
        assertEquals("[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello! </s><s>[INST] Bye [/INST]",
                t.render(List.of(new Message("system", "Be brief."), new Message("user", "Hi"), new Message("assistant", "Hello!"),
                        new Message("user", "Bye"))));
        int[] ids = t.encode(tok, List.of(new Message("user", "Hi"), new Message("assistant", "Hello!"), new Message("user", "Bye")));
        assertEquals(2, java.util.Arrays.stream(ids).filter(i -> i == 1).count(), "one BOS per exchange");
        assertEquals(1, java.util.Arrays.stream(ids).filter(i -> i == 2).count(), "EOS after the assistant's turn");
    }

    @Test
    void plainTranscriptForBaseModels() throws IOException {
        Tokenizer tok = load("ggml-vocab-llama-spm.gguf");
        ChatTemplate t = ChatTemplate.detect(Optional.empty(), tok, w -> {
            throw new AssertionError("no warning expected for a model without a template: " + w);
        });
        assertEquals("plain", t.name());
        assertEquals("Tell stories.\n\nUser: Hi\nAssistant: Hello\nUser: More\nAssistant:",
                t.render(List.of(new Message("system", "Tell stories."), new Message("user", "Hi "), new Message("assistant", "Hello"),
                        new Message("user", "More"))));
        assertEquals(List.of("\nUser:"), t.stopStrings());
        // a user who types a control token's text gets text, not the control token
        int[] ids = t.encode(tok, List.of(new Message("user", "</s>")));
        assertEquals(1, java.util.Arrays.stream(ids).filter(i -> i == 2 || i == 1).count(), "only the BOS is a control token");
    }

    @Test
    void aTemplateThatCannotBeParsedFallsBackWithAWarningNamingTheFallback() throws IOException {
        Tokenizer tok = load("ggml-vocab-llama-spm.gguf");
        List<String> warnings = new ArrayList<>();
        ChatTemplate t = ChatTemplate.detect(Optional.of("{% call foo() %}<|im_start|>{% endcall %}"), tok, warnings::add);
        assertEquals("chatml", t.name());
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).contains("line 1, column 4") && warnings.get(0).contains("unsupported statement {% call %}")
                && warnings.get(0).contains("falling back to the built-in 'chatml' template"), warnings.get(0));
        warnings.clear();
        assertEquals("gemma", ChatTemplate.detect(Optional.of("{{ '<start_of_turn>' + }}"), tok, warnings::add).name());
        assertTrue(warnings.get(0).contains("expected an expression"), warnings.get(0));
    }

    @Test
    void systemMessagesAreMergedWhereTheTemplateHasNoSystemRole() throws IOException {
        Tokenizer tok = load("ggml-vocab-llama-spm.gguf");
        ChatTemplate gemma = ChatTemplate.named("gemma", tok);
        assertFalse(gemma.supportsSystemRole());
        assertEquals("<start_of_turn>user\nBe brief.\nHi<end_of_turn>\n<start_of_turn>model\n",
                gemma.render(List.of(new Message("system", "Be brief."), new Message("user", "Hi"))));
        assertTrue(ChatTemplate.named("chatml", tok).supportsSystemRole());
        // stop strings: end-of-turn markers this vocabulary has no token for
        assertEquals(List.of("<|im_end|>"), ChatTemplate.named("chatml", tok).stopStrings());
    }

    @Test
    void aConversationTheTemplateRefusesIsANamedError() throws IOException {
        Tokenizer tok = load("ggml-vocab-llama-spm.gguf");
        JinjaException e = assertThrows(JinjaException.class, () -> ChatTemplate.named("mistral", tok)
                .render(List.of(new Message("user", "a"), new Message("user", "b"))));
        assertTrue(e.raised());
        assertTrue(e.getMessage().contains("Conversation roles must alternate"), e.getMessage());
    }

    @Test
    void badNamesAndRoles() throws IOException {
        Tokenizer tok = load("ggml-vocab-llama-spm.gguf");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChatTemplate.named("vicuna", tok));
        assertTrue(e.getMessage().contains("known: llama3, llama2, mistral, chatml, gemma, phi3, plain"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Message("robot", "x"));
        assertThrows(IllegalArgumentException.class, () -> new Message("user", null));
        assertEquals("system", new Message("developer", "x").role());
    }
}

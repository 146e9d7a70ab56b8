package dev.skipllama.transformer.chat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.skipllama.transformer.chat.ChatTemplate.Message;
import dev.skipllama.transformer.gguf.GgufFile;
import dev.skipllama.transformer.tokenizer.GgufTokenizerLoader;
import dev.skipllama.transformer.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Chat prompts, token by token, on llama.cpp's own Llama-3 and Llama-2 vocabularies. The expected ids
 * are the widely published encodings of these exact prompts by Meta's tokenizers.
 */
class ChatTemplateTest {
    static Tokenizer load(String name) throws IOException {
        try (GgufFile f = GgufFile.open(Path.of("src/test/resources/llama.cpp-vocab/" + name))) {
            return GgufTokenizerLoader.load(f);
        }
    }

    @Test
    void llama3() throws IOException {
        Tokenizer tok = load("ggml-vocab-llama-bpe.gguf");
        assertEquals(ChatTemplate.LLAMA3, ChatTemplate.detect(Optional.empty(), tok));
        assertEquals(ChatTemplate.LLAMA3, ChatTemplate.detect(Optional.of("{{ '<|start_header_id|>' + message['role'] }}"), tok));
        List<Message> chat = List.of(new Message("user", "Hello"));
        assertEquals("<|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
                ChatTemplate.LLAMA3.render(chat));
        // <|begin_of_text|> <|start_header_id|> user <|end_header_id|> \n\n Hello <|eot_id|> <|start_header_id|> assistant <|end_header_id|> \n\n
        assertArrayEquals(new int[]{128000, 128006, 882, 128007, 271, 9906, 128009, 128006, 78191, 128007, 271},
                ChatTemplate.LLAMA3.encode(tok, chat));
    }

    @Test
    void llama2() throws IOException {
        Tokenizer tok = load("ggml-vocab-llama-spm.gguf");
        assertEquals(ChatTemplate.PLAIN, ChatTemplate.detect(Optional.empty(), tok));
        assertEquals(ChatTemplate.LLAMA2, ChatTemplate.detect(Optional.of("{{ bos_token + '[INST] ' + content }}"), tok));
        // <s> ▁[ INST ] ▁Hello ▁[ / INST ]
        assertArrayEquals(new int[]{1, 518, 25580, 29962, 15043, 518, 29914, 25580, 29962},
                ChatTemplate.LLAMA2.encode(tok, List.of(new Message("user", "Hello"))));
        assertEquals("<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello! </s><s>[INST] Bye [/INST]",
                ChatTemplate.LLAMA2.render(List.of(new Message("system", "Be brief."), new Message("user", "Hi"),
                        new Message("assistant", "Hello!"), new Message("user", "Bye"))));
        int[] ids = ChatTemplate.LLAMA2.encode(tok, List.of(new Message("user", "Hi"), new Message("assistant", "Hello!"),
                new Message("user", "Bye")));
        assertEquals(2, java.util.Arrays.stream(ids).filter(i -> i == 1).count(), "one BOS per exchange");
        assertEquals(1, java.util.Arrays.stream(ids).filter(i -> i == 2).count(), "EOS after the assistant's turn");
    }

    @Test
    void plainTranscriptForBaseModels() {
        assertEquals("Tell stories.\n\nUser: Hi\nAssistant: Hello\nUser: More\nAssistant:",
                ChatTemplate.PLAIN.render(List.of(new Message("system", "Tell stories."), new Message("user", "Hi "),
                        new Message("assistant", "Hello"), new Message("user", "More"))));
        assertEquals(List.of("\nUser:"), ChatTemplate.PLAIN.stopStrings());
    }

    @Test
    void badNamesAndRoles() {
        assertEquals(ChatTemplate.LLAMA2, ChatTemplate.named("Llama2"));
        assertThrows(IllegalArgumentException.class, () -> ChatTemplate.named("chatml"));
        assertThrows(IllegalArgumentException.class, () -> new Message("tool", "x"));
    }
}

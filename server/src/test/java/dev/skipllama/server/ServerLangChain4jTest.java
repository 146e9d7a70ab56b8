package dev.skipllama.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server through a client we did not write: LangChain4j's OpenAI module, as an application would
 * use it. A chat, a streamed chat, and concurrent chats whose greedy texts equal the same requests
 * made one at a time.
 */
class ServerLangChain4jTest {
    static ServerFixture s;

    @BeforeAll
    static void start() throws Exception {
        s = ServerFixture.start(ServerFixture.config().withApiKey("test-key").withParallel(2, 16));
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    static ChatModel chatModel() {
        return OpenAiChatModel.builder().baseUrl(s.server.url() + "/v1").apiKey("test-key").modelName("tiny-layerskip")
                .temperature(0.0).maxTokens(16).build();
    }

    @Test
    void chat() {
        ChatResponse r = chatModel().chat(dev.langchain4j.data.message.UserMessage.from("Tell me about the sea."));
        assertFalse(r.aiMessage().text().isBlank());
        assertEquals(16, r.tokenUsage().outputTokenCount(), r.toString());
        assertTrue(r.tokenUsage().inputTokenCount() > 5);
        assertEquals(r.aiMessage().text(), chatModel().chat("Tell me about the sea."), "greedy: the same again");
    }

    @Test
    void streamedChatEqualsTheWholeAnswer() throws Exception {
        StreamingChatModel model = OpenAiStreamingChatModel.builder().baseUrl(s.server.url() + "/v1").apiKey("test-key")
                .modelName("tiny-layerskip").temperature(0.0).maxTokens(16).build();
        List<String> parts = new ArrayList<>();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        model.chat("Tell me about the sea.", new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partial) {
                parts.add(partial);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse r = done.get(60, TimeUnit.SECONDS);
        assertTrue(parts.size() > 3, "streamed in pieces: " + parts);
        assertEquals(String.join("", parts), r.aiMessage().text());
        assertEquals(chatModel().chat("Tell me about the sea."), r.aiMessage().text());
    }

    @Test
    void concurrentRequestsGetTheTextsTheyGetAlone() throws Exception {
        List<String> prompts = List.of("Tell me about the sea.", "Once there was a dog.", "What did the girl find?",
                "The king was sad because", "Write about a red ball.", "Why is the sky blue?");
        ChatModel model = chatModel();
        List<String> alone = new ArrayList<>();
        for (String p : prompts) {
            alone.add(model.chat(p));
        }
        ExecutorService pool = Executors.newFixedThreadPool(prompts.size());
        try {
            for (int round = 0; round < 2; round++) {
                List<Future<String>> together = new ArrayList<>();
                for (String p : prompts) {
                    together.add(pool.submit(() -> model.chat(p)));
                }
                for (int i = 0; i < prompts.size(); i++) {
                    assertEquals(alone.get(i), together.get(i).get(60, TimeUnit.SECONDS), prompts.get(i));
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(s.server.idleSessions() <= 2, "sessions kept: at most --parallel");
    }
}

package dev.skipllama.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import dev.skipllama.transformer.chat.ChatTemplate;
import dev.skipllama.transformer.model.Model;
import dev.skipllama.transformer.model.Session;
import dev.skipllama.transformer.model.SessionOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The LangChain4j models on the embedded model: the same text as a session, streaming, skip and speculation options. */
class SkipLlamaChatModelTest {
    static Model model;

    @BeforeAll
    static void load() throws Exception {
        model = Model.load(Path.of("../models/tiny-layerskip"));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void answersAsASessionDoesOnTheRenderedConversation() {
        ChatModel chat = SkipLlamaChatModel.builder(model).maxTokens(12).build();
        ChatResponse r = chat.chat(SystemMessage.from("Tell stories."), UserMessage.from("About a fox, please."));
        ChatTemplate t = ChatTemplate.detect(model.chatTemplateSource(), model.tokenizer(), w -> { });
        int[] prompt = t.encode(model.tokenizer(), List.of(new ChatTemplate.Message("system", "Tell stories."),
                new ChatTemplate.Message("user", "About a fox, please.")));
        try (Session s = model.newSession(SessionOptions.defaults(256).withStopStrings(t.stopStrings()))) {
            assertEquals(s.generate(prompt, 12, (String p) -> true).text(), r.aiMessage().text());
        }
        assertEquals(prompt.length, r.tokenUsage().inputTokenCount());
        assertEquals(12, r.tokenUsage().outputTokenCount());
        assertEquals(FinishReason.LENGTH, r.finishReason());
        assertEquals("tiny-layerskip", r.modelName());
    }

    @Test
    void streamingGivesThePiecesOfTheSameAnswer() throws Exception {
        String whole = SkipLlamaChatModel.builder(model).maxTokens(16).build().chat("Once upon a time");
        List<String> parts = new ArrayList<>();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        SkipLlamaStreamingChatModel.builder(model).maxTokens(16).build().chat("Once upon a time", new StreamingChatResponseHandler() {
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
        assertEquals(whole, done.get(30, TimeUnit.SECONDS).aiMessage().text());
        assertEquals(whole, String.join("", parts));
        assertTrue(parts.size() > 3);
    }

    /** An F16 KV cache: the answer of a library session with one. */
    @Test
    void anF16KvCacheAnswersAsASessionWithOne() {
        String answer = SkipLlamaChatModel.builder(model).maxTokens(12).kvType(dev.skipllama.tensor.DType.F16).build().chat("Once upon a time");
        ChatTemplate t = ChatTemplate.detect(model.chatTemplateSource(), model.tokenizer(), w -> { });
        int[] prompt = t.encode(model.tokenizer(), List.of(new ChatTemplate.Message("user", "Once upon a time")));
        try (Session s = model.newSession(SessionOptions.defaults(256).withStopStrings(t.stopStrings())
                .withKvType(dev.skipllama.tensor.DType.F16))) {
            assertEquals(s.generate(prompt, 12, (String p) -> true).text(), answer);
        }
        assertThrows(IllegalArgumentException.class, () -> SkipLlamaChatModel.builder(model).kvType(dev.skipllama.tensor.DType.Q8_0).build());
    }

    @Test
    void skipAndSpeculationOptions() {
        String full = SkipLlamaChatModel.builder(model).maxTokens(16).build().chat("The old man");
        assertEquals(full, SkipLlamaChatModel.builder(model).maxTokens(16).speculate(6, 3).build().chat("The old man"),
                "self-speculation's greedy answer is the full model's");
        String exit = SkipLlamaChatModel.builder(model).maxTokens(16).skip("exit:3").build().chat("The old man");
        assertTrue(!exit.equals(full), "an exit after 3 of 12 layers changes this answer");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SkipLlamaChatModel.builder(model).skip("exit:6").speculate(6, 3).build());
        assertTrue(e.getMessage().contains("cannot be combined"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SkipLlamaChatModel.builder(model).skip("exit:40").build());
    }

    @Test
    void requestParametersOverrideTheDefaultsAndToolsAreRefused() {
        ChatModel chat = SkipLlamaChatModel.builder(model).maxTokens(30).build();
        ChatResponse r = chat.chat(ChatRequest.builder().messages(UserMessage.from("Hello")).maxOutputTokens(5).build());
        assertEquals(5, r.tokenUsage().outputTokenCount());
        ChatRequest tools = ChatRequest.builder().messages(UserMessage.from("Hello"))
                .toolSpecifications(ToolSpecification.builder().name("weather").build()).build();
        assertThrows(UnsupportedFeatureException.class, () -> chat.chat(tools));
    }
}

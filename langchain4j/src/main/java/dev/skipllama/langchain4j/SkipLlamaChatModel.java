package dev.skipllama.langchain4j;

import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.skipllama.transformer.model.Model;

/**
 * A LangChain4j {@link ChatModel} that runs a skipllama {@link Model} in this process:
 *
 * <pre>{@code
 * try (Model model = Model.load(Path.of("Llama-3.2-1B-Instruct-Q8_0.gguf"))) {
 *     ChatModel chat = SkipLlamaChatModel.builder(model).skip("exit:12").maxTokens(128).build();
 *     String answer = chat.chat("Why is the sky blue?");
 * }
 * }</pre>
 *
 * Each answer runs in a session of its own, closed afterwards; the model is the caller's and may be
 * shared by many chat models and threads. Thread-safe.
 */
public final class SkipLlamaChatModel implements ChatModel {
    private final Engine engine;

    private SkipLlamaChatModel(Engine engine) {
        this.engine = engine;
    }

    public static Builder builder(Model model) {
        return new Builder(model);
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        return engine.answer(request, piece -> true);
    }

    @Override
    public ModelProvider provider() {
        return ModelProvider.OTHER;
    }

    /** Builds a {@link SkipLlamaChatModel}. */
    public static final class Builder extends SkipLlamaBuilder<Builder> {
        Builder(Model model) {
            super(model);
        }

        /**
         * @throws IllegalArgumentException for options out of range, a skip spec the model rules out, or
         *                                  skip combined with speculation
         */
        public SkipLlamaChatModel build() {
            return new SkipLlamaChatModel(engine());
        }
    }
}

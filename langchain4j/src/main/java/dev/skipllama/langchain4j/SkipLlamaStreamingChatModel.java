package dev.skipllama.langchain4j;

import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.skipllama.transformer.model.Model;
import java.util.concurrent.Executor;

/**
 * A LangChain4j {@link StreamingChatModel} over a skipllama {@link Model}: the answer's text arrives
 * piece by piece in {@link StreamingChatResponseHandler#onPartialResponse(String)}, then
 * {@code onCompleteResponse}; a failure arrives in {@code onError}. The answer is generated on the
 * executor given to the builder (default: a new platform thread per answer, since generation is CPU
 * work), so {@code chat} returns at once. Thread-safe; the model is the caller's.
 */
public final class SkipLlamaStreamingChatModel implements StreamingChatModel {
    private final Engine engine;
    private final Executor executor;

    private SkipLlamaStreamingChatModel(Engine engine, Executor executor) {
        this.engine = engine;
        this.executor = executor;
    }

    public static Builder builder(Model model) {
        return new Builder(model);
    }

    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        executor.execute(() -> {
            ChatResponse r;
            try {
                r = engine.answer(request, piece -> {
                    handler.onPartialResponse(piece);
                    return true;
                });
            } catch (RuntimeException | Error e) {
                handler.onError(e);
                return;
            }
            handler.onCompleteResponse(r);
        });
    }

    @Override
    public ModelProvider provider() {
        return ModelProvider.OTHER;
    }

    /** The options of {@link SkipLlamaBuilder}, and where answers are generated. */
    public static final class Builder extends SkipLlamaBuilder<Builder> {
        private Executor executor = r -> {
            Thread t = new Thread(r, "skipllama-answer");
            t.setDaemon(true);
            t.start();
        };

        Builder(Model model) {
            super(model);
        }

        /** Where answers are generated (e.g. a bounded pool to limit how many run at once). */
        public Builder executor(Executor e) {
            executor = e;
            return this;
        }

        public SkipLlamaStreamingChatModel build() {
            return new SkipLlamaStreamingChatModel(engine(), executor);
        }
    }
}

package dev.skipllama.langchain4j;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import dev.skipllama.skip.SkipMethod;
import dev.skipllama.skip.SkipMethods;
import dev.skipllama.skip.calibration.Calibration;
import dev.skipllama.skip.speculative.Speculation;
import dev.skipllama.transformer.chat.ChatTemplate;
import dev.skipllama.transformer.chat.ChatTemplate.Message;
import dev.skipllama.transformer.model.Generation;
import dev.skipllama.transformer.model.Model;
import dev.skipllama.transformer.model.Session;
import dev.skipllama.transformer.model.SessionOptions;
import dev.skipllama.transformer.sampling.SamplingConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * What both chat models share: LangChain4j messages to our chat template, a request's parameters to
 * session options, a session per answer (closed after it), the result as a {@link ChatResponse}.
 * Immutable; the {@link Model} may serve many answers on many threads at once.
 */
final class Engine {
    private final Model model;
    private final SkipLlamaOptions options;
    private final ChatTemplate template;
    private final SkipMethod method; // built once, shared: each session gets its own per-sequence instance
    private final String modelName;

    Engine(Model model, SkipLlamaOptions options, ChatTemplate template, Supplier<Calibration> calibration, String modelName) {
        this.model = model;
        this.options = options;
        this.template = template != null ? template : ChatTemplate.detect(model.chatTemplateSource(), model.tokenizer());
        this.method = options.skip() == null ? null : SkipMethods.parse(options.skip(), model.llama(), calibration);
        if (options.speculateExit() >= model.config().layers()) {
            throw new IllegalArgumentException("speculation's draft depth E=" + options.speculateExit() + " must be below the model's "
                    + model.config().layers() + " layers");
        }
        if (options.context() > model.config().contextLength()) {
            throw new IllegalArgumentException("context " + options.context() + " exceeds the model's " + model.config().contextLength());
        }
        this.modelName = modelName;
    }

    /** Receives streamed text; false stops the answer. */
    interface Pieces {
        boolean accept(String piece);
    }

    ChatResponse answer(ChatRequest request, Pieces pieces) {
        if (request.toolSpecifications() != null && !request.toolSpecifications().isEmpty()) {
            throw new UnsupportedFeatureException("tools are not supported by skipllama's chat models");
        }
        if (request.responseFormat() != null && request.responseFormat().type() == ResponseFormatType.JSON) {
            throw new UnsupportedFeatureException("JSON response formats are not supported by skipllama's chat models");
        }
        int[] prompt = template.encode(model.tokenizer(), messages(request.messages()));
        int context = options.context() > 0 ? options.context() : model.config().contextLength();
        int room = context - prompt.length; // self-speculation needs no positions beyond the context
        if (room < 1) {
            throw new IllegalArgumentException("the conversation is " + prompt.length + " tokens; the context of " + context
                    + " leaves no room for an answer");
        }
        int maxTokens = Math.min(room, request.maxOutputTokens() != null ? request.maxOutputTokens() : options.maxTokens());
        List<String> stops = new ArrayList<>(template.stopStrings());
        stops.addAll(request.stopSequences() != null ? request.stopSequences() : options.stop());
        SessionOptions so = SessionOptions.defaults(context).withSampling(sampling(request)).withStopStrings(stops)
                .withKvType(options.kvType());
        if (method != null) {
            so = so.withSkip(method);
        } else if (options.speculateExit() > 0) {
            so = so.withSpeculation(Speculation.fixed(options.speculateExit(), options.speculateDraft()));
        }
        Generation g;
        try (Session session = model.newSession(so)) {
            g = session.generate(prompt, maxTokens, pieces::accept);
        }
        return ChatResponse.builder().aiMessage(AiMessage.from(g.text())).modelName(modelName)
                .tokenUsage(new TokenUsage(prompt.length, g.tokens().length))
                .finishReason(g.stop() == Generation.StopReason.MAX_TOKENS ? FinishReason.LENGTH : FinishReason.STOP)
                .build();
    }

    private SamplingConfig sampling(ChatRequest r) {
        double t = r.temperature() != null ? r.temperature() : options.temperature();
        double topP = r.topP() != null ? r.topP() : options.topP();
        int topK = r.topK() != null ? r.topK() : options.topK();
        return new SamplingConfig((float) t, topK, (float) topP, (float) options.minP(), (float) options.repeatPenalty(), 64,
                options.seed());
    }

    private static List<Message> messages(List<ChatMessage> in) {
        List<Message> out = new ArrayList<>();
        for (ChatMessage m : in) {
            switch (m) {
                case SystemMessage s -> out.add(new Message("system", s.text()));
                case UserMessage u -> {
                    if (!u.hasSingleText()) {
                        throw new UnsupportedFeatureException("only text user messages are supported (this model reads text)");
                    }
                    out.add(new Message("user", u.singleText()));
                }
                case AiMessage a -> out.add(new Message("assistant", a.text() == null ? "" : a.text()));
                default -> throw new UnsupportedFeatureException(m.type() + " messages are not supported by skipllama's chat models");
            }
        }
        return out;
    }

    String modelName() {
        return modelName;
    }
}

package dev.skipllama.langchain4j;

import dev.skipllama.skip.calibration.Calibration;
import dev.skipllama.tensor.DType;
import dev.skipllama.transformer.chat.ChatTemplate;
import dev.skipllama.transformer.model.Model;
import java.util.List;
import java.util.function.Supplier;

/**
 * Options shared by {@link SkipLlamaChatModel.Builder} and {@link SkipLlamaStreamingChatModel.Builder}.
 *
 * @param <B> the concrete builder, so that every setter returns it
 */
public abstract class SkipLlamaBuilder<B extends SkipLlamaBuilder<B>> {
    final Model model;
    int maxTokens = 256;
    double temperature = 0;
    double topP = 0.95;
    int topK = 40;
    double minP = 0.05;
    double repeatPenalty = 1;
    long seed = 42;
    String skip;
    int speculateExit;
    int speculateDraft;
    List<String> stop = List.of();
    int context;
    DType kvType = DType.F32;
    ChatTemplate template;
    Supplier<Calibration> calibration;
    String modelName;

    SkipLlamaBuilder(Model model) {
        this.model = model;
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    public B maxTokens(int n) {
        maxTokens = n;
        return self();
    }

    /** 0 (the default) is greedy. */
    public B temperature(double t) {
        temperature = t;
        return self();
    }

    public B topP(double p) {
        topP = p;
        return self();
    }

    public B topK(int k) {
        topK = k;
        return self();
    }

    public B minP(double p) {
        minP = p;
        return self();
    }

    public B repeatPenalty(double r) {
        repeatPenalty = r;
        return self();
    }

    public B seed(long s) {
        seed = s;
        return self();
    }

    /** A layer-skipping method, any {@code --skip} spec: {@code exit:6}, {@code d3:0.98}, {@code router:0.5}, … */
    public B skip(String spec) {
        skip = spec;
        return self();
    }

    /** Self-speculative decoding: draft d tokens with the first E layers, verify with the rest (greedy text unchanged). */
    public B speculate(int exitLayer, int draftTokens) {
        speculateExit = exitLayer;
        speculateDraft = draftTokens;
        return self();
    }

    public B stop(List<String> texts) {
        stop = texts;
        return self();
    }

    /** KV positions per conversation (default: the model's context). */
    public B context(int n) {
        context = n;
        return self();
    }

    /** The KV cache's element type: {@code DType.F16} halves its memory and attends as llama.cpp does (default F32). */
    public B kvType(DType t) {
        kvType = t;
        return self();
    }

    /** The chat template (default: the model's own, as {@link ChatTemplate#detect} finds it). */
    public B template(ChatTemplate t) {
        template = t;
        return self();
    }

    /** Calibration statistics for skip methods that rank layers (shortgpt, attn-drop, ffn-drop, router). */
    public B calibration(Supplier<Calibration> c) {
        calibration = c;
        return self();
    }

    /** The name reported in responses (default: the model's file or directory name). */
    public B modelName(String name) {
        modelName = name;
        return self();
    }

    Engine engine() {
        SkipLlamaOptions o = new SkipLlamaOptions(maxTokens, temperature, topP, topK, minP, repeatPenalty, seed, skip, speculateExit,
                speculateDraft, stop, context, kvType);
        String name = modelName != null ? modelName : java.nio.file.Path.of(model.source()).getFileName().toString();
        return new Engine(model, o, template, calibration, name);
    }
}

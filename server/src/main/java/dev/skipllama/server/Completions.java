package dev.skipllama.server;

import com.sun.net.httpserver.HttpExchange;
import dev.skipllama.transformer.chat.ChatTemplate;
import dev.skipllama.transformer.chat.ChatTemplate.Message;
import dev.skipllama.transformer.chat.jinja.JinjaException;
import dev.skipllama.transformer.generate.DecodeStats;
import dev.skipllama.transformer.model.Generation;
import dev.skipllama.transformer.model.Model;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * POST /v1/chat/completions and /v1/completions: validate (every 400 before any work), queue for a
 * generation thread, generate on a leased session, answer as one JSON object or as server-sent events.
 */
final class Completions {
    private final Model model;
    private final ChatTemplate template;
    private final ServerConfig config;
    private final Slots slots;
    private final Decoding decoding;
    private final Consumer<String> log;

    Completions(Model model, ChatTemplate template, ServerConfig config, Slots slots, Decoding decoding, Consumer<String> log) {
        this.model = model;
        this.template = template;
        this.config = config;
        this.slots = slots;
        this.decoding = decoding;
        this.log = log;
    }

    /** What to generate, validated. */
    private record Job(boolean chat, int[] prompt, int maxTokens, GenerationParams params, Decoding.Choice choice) {
    }

    void chat(HttpExchange ex) throws Exception {
        Fields f = Http.jsonBody(ex, config.maxBodyBytes());
        List<Message> messages = messages(f);
        GenerationParams p = GenerationParams.parse(f);
        String text;
        try {
            text = template.render(messages);
        } catch (JinjaException e) {
            throw ApiError.badRequest("messages", "the model's chat template (" + template.name() + ") cannot render these messages: "
                    + e.getMessage());
        }
        int[] prompt = template.tokenize(model.tokenizer(), text);
        List<String> stops = new ArrayList<>(template.stopStrings());
        stops.addAll(p.stop());
        run(ex, job(true, prompt, p, stops));
    }

    void text(HttpExchange ex) throws Exception {
        Fields f = Http.jsonBody(ex, config.maxBodyBytes());
        Object raw = f.get("prompt");
        if (raw instanceof List<?> l && l.size() == 1) {
            raw = l.get(0);
        }
        if (!(raw instanceof String prompt)) {
            throw raw == null ? ApiError.badRequest("prompt", "'prompt' is required: the text to continue")
                    : Fields.wrong("prompt", raw, "a string (or an array of one string)");
        }
        if (f.bool("echo", false)) {
            throw ApiError.badRequest("echo", "'echo' is not supported");
        }
        GenerationParams p = GenerationParams.parse(f);
        var tok = model.tokenizer();
        int[] ids = tok.encode(prompt, tok.addBosByDefault(), true); // as llama-server: BOS, control tokens parsed
        if (ids.length == 0) {
            throw ApiError.badRequest("prompt", "'prompt' is empty and the model has no BOS token to start from");
        }
        run(ex, job(false, ids, p, p.stop()));
    }

    private Job job(boolean chat, int[] prompt, GenerationParams p, List<String> stops) {
        Decoding.Choice choice = decoding.choose(p, config.context(), config.kvType(), stops);
        int context = choice.context();
        if (prompt.length >= context) {
            throw ApiError.badRequest(chat ? "messages" : "prompt", "the prompt is " + prompt.length
                    + " tokens; the server's context of " + context + " tokens leaves no room to generate");
        }
        int maxTokens;
        if (p.maxTokens() == null) {
            maxTokens = context - prompt.length;
        } else if (prompt.length + p.maxTokens() > context) {
            throw ApiError.badRequest("max_tokens", "'max_tokens' " + p.maxTokens() + " plus the prompt's " + prompt.length
                    + " tokens exceed the context of " + context + " tokens (at most " + (context - prompt.length) + " here)");
        } else {
            maxTokens = (int) (long) p.maxTokens();
        }
        return new Job(chat, prompt, maxTokens, p, choice);
    }

    private static List<Message> messages(Fields f) {
        Object raw = f.get("messages");
        if (raw == null) {
            throw ApiError.badRequest("messages", "'messages' is required: an array of {\"role\": ..., \"content\": ...}");
        }
        if (!(raw instanceof List<?> list) || list.isEmpty()) {
            throw Fields.wrong("messages", raw, "a non-empty array of {\"role\": ..., \"content\": ...}");
        }
        List<Message> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String where = "messages[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?> m)) {
                throw Fields.wrong(where, list.get(i), "an object {\"role\": ..., \"content\": ...}");
            }
            if (!(m.get("role") instanceof String role)) {
                throw Fields.wrong(where + ".role", m.get("role"), "one of \"system\", \"user\", \"assistant\", \"tool\"");
            }
            String content = content(m.get("content"), where + ".content", role);
            try {
                out.add(new Message(role, content));
            } catch (IllegalArgumentException e) {
                throw ApiError.badRequest(where + ".role", where + ": " + e.getMessage());
            }
        }
        return out;
    }

    /** A string, an array of {"type": "text", "text": ...} parts (joined), or null for an assistant turn without text. */
    private static String content(Object c, String where, String role) {
        if (c instanceof String s) {
            return s;
        }
        if (c == null && role.equals("assistant")) {
            return "";
        }
        if (c instanceof List<?> parts) {
            StringBuilder b = new StringBuilder();
            for (int k = 0; k < parts.size(); k++) {
                if (!(parts.get(k) instanceof Map<?, ?> part) || !"text".equals(part.get("type")) || !(part.get("text") instanceof String t)) {
                    throw ApiError.badRequest(where, where + "[" + k + "]: only {\"type\": \"text\", \"text\": ...} parts are supported "
                            + "(this model reads text only)");
                }
                b.append(t);
            }
            return b.toString();
        }
        throw Fields.wrong(where, c, "a string or an array of text parts");
    }

    private void run(HttpExchange ex, Job job) throws Exception {
        long t0 = System.nanoTime();
        String id = (job.chat ? "chatcmpl-" : "cmpl-") + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        long created = System.currentTimeMillis() / 1000;
        String summary = slots.run(() -> {
            Slots.Lease lease = slots.lease(job.choice().key(), job.prompt(), () -> model.newSession(job.choice().options()));
            try {
                lease.prompt = job.prompt();
                return job.params().stream() ? stream(ex, job, lease, id, created) : whole(ex, job, lease, id, created);
            } catch (RuntimeException | Error e) {
                lease.discard();
                throw e;
            } finally {
                lease.close();
            }
        });
        log.accept(String.format(java.util.Locale.ROOT, "%s %s %s (%.0f ms)", ex.getRequestMethod(), ex.getRequestURI().getPath(),
                summary, (System.nanoTime() - t0) / 1e6));
    }

    private String whole(HttpExchange ex, Job job, Slots.Lease lease, String id, long created) throws IOException {
        List<Integer> depths = new ArrayList<>();
        Generation g = lease.session.generate(job.prompt(), job.maxTokens(), (piece, layers) -> {
            depths.add(layers);
            return true;
        });
        lease.close(); // idle before the client has the answer and can send its next turn
        JsonOut o = new JsonOut().object()
                .field("id", id).field("object", job.chat ? "chat.completion" : "text_completion").field("created", created)
                .field("model", config.modelId())
                .key("choices").array().object().field("index", 0);
        if (job.chat) {
            o.key("message").object().field("role", "assistant").field("content", g.text()).end();
        } else {
            o.field("text", g.text());
        }
        o.field("logprobs", null).field("finish_reason", finishReason(g)).end().end();
        usage(o, job, g);
        extension(o, job, g, depths);
        Http.send(ex, 200, o.end().toString());
        return "200 " + g.tokens().length + " tokens, " + finishReason(g);
    }

    private String stream(HttpExchange ex, Job job, Slots.Lease lease, String id, long created) throws IOException {
        try (Sse sse = new Sse(ex)) {
            if (job.chat && !sse.send(chunk(job, id, created).key("choices").array().object().field("index", 0)
                    .key("delta").object().field("role", "assistant").field("content", "").end()
                    .field("logprobs", null).field("finish_reason", null).end().end().end().toString())) {
                return "client left before the first token";
            }
            List<Integer> depths = new ArrayList<>();
            Generation g;
            try {
                g = lease.session.generate(job.prompt(), job.maxTokens(), (piece, layers) -> {
                    depths.add(layers);
                    JsonOut c = chunk(job, id, created).key("choices").array().object().field("index", 0);
                    if (job.chat) {
                        c.key("delta").object().field("content", piece).end();
                    } else {
                        c.field("text", piece);
                    }
                    c.field("logprobs", null).field("finish_reason", null).end().end();
                    c.key("skipllama").object().field("layers", layers).end();
                    return sse.send(c.end().toString());
                });
            } catch (RuntimeException e) { // headers are out: the error goes as an event
                sse.send(new ApiError(500, "server_error", null, null, "generation failed: " + e.getMessage()).json());
                sse.done();
                throw e;
            }
            if (g.stop() == Generation.StopReason.CALLER) {
                return "client disconnected after " + g.tokens().length + " tokens: generation stopped";
            }
            lease.close(); // idle before the client has the last event and can send its next turn
            JsonOut end = chunk(job, id, created).key("choices").array().object().field("index", 0);
            if (job.chat) {
                end.key("delta").object().end();
            } else {
                end.field("text", "");
            }
            end.field("logprobs", null).field("finish_reason", finishReason(g)).end().end();
            usage(end, job, g);
            extension(end, job, g, depths);
            sse.send(end.end().toString());
            if (job.params().includeUsage()) {
                JsonOut u = chunk(job, id, created).key("choices").array().end();
                usage(u, job, g);
                sse.send(u.end().toString());
            }
            sse.done();
            return "200 stream " + g.tokens().length + " tokens, " + finishReason(g);
        }
    }

    private JsonOut chunk(Job job, String id, long created) {
        return new JsonOut().object().field("id", id).field("object", job.chat ? "chat.completion.chunk" : "text_completion")
                .field("created", created).field("model", config.modelId());
    }

    private static String finishReason(Generation g) {
        return g.stop() == Generation.StopReason.MAX_TOKENS ? "length" : "stop";
    }

    private static void usage(JsonOut o, Job job, Generation g) {
        o.key("usage").object().field("prompt_tokens", job.prompt().length).field("completion_tokens", g.tokens().length)
                .field("total_tokens", job.prompt().length + g.tokens().length).end();
    }

    /** The extension fields: how the text was decoded and how many layers each streamed piece took. */
    private void extension(JsonOut o, Job job, Generation g, List<Integer> depths) {
        DecodeStats s = g.stats();
        o.key("skipllama").object()
                .field("decoding", job.choice().label())
                .field("model_layers", model.config().layers())
                .field("layers_per_token", depths.isEmpty() ? null : depths.stream().mapToInt(Integer::intValue).average().orElse(0));
        if (!job.params().stream()) {
            o.key("layers").array();
            for (int d : depths) {
                o.value(d);
            }
            o.end();
        }
        if (s.draftedTokens() > 0) {
            o.field("acceptance_rate", s.acceptanceRate());
        }
        o.field("prompt_tokens_reused", job.prompt().length - s.promptTokens())
                .field("prompt_tokens_per_second", Math.round(s.prefillTokensPerSecond() * 10) / 10.0)
                .field("tokens_per_second", Math.round(s.decodeTokensPerSecond() * 10) / 10.0)
                .end();
    }
}

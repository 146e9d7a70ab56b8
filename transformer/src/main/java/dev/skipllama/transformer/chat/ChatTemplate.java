package dev.skipllama.transformer.chat;

import dev.skipllama.transformer.chat.jinja.JinjaException;
import dev.skipllama.transformer.chat.jinja.JinjaTemplate;
import dev.skipllama.transformer.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Turns a conversation into the prompt a chat model was trained on, by running the Jinja template
 * the model ships ({@code tokenizer.chat_template} in GGUF, {@code chat_template} in HF's
 * {@code tokenizer_config.json}) the way llama.cpp's server does:
 * <ul>
 *   <li>the template gets {@code messages}, {@code add_generation_prompt}, and {@code bos_token} /
 *       {@code eos_token} as the text of the tokenizer's BOS and EOS tokens;</li>
 *   <li>a template that ignores or refuses a system message (Gemma, Mistral v0.2, Phi-3-mini) gets
 *       the system text merged into the first user message, joined by a newline;</li>
 *   <li>the prompt is tokenized with control tokens parsed, and when the tokenizer adds BOS itself a
 *       BOS the template wrote at the start is dropped from the text, so there is exactly one.</li>
 * </ul>
 * {@link #named} gives built-in templates for Llama-2, Llama-3, Mistral, ChatML, Gemma and Phi-3, and
 * {@code plain}, a {@code User:}/{@code Assistant:} transcript for base models without a template
 * (the embedded one).
 *
 * <p>Immutable and thread-safe. Bound to the tokenizer it was made for (its BOS/EOS text).
 */
public final class ChatTemplate {
    /** One message: role is {@code system}, {@code user}, {@code assistant} or {@code tool} ({@code developer} is taken as {@code system}). */
    public record Message(String role, String content) {
        public Message {
            if (role == null || !List.of("system", "user", "assistant", "tool", "developer").contains(role)) {
                throw new IllegalArgumentException("chat role must be system, user, assistant or tool, got "
                        + (role == null ? "null" : "'" + role + "'"));
            }
            if (content == null) {
                throw new IllegalArgumentException("the content of a " + role + " message is missing (null)");
            }
            if (role.equals("developer")) { // OpenAI's newer name for the system role; llama.cpp maps it too
                role = "system";
            }
        }
    }

    /** Markers of the end of a turn: stop strings when the vocabulary lacks them as tokens. */
    private static final List<String> TURN_ENDS = List.of("<|eot_id|>", "<|im_end|>", "<end_of_turn>", "<|end|>", "</s>");

    private final String name;
    private final JinjaTemplate jinja;
    private final String bos;
    private final String eos;
    private final boolean addBos;
    private final boolean plain;
    private final boolean systemRole;
    private final List<String> stopStrings;

    private ChatTemplate(String name, JinjaTemplate jinja, Tokenizer tok, boolean plain) {
        this.name = name;
        this.jinja = jinja;
        this.bos = tok.bos() >= 0 ? new String(tok.pieceBytes(tok.bos(), true), StandardCharsets.UTF_8) : "";
        this.eos = tok.eos() >= 0 ? new String(tok.pieceBytes(tok.eos(), true), StandardCharsets.UTF_8) : "";
        this.addBos = tok.addBosByDefault() && tok.bos() >= 0;
        this.plain = plain;
        this.systemRole = probeSystemRole();
        List<String> stops = new ArrayList<>();
        if (plain) {
            stops.add("\nUser:");
        } else {
            for (String end : TURN_ENDS) {
                if (jinja.source().contains(end) && tok.specialToken(end).isEmpty()) {
                    stops.add(end);
                }
            }
        }
        this.stopStrings = List.copyOf(stops);
    }

    /**
     * The model's own template, compiled and checked on a sample conversation.
     *
     * @throws JinjaException when the template cannot be parsed or fails on a plain two-message conversation
     */
    public static ChatTemplate of(String jinjaSource, Tokenizer tokenizer) {
        ChatTemplate t = new ChatTemplate("the model's template", JinjaTemplate.compile(jinjaSource), tokenizer, false);
        t.render(List.of(new Message("user", "Hello"), new Message("assistant", "Hi"), new Message("user", "Bye"))); // fails now, not mid-conversation
        return t;
    }

    /**
     * The template for a model: its own when it has one that renders; otherwise a built-in chosen by the
     * template's markers or the tokenizer's control tokens, with a warning to {@code warnings} that names
     * the fallback and why; {@code plain} for a base model without a template or chat tokens.
     */
    public static ChatTemplate detect(Optional<String> source, Tokenizer tokenizer, Consumer<String> warnings) {
        if (source.isPresent() && !source.get().isBlank()) {
            try {
                return of(source.get(), tokenizer);
            } catch (JinjaException e) {
                ChatTemplate fallback = named(byMarkers(source.get(), tokenizer), tokenizer);
                warnings.accept("the model's chat template cannot be used (" + e.getMessage() + "); falling back to the built-in '"
                        + fallback.name() + "' template, which may not match what the model was trained on");
                return fallback;
            }
        }
        return named(byMarkers("", tokenizer), tokenizer);
    }

    /** {@link #detect(Optional, Tokenizer, Consumer)} with warnings logged through {@link System.Logger} (logger {@code dev.skipllama.chat}). */
    public static ChatTemplate detect(Optional<String> source, Tokenizer tokenizer) {
        return detect(source, tokenizer, w -> System.getLogger("dev.skipllama.chat").log(System.Logger.Level.WARNING, w));
    }

    private static String byMarkers(String src, Tokenizer tok) {
        if (src.contains("<|start_header_id|>") || src.isEmpty() && tok.specialToken("<|start_header_id|>").isPresent()) {
            return "llama3";
        }
        if (src.contains("<|im_start|>") || src.isEmpty() && tok.specialToken("<|im_start|>").isPresent()) {
            return "chatml";
        }
        if (src.contains("<start_of_turn>")) {
            return "gemma";
        }
        if (src.contains("<|user|>")) {
            return "phi3";
        }
        if (src.contains("[INST]")) {
            return src.contains("<<SYS>>") ? "llama2" : "mistral";
        }
        return src.isEmpty() ? "plain" : "chatml"; // llama.cpp's default for a template it does not know
    }

    /** The built-in template names, for {@link #named} and help texts. */
    public static final List<String> NAMES = List.of("llama3", "llama2", "mistral", "chatml", "gemma", "phi3", "plain");

    /**
     * A built-in template: {@code llama3}, {@code llama2}, {@code mistral}, {@code chatml}, {@code gemma},
     * {@code phi3} or {@code plain} (case-insensitive).
     *
     * @throws IllegalArgumentException for any other name, listing these
     */
    public static ChatTemplate named(String name, Tokenizer tokenizer) {
        String n = name.toLowerCase(java.util.Locale.ROOT);
        String src = BuiltinTemplates.source(n);
        if (src == null) {
            throw new IllegalArgumentException("unknown chat template '" + name + "'; known: " + String.join(", ", NAMES));
        }
        return new ChatTemplate(n, JinjaTemplate.compile(src), tokenizer, n.equals("plain"));
    }

    /** "llama3", …, or "the model's template". */
    public String name() {
        return name;
    }

    /** The prompt for the model's next (assistant) turn. */
    public String render(List<Message> messages) {
        return render(messages, true);
    }

    /**
     * The conversation as text, as the template writes it, less a leading BOS when the tokenizer adds
     * one itself ({@link #tokenize} does).
     *
     * @throws JinjaException when the template refuses the conversation (e.g. roles that do not alternate)
     */
    public String render(List<Message> messages, boolean addGenerationPrompt) {
        return render(messages, addGenerationPrompt, Map.of());
    }

    /**
     * The same with extra template variables, as llama.cpp's {@code chat_template_kwargs} (e.g.
     * {@code date_string} for Llama-3.1+ templates, which otherwise print today's date).
     */
    public String render(List<Message> messages, boolean addGenerationPrompt, Map<String, ?> variables) {
        List<Map<String, Object>> msgs = new ArrayList<>();
        for (Message m : messages) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("role", m.role());
            x.put("content", m.content());
            msgs.add(x);
        }
        if (!systemRole && !msgs.isEmpty() && msgs.get(0).get("role").equals("system")) {
            Map<String, Object> system = msgs.remove(0);
            if (!msgs.isEmpty()) { // llama.cpp: the system text joins the next message, or is dropped when there is none
                msgs.get(0).put("content", system.get("content") + "\n" + msgs.get(0).get("content"));
            }
        }
        Map<String, Object> vars = new LinkedHashMap<>(variables);
        vars.put("messages", msgs);
        vars.put("bos_token", bos);
        vars.put("eos_token", eos);
        if (addGenerationPrompt) {
            vars.put("add_generation_prompt", true);
        }
        String text = jinja.render(vars);
        if (addBos && !bos.isEmpty() && text.startsWith(bos)) { // the tokenizer adds it (llama.cpp strips it here too)
            text = text.substring(bos.length());
        }
        return text;
    }

    /** The rendered conversation as token ids, exactly as llama.cpp's server tokenizes it. */
    public int[] encode(Tokenizer tokenizer, List<Message> messages) {
        return tokenize(tokenizer, render(messages));
    }

    /**
     * Tokenizes text {@link #render} returned: BOS first when the tokenizer adds one, control tokens
     * parsed (not for {@code plain}, whose text is all the users').
     */
    public int[] tokenize(Tokenizer tokenizer, String text) {
        return tokenizer.encode(text, addBos, !plain);
    }

    /** Strings that end the assistant's turn besides the tokenizer's end-of-generation tokens. */
    public List<String> stopStrings() {
        return stopStrings;
    }

    /** Whether the template shows a system message; when not, {@link #render} merges it into the first user message. */
    public boolean supportsSystemRole() {
        return systemRole;
    }

    /** As llama.cpp decides it: a system message's text must reach the output of a two-message conversation. */
    private boolean probeSystemRole() {
        String marker = "SYSTEM_MARKER_1f3a";
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.put("messages", List.of(Map.of("role", "system", "content", marker), Map.of("role", "user", "content", "User message")));
        vars.put("bos_token", "");
        vars.put("eos_token", "");
        vars.put("add_generation_prompt", true);
        try {
            return jinja.render(vars).contains(marker);
        } catch (JinjaException e) {
            return false;
        }
    }
}

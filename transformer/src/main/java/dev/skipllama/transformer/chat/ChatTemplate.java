package dev.skipllama.transformer.chat;

import dev.skipllama.transformer.tokenizer.Tokenizer;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Turns a conversation into the prompt text a chat model was trained on. Models ship their template
 * as Jinja source ({@code tokenizer.chat_template} in GGUF, {@code chat_template} in HF's
 * {@code tokenizer_config.json}); like llama.cpp's built-in templates we recognise the families by
 * their markers rather than run Jinja, and render them the way llama.cpp does, so the same GGUF gets
 * the same prompt in both engines.
 *
 * <ul>
 *   <li>{@link #LLAMA3}: {@code <|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|>} per
 *       message, then the assistant header; the tokenizer's BOS ({@code <|begin_of_text|>}) first.</li>
 *   <li>{@link #LLAMA2}: {@code [INST] <<SYS>>\nsystem\n<</SYS>>\n\nuser [/INST] assistant</s><s>[INST] ...}
 *       (Meta's format: every exchange ends with EOS and the next begins with BOS).</li>
 *   <li>{@link #PLAIN}: a transcript ({@code User: ...\nAssistant:}) for base models with no template,
 *       such as the embedded one; generation stops at the next {@code \nUser:}.</li>
 * </ul>
 */
public enum ChatTemplate {
    LLAMA3, LLAMA2, PLAIN;

    /** One message: role is {@code system}, {@code user} or {@code assistant}. */
    public record Message(String role, String content) {
        public Message {
            if (!List.of("system", "user", "assistant").contains(role)) {
                throw new IllegalArgumentException("chat role must be system, user or assistant, got '" + role + "'");
            }
        }
    }

    /** The family a model's template source belongs to, or what its tokenizer implies when it has none. */
    public static ChatTemplate detect(Optional<String> templateSource, Tokenizer tokenizer) {
        if (templateSource.isPresent()) {
            String t = templateSource.get();
            if (t.contains("<|start_header_id|>")) {
                return LLAMA3;
            }
            if (t.contains("[INST]")) {
                return LLAMA2;
            }
        }
        if (tokenizer.specialToken("<|start_header_id|>").isPresent()) {
            return LLAMA3;
        }
        return PLAIN;
    }

    /** By name: {@code llama3}, {@code llama2} or {@code plain}. */
    public static ChatTemplate named(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown chat template '" + name + "'; known: llama3, llama2, plain");
        }
    }

    /**
     * The prompt for the model's next (assistant) turn. Control tokens appear as text, so encode it
     * with special-token parsing on and without an extra BOS: {@link #encode}.
     */
    public String render(List<Message> messages) {
        StringBuilder s = new StringBuilder();
        switch (this) {
            case LLAMA3 -> {
                for (Message m : messages) {
                    s.append("<|start_header_id|>").append(m.role()).append("<|end_header_id|>\n\n")
                            .append(m.content().strip()).append("<|eot_id|>");
                }
                s.append("<|start_header_id|>assistant<|end_header_id|>\n\n");
            }
            case LLAMA2 -> {
                boolean inTurn = false;
                for (Message m : messages) {
                    if (!inTurn) {
                        s.append("<s>[INST] ");
                        inTurn = true;
                    }
                    switch (m.role()) {
                        case "system" -> s.append("<<SYS>>\n").append(m.content().strip()).append("\n<</SYS>>\n\n");
                        case "user" -> s.append(m.content().strip()).append(" [/INST]");
                        default -> {
                            s.append(' ').append(m.content().strip()).append(" </s>");
                            inTurn = false;
                        }
                    }
                }
            }
            case PLAIN -> {
                for (Message m : messages) {
                    switch (m.role()) {
                        case "system" -> s.append(m.content().strip()).append("\n\n");
                        case "user" -> s.append("User: ").append(m.content().strip()).append('\n');
                        default -> s.append("Assistant: ").append(m.content().strip()).append('\n');
                    }
                }
                s.append("Assistant:");
            }
        }
        return s.toString();
    }

    /** The rendered conversation as token ids, BOS first where the tokenizer uses one. */
    public int[] encode(Tokenizer tokenizer, List<Message> messages) {
        String text = render(messages);
        return switch (this) {
            case LLAMA3 -> tokenizer.encode(text, tokenizer.addBosByDefault(), true);
            case LLAMA2 -> tokenizer.encode(text, false, true); // "<s>" is in the text, once per exchange
            case PLAIN -> tokenizer.encode(text, tokenizer.addBosByDefault(), false); // user text never becomes control tokens
        };
    }

    /** Strings that end the assistant's turn besides the tokenizer's end-of-generation tokens. */
    public List<String> stopStrings() {
        return this == PLAIN ? List.of("\nUser:") : List.of();
    }
}

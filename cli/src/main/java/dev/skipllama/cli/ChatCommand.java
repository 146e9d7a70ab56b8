package dev.skipllama.cli;

import dev.skipllama.transformer.chat.ChatTemplate;
import dev.skipllama.transformer.chat.ChatTemplate.Message;
import dev.skipllama.transformer.model.Generation;
import dev.skipllama.transformer.model.Session;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code skipllama chat}: an interactive conversation in the model's chat template. Each turn sends
 * the whole conversation; the session keeps the KV rows of what it has already seen, so only the new
 * turn is processed. When the conversation outgrows the context, the oldest exchanges are dropped
 * (the system prompt stays).
 */
final class ChatCommand {
    private ChatCommand() {
    }

    static Options options() {
        Options o = new Options("chat", "[options]", """
                An interactive chat on standard input: one message per line; /reset forgets the conversation, \
                /exit (or end of input) leaves. The template comes from the model (tokenizer.chat_template in \
                GGUF, chat_template in tokenizer_config.json): Llama-3 and Llama-2 instruct formats, or a plain \
                User:/Assistant: transcript for base models such as the embedded one.""");
        o.opt("--system", "TEXT", "system prompt", null)
                .opt("--template", "NAME", "auto (the model's own), or a built-in: " + String.join(", ", ChatTemplate.NAMES), "auto")
                .opt("--tokens", "N", "new tokens per reply at most", "256")
                .opt("--context", "N", "KV-cache positions for the conversation (at most the model's context)", "4096");
        DecodingArgs.add(o, "0.7");
        return ModelArgs.add(o);
    }

    static int run(Options.Parsed p, Io io) throws Exception {
        int maxReply = p.getInt("--tokens", 1, 1 << 20);
        DecodingArgs.check(p); // a bad --skip is a usage error before the model loads
        return ModelArgs.with(p, io, m -> {
            var model = m.model();
            ChatTemplate template = p.get("--template").equals("auto")
                    ? ChatTemplate.detect(model.chatTemplateSource(), model.tokenizer(), w -> io.err().println("skipllama chat: warning: " + w))
                    : named(p.get("--template"), model.tokenizer());
            int context = Math.min(model.config().contextLength(), p.getInt("--context", 16, 1 << 20));
            if (maxReply >= context) {
                throw new UsageException("--tokens " + maxReply + " leaves no room for the conversation in a context of " + context);
            }
            DecodingArgs.Decoding d = DecodingArgs.configure(p, model, context);
            List<Message> chat = new ArrayList<>();
            String system = p.get("--system");
            if (system != null) {
                chat.add(new Message("system", system));
            }
            io.err().printf("chat template: %s; type a message, /reset to start over, /exit to leave%n",
                    template.name());
            try (Session session = model.newSession(d.options().withStopStrings(template.stopStrings()))) {
                while (true) {
                    if (io.terminal()) {
                        io.out().print("> ");
                        io.out().flush();
                    }
                    // a message longer than this cannot fit the context whatever its tokens: stop reading there
                    String line = LineReader.readLine(io.in(), Math.max(4096, 32 * context), "standard input");
                    if (line == null || line.strip().equals("/exit")) {
                        break;
                    }
                    if (line.strip().equals("/reset")) {
                        chat.subList(system != null ? 1 : 0, chat.size()).clear();
                        io.err().println("(conversation forgotten)");
                        continue;
                    }
                    if (line.isBlank()) {
                        continue;
                    }
                    chat.add(new Message("user", line));
                    int[] prompt = fit(template, model.tokenizer(), chat, system != null, context - maxReply);
                    if (prompt == null) {
                        chat.removeLast();
                        io.err().println("(that message alone does not fit the context of " + context + " tokens; try a shorter one)");
                        continue;
                    }
                    Generation g = session.generate(prompt, maxReply, (String piece) -> {
                        io.out().print(piece);
                        io.out().flush();
                        return !io.out().checkError();
                    });
                    io.out().println();
                    if (io.out().checkError()) {
                        break; // the reader has gone: Main reports it
                    }
                    chat.add(new Message("assistant", g.text()));
                    io.err().printf(Locale.ROOT, "[%d new prompt tokens at %.1f tok/s, %d generated at %.1f tok/s]%n",
                            g.stats().promptTokens(), g.stats().prefillTokensPerSecond(), g.stats().generatedTokens(),
                            g.stats().decodeTokensPerSecond());
                }
            }
            return 0;
        });
    }

    private static ChatTemplate named(String name, dev.skipllama.transformer.tokenizer.Tokenizer tok) {
        try {
            return ChatTemplate.named(name, tok);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** The conversation's tokens, dropping the oldest exchanges until they fit {@code budget}; null if even the last message does not. */
    static int[] fit(ChatTemplate template, dev.skipllama.transformer.tokenizer.Tokenizer tok, List<Message> chat, boolean hasSystem,
                     int budget) {
        int keep = hasSystem ? 1 : 0;
        while (true) {
            int[] ids = template.encode(tok, chat);
            if (ids.length <= budget) {
                return ids;
            }
            if (chat.size() - keep <= 1) {
                return null;
            }
            chat.remove(keep); // the oldest message after the system prompt
        }
    }
}

package dev.skipllama.cli;

import dev.skipllama.transformer.chat.ChatTemplate;
import dev.skipllama.transformer.chat.ChatTemplate.Message;
import dev.skipllama.transformer.chat.jinja.JinjaException;
import dev.skipllama.transformer.model.Generation;
import dev.skipllama.transformer.model.Session;
import dev.skipllama.transformer.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code skipllama chat}: an interactive conversation in the model's chat template. Each turn sends
 * the whole conversation; the session keeps the KV rows of what it has already seen, so only the new
 * turn is processed. When the conversation outgrows the context, the oldest exchanges are dropped
 * (the system prompt stays). On a terminal, lines are edited with JLine (history with the arrows) and
 * Ctrl-C ends the answer being written, not the program.
 */
final class ChatCommand {
    private ChatCommand() {
    }

    static Options options() {
        Options o = new Options("chat", "[options]", """
                An interactive chat on standard input: one message per line; /reset forgets the conversation, \
                /exit (or end of input, Ctrl-D) leaves; on a terminal, Ctrl-C ends the answer being written and \
                the arrow keys recall earlier messages. The template is the model's own (tokenizer.chat_template in \
                GGUF, chat_template in tokenizer_config.json), rendered as llama.cpp renders it; a base model without \
                one, such as the embedded model, gets a plain User:/Assistant: transcript.""");
        o.opt("--system", "TEXT", "system prompt", null)
                .opt("--template", "NAME", "auto (the model's own), or a built-in: " + String.join(", ", ChatTemplate.NAMES), "auto")
                .opt("--tokens", "N", "new tokens per reply at most (default 256, or half the context when that is less)", null).alias("-n", "--tokens")
                .opt("--context", "N", "KV-cache positions for the conversation (at most the model's context)", "4096")
                .alias("-c", "--context");
        DecodingArgs.add(o, "0.7");
        return ModelArgs.addWarmUp(ModelArgs.add(o));
    }

    static int run(Options.Parsed p, Io io) throws Exception {
        Integer asked = p.has("--tokens") ? p.getInt("--tokens", 1, 1 << 20) : null;
        DecodingArgs.check(p); // a bad --skip is a usage error before the model loads
        return ModelArgs.with(p, io, m -> {
            var model = m.model();
            ChatTemplate template = p.get("--template").equals("auto")
                    ? ChatTemplate.detect(model.chatTemplateSource(), model.tokenizer(), w -> io.err().println("skipllama chat: warning: " + w))
                    : named(p.get("--template"), model.tokenizer());
            int context = Math.min(model.config().contextLength(), p.getInt("--context", 16, 1 << 20));
            // A default that fits: the embedded model's context is 256 tokens, where 256-token replies leave
            // no room for the conversation.
            int maxReply = asked != null ? asked : Math.min(256, context / 2);
            if (maxReply >= context) {
                throw new UsageException("--tokens " + maxReply + " leaves no room for the conversation in a context of " + context);
            }
            DecodingArgs.Decoding d = DecodingArgs.configure(p, model, context);
            ModelArgs.warmUp(p, io, model);
            List<String> stops = new ArrayList<>(template.stopStrings());
            stops.addAll(d.options().stopStrings());
            List<Message> chat = new ArrayList<>();
            String system = p.get("--system");
            if (system != null) {
                chat.add(new Message("system", system));
            }
            io.err().printf("chat template: %s; type a message, /reset to start over, /exit to leave%s%n", template.name(),
                    io.terminal() ? " (Ctrl-C stops an answer)" : "");
            // a message longer than this cannot fit the context whatever its tokens: stop reading there
            try (ChatInput input = ChatInput.open(io, Math.max(4096, 32 * context));
                 Session session = model.newSession(d.options().withStopStrings(stops))) {
                while (true) {
                    String line = input.readLine("> ");
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
                    int[] prompt;
                    try {
                        prompt = fit(template, model.tokenizer(), chat, system != null, context - maxReply);
                    } catch (JinjaException e) {
                        chat.removeLast();
                        io.err().println("(the chat template refuses this conversation: " + e.getMessage() + ")");
                        continue;
                    }
                    if (prompt == null) {
                        chat.removeLast();
                        io.err().println("(that message alone does not fit the context of " + context + " tokens; try a shorter one)");
                        continue;
                    }
                    input.interrupted.set(false);
                    Generation g = session.generate(prompt, maxReply, (String piece) -> {
                        io.out().print(piece);
                        io.out().flush();
                        return !io.out().checkError() && !input.interrupted.get();
                    });
                    io.out().println();
                    if (io.out().checkError()) {
                        break; // the reader has gone: Main reports it
                    }
                    chat.add(new Message("assistant", g.text()));
                    io.err().printf(Locale.ROOT, "[%s%d new prompt tokens at %.1f tok/s, %d generated at %.1f tok/s]%n",
                            g.stop() == Generation.StopReason.CALLER ? "answer stopped; " : "",
                            g.stats().promptTokens(), g.stats().prefillTokensPerSecond(), g.stats().generatedTokens(),
                            g.stats().decodeTokensPerSecond());
                }
            }
            return 0;
        });
    }

    private static ChatTemplate named(String name, Tokenizer tok) {
        try {
            return ChatTemplate.named(name, tok);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--template: " + e.getMessage());
        }
    }

    /** The conversation's tokens, dropping the oldest exchanges until they fit {@code budget}; null if even the last message does not. */
    static int[] fit(ChatTemplate template, Tokenizer tok, List<Message> chat, boolean hasSystem, int budget) {
        int keep = hasSystem ? 1 : 0;
        while (true) {
            int[] ids = template.encode(tok, chat);
            if (ids.length <= budget) {
                return ids;
            }
            if (chat.size() - keep <= 1) {
                return null;
            }
            chat.remove(keep); // the oldest exchange after the system prompt, whole: templates want user/assistant turns in order
            if (chat.size() - keep > 1 && chat.get(keep).role().equals("assistant")) {
                chat.remove(keep);
            }
        }
    }
}

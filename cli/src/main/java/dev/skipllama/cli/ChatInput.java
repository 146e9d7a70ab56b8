package dev.skipllama.cli;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * Where chat reads messages. On a terminal: JLine's line editing and history (arrows, Ctrl-R), and
 * Ctrl-C that ends the answer being generated rather than the program (at the prompt it clears the
 * line; Ctrl-D or /exit leaves). Elsewhere (a pipe, a file, a test): plain bounded lines.
 */
abstract class ChatInput implements AutoCloseable {
    /** Set by Ctrl-C while an answer is generated; the answer stops at its next token. */
    final AtomicBoolean interrupted = new AtomicBoolean();

    /** The next message, or null at the end of the input. */
    abstract String readLine(String prompt) throws IOException;

    @Override
    public void close() throws IOException {
    }

    static ChatInput open(Io io, int maxChars) throws IOException {
        if (!io.terminal()) {
            return new Plain(io, maxChars);
        }
        return new Jline(maxChars);
    }

    /** Lines from a reader, bounded (a line longer than any context is an error, not an exhausted heap). */
    private static final class Plain extends ChatInput {
        private final Io io;
        private final int maxChars;

        Plain(Io io, int maxChars) {
            this.io = io;
            this.maxChars = maxChars;
        }

        @Override
        String readLine(String prompt) throws IOException {
            return LineReader.readLine(io.in(), maxChars, "standard input");
        }
    }

    private static final class Jline extends ChatInput {
        private final Terminal terminal;
        private final org.jline.reader.LineReader reader;
        private final int maxChars;

        Jline(int maxChars) throws IOException {
            this.maxChars = maxChars;
            this.terminal = TerminalBuilder.builder().system(true).build();
            this.reader = LineReaderBuilder.builder().terminal(terminal).appName("skipllama")
                    .variable(org.jline.reader.LineReader.HISTORY_SIZE, 1000).build();
            // outside readLine the terminal is in its normal mode: Ctrl-C arrives as SIGINT, handled here
            terminal.handle(Terminal.Signal.INT, s -> interrupted.set(true));
        }

        @Override
        String readLine(String prompt) throws IOException {
            while (true) {
                try {
                    String line = reader.readLine(prompt);
                    if (line.length() > maxChars) {
                        throw new IOException("a message longer than " + maxChars + " characters, more than the context can hold");
                    }
                    return line;
                } catch (UserInterruptException e) { // Ctrl-C at the prompt: a new prompt, as shells do
                    terminal.writer().println("(Ctrl-D or /exit leaves)");
                    terminal.flush();
                } catch (EndOfFileException e) {
                    return null;
                }
            }
        }

        @Override
        public void close() throws IOException {
            terminal.close();
        }
    }
}

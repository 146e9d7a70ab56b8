package dev.skipllama.cli;

import dev.skipllama.transformer.io.TextFiles;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where a prompt comes from: {@code -p TEXT}, {@code -p -} (standard input) or {@code --file FILE}. */
final class PromptArgs {
    /** A prompt longer than this cannot fit any context we run: reading stops there with an error, not an exhausted heap. */
    static final int MAX_PROMPT_CHARS = 4 << 20;

    private PromptArgs() {
    }

    static Options add(Options o, String dflt) {
        return o.opt("--prompt", "TEXT", "the text to continue; '-' reads it from standard input", dflt)
                .opt("--file", "FILE", "read the prompt from a UTF-8 text file instead", null)
                .alias("-p", "--prompt").alias("-f", "--file");
    }

    static String read(Options.Parsed p, Io io) throws IOException {
        if (p.has("--file")) {
            if (p.has("--prompt")) {
                throw new UsageException("--prompt and --file cannot be combined: give the prompt one way");
            }
            Path file = p.path("--file");
            if (!Files.isRegularFile(file)) {
                throw new UsageException("--file " + file + ": no such file");
            }
            return TextFiles.read(file, MAX_PROMPT_CHARS, "prompt file");
        }
        String prompt = p.get("--prompt");
        return prompt.equals("-") ? readAll(io.in(), "standard input") : prompt;
    }

    static String readAll(Reader in, String what) throws IOException {
        StringBuilder b = new StringBuilder();
        char[] buf = new char[8192];
        for (int n; (n = in.read(buf)) >= 0; ) {
            b.append(buf, 0, n);
            if (b.length() > MAX_PROMPT_CHARS) {
                throw new IOException(what + ": the prompt is longer than " + MAX_PROMPT_CHARS + " characters");
            }
        }
        return b.toString();
    }
}

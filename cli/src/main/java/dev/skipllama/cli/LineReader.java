package dev.skipllama.cli;

import java.io.IOException;
import java.io.Reader;

/**
 * Reads lines of at most a given length. {@code BufferedReader.readLine} reads a line whatever its
 * length: {@code chat < /dev/zero} filled gigabytes of heap for nine seconds before failing. A line
 * longer than anything the caller can use is an error as soon as the limit is passed.
 */
final class LineReader {
    private LineReader() {
    }

    /**
     * The next line without its terminator (\n, \r\n or \r), or null at the end of the input.
     *
     * @param what names the input in the error, e.g. "standard input"
     * @throws IOException when the line has more than {@code maxChars} characters
     */
    static String readLine(Reader in, int maxChars, String what) throws IOException {
        StringBuilder line = new StringBuilder();
        while (true) {
            int c = in.read();
            if (c < 0) {
                return line.isEmpty() ? null : line.toString();
            }
            if (c == '\n') {
                return line.toString();
            }
            if (c == '\r') {
                in.mark(1);
                if (in.read() != '\n') {
                    in.reset();
                }
                return line.toString();
            }
            if (line.length() == maxChars) {
                throw new IOException(what + ": a line longer than " + maxChars + " characters, more than the context can hold");
            }
            line.append((char) c);
        }
    }
}

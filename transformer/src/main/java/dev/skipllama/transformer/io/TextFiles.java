package dev.skipllama.transformer.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads UTF-8 text files that users give us (config.json, tokenizer.json, plan files, calibration
 * and evaluation text), bounded and with errors that say where.
 *
 * <p>Why not {@code Files.readString}: its error for a bad byte is a bare "Input length = 1" with no
 * file and no offset, and it reads whatever it is given — {@code /dev/zero} or a FIFO that never
 * ends fills the heap. Here every read stops at a limit chosen by what the text is used for, and a
 * bad byte is an {@link InvalidTextException} naming the file, the byte offset, the line and the
 * bytes found.
 */
public final class TextFiles {
    /** JSON files of a checkpoint (config, tokenizer, index): the largest real ones are tens of MB. */
    public static final long MAX_JSON_BYTES = 256L << 20;

    private TextFiles() {
    }

    /**
     * The whole file as a string.
     *
     * @param maxBytes the most bytes the caller can use; a larger file is an error saying so
     * @param what     what the text is for, in the error message (e.g. "a plan file")
     */
    public static String read(Path file, long maxBytes, String what) throws IOException {
        return decode(readBytes(file, maxBytes, what), file);
    }

    /** The file's lines (split at \n, \r\n or \r, as {@link String#lines()}), read as {@link #read}. */
    public static List<String> readLines(Path file, long maxBytes, String what) throws IOException {
        return read(file, maxBytes, what).lines().toList();
    }

    /**
     * The start of the file, at most {@code maxBytes} bytes, cut before a UTF-8 character the limit
     * would split: for text of which only a prefix is used (perplexity over the first N tokens), so a
     * large file (or an endless one) is read only as far as it can be used.
     */
    public static String readPrefix(Path file, long maxBytes) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException(file + ": is a directory, expected a text file");
        }
        int limit = (int) Math.min(maxBytes, Integer.MAX_VALUE - 16);
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(limit);
        }
        int end = bytes.length;
        if (end == limit) { // maybe cut inside a character: drop its lead and continuation bytes
            int back = end;
            while (back > 0 && end - back < 4 && (bytes[back - 1] & 0xC0) == 0x80) {
                back--;
            }
            if (back > 0 && (bytes[back - 1] & 0x80) != 0 && end - back + 1 < sequenceLength(bytes[back - 1])) {
                end = back - 1;
            }
        }
        return decode(java.util.Arrays.copyOf(bytes, end), file);
    }

    private static int sequenceLength(byte lead) {
        int b = lead & 0xFF;
        return b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
    }

    /** At most {@code maxBytes} bytes of the file; more is an {@link InvalidTextException}. */
    public static byte[] readBytes(Path file, long maxBytes, String what) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException(file + ": is a directory, expected " + what);
        }
        int limit = (int) Math.min(maxBytes, Integer.MAX_VALUE - 16);
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(limit + 1); // one more than allowed tells a file at the limit from a larger one
        }
        if (bytes.length > limit) {
            throw new InvalidTextException(file, -1, "more than " + limit + " bytes, the most " + what + " can use");
        }
        return bytes;
    }

    /**
     * Decodes UTF-8 strictly; a malformed or truncated sequence is an {@link InvalidTextException}
     * naming {@code source}, the byte offset, the line and the bytes there.
     */
    public static String decode(byte[] bytes, Path source) throws InvalidTextException {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length); // UTF-8 never needs more chars than bytes
        CoderResult r = d.decode(in, out, true);
        if (!r.isError()) {
            r = d.flush(out);
        }
        if (r.isError()) {
            int at = in.position();
            throw new InvalidTextException(source, at, "not valid UTF-8 at byte offset " + at + " (line " + line(bytes, at)
                    + "): found the bytes " + hex(bytes, at, Math.max(r.length(), 1)) + ", expected UTF-8 text");
        }
        return out.flip().toString();
    }

    private static int line(byte[] b, int end) {
        int line = 1;
        for (int i = 0; i < end; i++) {
            if (b[i] == '\n') {
                line++;
            }
        }
        return line;
    }

    private static String hex(byte[] b, int at, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = at; i < Math.min(b.length, at + Math.max(n, 4)); i++) {
            sb.append(sb.isEmpty() ? "" : " ").append(String.format("%02x", b[i] & 0xff));
        }
        return sb.toString();
    }
}

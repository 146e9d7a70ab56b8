package dev.skipllama.transformer.chat.jinja;

/**
 * A template that cannot be parsed or rendered: the message names the line and column in the
 * template source, what was found and what was expected. A template's own
 * {@code raise_exception(...)} is one too, with its message ({@link #raised()} tells them apart).
 */
public final class JinjaException extends RuntimeException {
    private final boolean raised;

    JinjaException(String message, boolean raised) {
        super(message);
        this.raised = raised;
    }

    /** An error at {@code offset} of {@code source}: "line L, column C: message". */
    static JinjaException at(String source, int offset, String message) {
        return new JinjaException(position(source, offset) + ": " + message, false);
    }

    static String position(String source, int offset) {
        int line = 1, col = 1;
        for (int i = 0; i < Math.min(offset, source.length()); i++) {
            if (source.charAt(i) == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        return "line " + line + ", column " + col;
    }

    /** Whether the template itself raised this ({@code raise_exception}), e.g. roles that do not alternate. */
    public boolean raised() {
        return raised;
    }
}

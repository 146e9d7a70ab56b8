package dev.skipllama.transformer.chat.jinja;

import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A Jinja template, compiled once and rendered many times: the subset of Jinja that chat templates
 * use (statements {@code if for set macro do break continue filter generation}, Jinja's operators,
 * filters and tests, Python's string/list/dict methods, {@code namespace}, {@code raise_exception},
 * {@code strftime_now}), with {@code trim_blocks} and {@code lstrip_blocks} on, as Hugging Face and
 * llama.cpp render chat templates. Where Python's Jinja and llama.cpp differ, this follows llama.cpp
 * (e.g. {@code 'text' + none} is {@code 'text'}), so the same GGUF gets the same prompt here and there.
 *
 * <p>Rendering is bounded (steps, output size, macro depth): a template cannot hang or exhaust memory.
 * Immutable and thread-safe; each {@link #render} is independent.
 */
public final class JinjaTemplate {
    private final String source;
    private final List<Node> program;
    private final Supplier<ZonedDateTime> clock;

    private JinjaTemplate(String source, List<Node> program, Supplier<ZonedDateTime> clock) {
        this.source = source;
        this.program = program;
        this.clock = clock;
    }

    /**
     * Parses a template.
     *
     * @throws JinjaException naming the line and column of what cannot be parsed or is not supported
     */
    public static JinjaTemplate compile(String source) {
        return new JinjaTemplate(source, Parser.parse(source), ZonedDateTime::now);
    }

    /** The same template with {@code strftime_now} reading this clock (for reproducible prompts). */
    public JinjaTemplate withClock(Supplier<ZonedDateTime> clock) {
        return new JinjaTemplate(source, program, clock);
    }

    /**
     * Renders with these variables: strings, numbers, booleans, null, lists and maps of them
     * (e.g. {@code messages} as a list of maps with {@code role} and {@code content}).
     *
     * @throws JinjaException when rendering fails, or the template calls {@code raise_exception}
     *                        ({@link JinjaException#raised()})
     */
    public String render(Map<String, ?> variables) {
        @SuppressWarnings("unchecked")
        Map<String, Object> vars = (Map<String, Object>) variables;
        return new Interpreter(source, vars, new Builtins(clock)).render(program);
    }

    public String source() {
        return source;
    }
}

package dev.skipllama.transformer.chat.jinja;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Jinja subset on its own: whitespace control, precedence, scoping, filters, errors and limits. */
class JinjaTemplateTest {
    static String render(String template, Map<String, ?> vars) {
        return JinjaTemplate.compile(template).render(vars);
    }

    static String render(String template) {
        return render(template, Map.of());
    }

    @Test
    void whitespaceControlAsChatTemplatesAreRendered() {
        // trim_blocks: the newline after a block tag goes; lstrip_blocks: indentation before it goes
        assertEquals("a\nb\n", render("{% if true %}\n    a\n{% endif %}\n{% if true %}\nb\n{% endif %}\n".replace("    a", "a")));
        assertEquals("x", render("  {% if true %}x{% endif %}"));
        assertEquals("[1][2]", render("{% for i in [1, 2] -%}\n  [{{ i }}]\n  {%- endfor %}"));
        assertEquals("a  b", render("a  {{ 'b' }}"), "expressions are not lstripped");
        assertEquals("ab", render("a {#- comment -#} b"));
        assertEquals("a\nb", render("a\n{{- '' }}\nb"), "{{- strips before, not after");
    }

    @Test
    void precedenceLikeJinja() {
        assertEquals("<x>", render("{{ '<' + s | trim + '>' }}", Map.of("s", "  x ")), "a filter binds tighter than +");
        assertEquals("True", render("{{ not 'a' in 'bcd' }}"));
        assertEquals("7", render("{{ 1 + 2 * 3 }}"));
        assertEquals("8", render("{{ 2 ** 3 }}"));
        assertEquals("-1 2 1", render("{{ -7 // 4 + 1 }} {{ 7 // 3 }} {{ -7 % 4 - 0 }}"));
        assertEquals("yes", render("{{ 'yes' if x is defined and x is not none else 'no' }}", Map.of("x", 1)));
        assertEquals("ab3", render("{{ 'a' ~ 'b' ~ 3 }}"));
        assertEquals("ok", render("{{ 'ok' if [1, {'a': 2}] == [1, {'a': 2}] }}"));
    }

    @Test
    void loopsScopesAndNamespaces() {
        assertEquals("0:a,1:b|", render("{% for x in xs %}{{ loop.index0 }}:{{ x }}{{ ',' if not loop.last }}{% endfor %}|",
                Map.of("xs", List.of("a", "b"))));
        assertEquals("outer", render("{% set v = 'outer' %}{% for x in [1] %}{% set v = 'inner' %}{% endfor %}{{ v }}"),
                "a set inside a loop stays in the loop");
        assertEquals("2", render("{% set ns = namespace(n=0) %}{% for x in [1, 2] %}{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.n }}"));
        assertEquals("b=2;", render("{% for k, v in d.items() if k != 'a' %}{{ k }}={{ v }};{% endfor %}", Map.of("d",
                new java.util.LinkedHashMap<>(Map.of("a", 1)) {{ put("b", 2); }})));
        assertEquals("empty", render("{% for x in [] %}x{% else %}empty{% endfor %}"));
        assertEquals("12", render("{% for x in [1, 2, 3] %}{% if x == 3 %}{% break %}{% endif %}{{ x }}{% endfor %}"));
        assertEquals("<b>", render("{% macro tag(n, open='<', close='>') %}{{ open }}{{ n }}{{ close }}{% endmacro %}{{ tag('b') }}"));
    }

    @Test
    void filtersMethodsAndTests() {
        assertEquals("[\"a\", {\"k\": null}]", render("{{ x | tojson }}", Map.of("x", List.of("a", nullMap()))));
        assertEquals("{\n  \"a\": 1\n}", render("{{ {'a': 1} | tojson(indent=2) }}"));
        assertEquals("A,B", render("{{ ['a', 'b'] | map('upper') | join(',') }}"));
        assertEquals("user", render("{{ (ms | selectattr('role', 'equalto', 'user') | first).role }}",
                Map.of("ms", List.of(Map.of("role", "system"), Map.of("role", "user")))));
        assertEquals("['a', 'b c']", render("{{ 'a b c'.split(' ', 1) }}"));
        assertEquals("True False", render("{{ 'abc'.startswith('ab') }} {{ 'x' is number }}"));
        assertEquals("bc", render("{{ 'abcd'[1:-1] }}"));
        assertEquals("dcba", render("{{ 'abcd'[::-1] }}"));
        assertEquals("3", render("{{ [1, 2, 3] | length }}"));
        assertEquals("None True", render("{{ none }} {{ true }}"));
        assertEquals("x", render("{{ 'x' + none }}"), "llama.cpp's leniency: none joins a string as nothing");
        assertEquals("07 Mar 2025", JinjaTemplate.compile("{{ strftime_now('%d %b %Y') }}")
                .withClock(() -> ZonedDateTime.of(2025, 3, 7, 0, 0, 0, 0, ZoneOffset.UTC)).render(Map.of()));
    }

    private static Map<String, Object> nullMap() {
        Map<String, Object> m = new java.util.HashMap<>();
        m.put("k", null);
        return m;
    }

    @Test
    void errorsNameLineColumnAndWhat() {
        JinjaException e = assertThrows(JinjaException.class, () -> JinjaTemplate.compile("ok\n{% if x %}\nno end"));
        assertEquals("line 2, column 1: {% if %} is never closed: expected {% elif %} or {% else %} or {% endif %} before the end "
                + "of the template", e.getMessage());
        e = assertThrows(JinjaException.class, () -> JinjaTemplate.compile("{{ x | }}"));
        assertTrue(e.getMessage().startsWith("line 1, column 8: expected a filter name"), e.getMessage());
        e = assertThrows(JinjaException.class, () -> render("{{ x | frobnicate }}"));
        assertTrue(e.getMessage().contains("unknown filter 'frobnicate'"), e.getMessage());
        e = assertThrows(JinjaException.class, () -> render("{{ raise_exception('Roles must alternate') }}"));
        assertTrue(e.raised());
        assertEquals("the chat template raised an error: Roles must alternate", e.getMessage());
        e = assertThrows(JinjaException.class, () -> render("{{ 1 / 0 }}"));
        assertTrue(e.getMessage().contains("division by zero") && !e.raised(), e.getMessage());
        e = assertThrows(JinjaException.class, () -> render("{{ foo() }}"));
        assertEquals("line 1, column 7: 'foo' is undefined and cannot be called", e.getMessage());
    }

    @Test
    void aHostileTemplateFailsInsteadOfHanging() {
        long t0 = System.nanoTime();
        JinjaException e = assertThrows(JinjaException.class, () -> render("{% for i in range(1000000000) %}x{% endfor %}"));
        assertTrue(e.getMessage().contains("range of more than"), e.getMessage());
        e = assertThrows(JinjaException.class, () -> render("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}"));
        assertTrue(e.getMessage().contains("nested deeper than"), e.getMessage());
        e = assertThrows(JinjaException.class, () -> render("{% for i in range(3000) %}{% for j in range(3000) %}{% endfor %}{% endfor %}"));
        assertTrue(e.getMessage().contains("steps"), e.getMessage());
        assertTrue(Duration.ofNanos(System.nanoTime() - t0).toSeconds() < 20);
        assertFalse(render("{{ 'ab' * 3 }}").isEmpty());
    }
}

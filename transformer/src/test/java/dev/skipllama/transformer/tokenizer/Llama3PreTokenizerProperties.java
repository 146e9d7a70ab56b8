package dev.skipllama.transformer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The hand-written Llama-3 pre-tokenizer splits exactly as the regular expression does. */
class Llama3PreTokenizerProperties {

    /** Llama-3's tokenizer.json pattern, (?i:…) spelled out as llama.cpp does; \s = White_Space. */
    private static final Pattern LLAMA3 = Pattern.compile(
            "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
                    + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    static List<String> byRegex(String text) {
        List<String> words = new ArrayList<>();
        Matcher m = LLAMA3.matcher(text);
        int last = 0;
        while (m.find()) {
            if (m.start() > last) {
                words.add(text.substring(last, m.start())); // unmatched text is a word of its own
            }
            words.add(m.group());
            last = m.end();
        }
        if (last < text.length()) {
            words.add(text.substring(last));
        }
        return words;
    }

    static List<String> byScanner(String text) {
        IntList ends = new IntList(8);
        Llama3PreTokenizer.split(text, ends);
        List<String> words = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < ends.size(); i++) {
            words.add(text.substring(start, ends.get(i)));
            start = ends.get(i);
        }
        return words;
    }

    @Provide
    Arbitrary<String> texts() {
        return TextArbitraries.text(40);
    }

    @Property(tries = 3000)
    void scannerSplitsLikeTheRegex(@ForAll("texts") String text) {
        assertEquals(byRegex(text), byScanner(text));
    }

    @Example
    void knownSplits() {
        assertEquals(List.of("Hello", ",", " y", "'all", "!", " I", "'ve", " ", "123", "4", " ", " x", "\n\n", "  \t"),
                byScanner("Hello, y'all! I've 1234  x\n\n  \t"));
        // " 'M": the space binds to the apostrophe (" ?[^\s\p{L}\p{N}]+"), so no contraction is left to match
        assertEquals(List.of("'RE", " you", " '", "M", " not"), byScanner("'RE you 'M not"));
        assertEquals(byRegex("Hello, y'all! I've 1234  x\n\n  \t"), byScanner("Hello, y'all! I've 1234  x\n\n  \t"));
    }

    @Example
    void whiteSpaceIsTheUnicodeProperty() {
        Pattern space = Pattern.compile("\\s", Pattern.UNICODE_CHARACTER_CLASS);
        for (int c = 0; c <= 0x10FFFF; c++) {
            if (c == 0xD800) {
                c = 0xE000; // surrogates are not characters
            }
            boolean regex = space.matcher(Character.toString(c)).matches();
            if (regex != Llama3PreTokenizer.isWhiteSpace(c)) {
                throw new AssertionError(String.format("U+%04X: regex \\s says %s", c, regex));
            }
        }
    }
}

package dev.skipllama.transformer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/** Our UTF-8 decoder: the JDK's on well-formed text, Unicode's maximal-subpart replacement on the rest. */
class Utf8Test {
    static String decode(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) bytes[i];
        }
        return Utf8.decode(b, 0, b.length);
    }

    /** The examples of Unicode 15, §3.9, Table 3-8 and around, plus the surrogate case the JDK treats differently. */
    @Test
    void replacesEachMaximalSubpart() {
        assertEquals("\uFFFD\uFFFD\uFFFD", decode(0xED, 0xA0, 0x80), "an encoded surrogate: ED is ill-formed before A0");
        assertEquals("\uFFFD\uFFFD\uFFFD", decode(0xF0, 0x80, 0x80), "overlong F0 80: three subparts");
        assertEquals("\uFFFD\uFFFD", decode(0xC0, 0x80));
        assertEquals("\uFFFD", decode(0xE2, 0x82), "a cut-off character is one subpart");
        assertEquals("\uFFFD" + "A", decode(0xE2, 0x82, 0x41));
        assertEquals("\uFFFD\uFFFD\uFFFD\uFFFD", decode(0xF4, 0x90, 0x80, 0x80), "above U+10FFFF");
        // Table 3-8: 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64 → a FFFD FFFD FFFD b FFFD c FFFD FFFD d
        assertEquals("a\uFFFD\uFFFD\uFFFDb\uFFFDc\uFFFD\uFFFDd",
                decode(0x61, 0xF1, 0x80, 0x80, 0xE1, 0x80, 0xC2, 0x62, 0x80, 0x63, 0x80, 0xBF, 0x64));
        assertEquals("€😀", decode(0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80));
    }

    @Property(tries = 300)
    void equalsTheJdkOnWellFormedText(@ForAll String s) {
        String wellFormed = new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8); // unpaired surrogates → '?'
        byte[] b = wellFormed.getBytes(StandardCharsets.UTF_8);
        assertEquals(wellFormed, Utf8.decode(b, 0, b.length));
    }
}

package dev.skipllama.transformer.chat.jinja;

import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.Locale;

/** C's strftime for {@code strftime_now(format)} (Llama-3.1+ templates print today's date with it). */
final class Strftime {
    private Strftime() {
    }

    static String format(String fmt, ZonedDateTime t) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c != '%' || i + 1 == fmt.length()) {
                b.append(c);
                continue;
            }
            char f = fmt.charAt(++i);
            switch (f) {
                case 'd' -> b.append(String.format(Locale.ROOT, "%02d", t.getDayOfMonth()));
                case 'e' -> b.append(String.format(Locale.ROOT, "%2d", t.getDayOfMonth()));
                case 'm' -> b.append(String.format(Locale.ROOT, "%02d", t.getMonthValue()));
                case 'Y' -> b.append(t.getYear());
                case 'y' -> b.append(String.format(Locale.ROOT, "%02d", t.getYear() % 100));
                case 'b', 'h' -> b.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'B' -> b.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'a' -> b.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'A' -> b.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'H' -> b.append(String.format(Locale.ROOT, "%02d", t.getHour()));
                case 'I' -> b.append(String.format(Locale.ROOT, "%02d", (t.getHour() + 11) % 12 + 1));
                case 'M' -> b.append(String.format(Locale.ROOT, "%02d", t.getMinute()));
                case 'S' -> b.append(String.format(Locale.ROOT, "%02d", t.getSecond()));
                case 'p' -> b.append(t.getHour() < 12 ? "AM" : "PM");
                case 'j' -> b.append(String.format(Locale.ROOT, "%03d", t.getDayOfYear()));
                case '%' -> b.append('%');
                default -> b.append('%').append(f);
            }
        }
        return b.toString();
    }
}

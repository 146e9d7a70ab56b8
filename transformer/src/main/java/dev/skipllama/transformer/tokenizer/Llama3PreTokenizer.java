package dev.skipllama.transformer.tokenizer;

/**
 * Llama-3's pre-tokenizer: splits text into the words BPE merges never cross. It computes exactly
 * the matches of the regular expression in Llama-3's {@code tokenizer.json} (as llama.cpp spells
 * it, with the case-insensitive group written out)
 *
 * <pre>
 * (?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])
 * |[^\r\n\p{L}\p{N}]?\p{L}+ |\p{N}{1,3} | ?[^\s\p{L}\p{N}]+[\r\n]* |\s*[\r\n]+ |\s+(?!\S) |\s+
 * </pre>
 *
 * with {@code \s} the Unicode White_Space property and {@code \p{L}}, {@code \p{N}} the general
 * categories, scanning code points instead of running a backtracking regex (several times faster;
 * a property test checks it against {@link java.util.regex} on random text). Every code point
 * lands in exactly one word.
 */
final class Llama3PreTokenizer {
    private static final byte LETTER = 1;
    private static final byte NUMBER = 2;
    private static final byte SPACE = 3;
    private static final byte OTHER = 4;

    private Llama3PreTokenizer() {
    }

    /** Appends the char offset where each word of {@code text} ends to {@code ends}. */
    static void split(String text, IntList ends) {
        int n = text.codePointCount(0, text.length());
        int[] cp = new int[n];
        int[] off = new int[n + 1]; // char offset of each code point, and the text length at the end
        byte[] cls = new byte[n];
        for (int i = 0, pos = 0; i < n; i++) {
            int c = text.codePointAt(pos);
            cp[i] = c;
            off[i] = pos;
            cls[i] = classify(c);
            pos += Character.charCount(c);
        }
        off[n] = text.length();

        int pos = 0;
        while (pos < n) {
            int end = match(cp, cls, n, pos);
            ends.add(off[end]);
            pos = end;
        }
    }

    /** The end (exclusive, in code points) of the word starting at {@code pos}. */
    private static int match(int[] cp, byte[] cls, int n, int pos) {
        int c = cp[pos];
        // (?:'s|'t|'re|'ve|'m|'ll|'d), ASCII case-insensitive
        if (c == '\'' && pos + 1 < n) {
            int a = asciiLower(cp[pos + 1]);
            if (a == 's' || a == 't' || a == 'm' || a == 'd') {
                return pos + 2;
            }
            if (pos + 2 < n) {
                int b = asciiLower(cp[pos + 2]);
                if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) {
                    return pos + 3;
                }
            }
        }
        // [^\r\n\p{L}\p{N}]?\p{L}+
        int letters = cls[pos] == LETTER ? pos
                : (c != '\r' && c != '\n' && cls[pos] != NUMBER && pos + 1 < n && cls[pos + 1] == LETTER) ? pos + 1 : -1;
        if (letters >= 0) {
            int e = letters;
            while (e < n && cls[e] == LETTER) {
                e++;
            }
            return e;
        }
        // \p{N}{1,3}
        if (cls[pos] == NUMBER) {
            int e = pos;
            while (e < n && e - pos < 3 && cls[e] == NUMBER) {
                e++;
            }
            return e;
        }
        //  ?[^\s\p{L}\p{N}]+[\r\n]*
        int p = c == ' ' ? pos + 1 : pos;
        if (p < n && cls[p] == OTHER) {
            int e = p;
            while (e < n && cls[e] == OTHER) {
                e++;
            }
            while (e < n && (cp[e] == '\r' || cp[e] == '\n')) {
                e++;
            }
            return e;
        }
        if (cls[pos] == SPACE) {
            int runEnd = pos;
            int lastNewline = -1;
            while (runEnd < n && cls[runEnd] == SPACE) {
                if (cp[runEnd] == '\r' || cp[runEnd] == '\n') {
                    lastNewline = runEnd;
                }
                runEnd++;
            }
            // \s*[\r\n]+ : greedy, so it ends after the last line break of the whitespace run
            if (lastNewline >= 0) {
                return lastNewline + 1;
            }
            // \s+(?!\S) : the whole run at the end of text, else all but the last space (left to prefix the next word)
            if (runEnd == n) {
                return runEnd;
            }
            if (runEnd - pos > 1) {
                return runEnd - 1;
            }
            // \s+
            return runEnd;
        }
        return pos + 1; // unreachable: every class is handled above; kept so the scan always advances
    }

    private static int asciiLower(int c) {
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    }

    private static byte classify(int c) {
        if (isWhiteSpace(c)) {
            return SPACE;
        }
        return switch (Character.getType(c)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> LETTER;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            default -> OTHER;
        };
    }

    /** The Unicode White_Space property (what {@code \s} means in Unicode-aware regex engines). */
    static boolean isWhiteSpace(int c) {
        return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680
                || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F
                || c == 0x3000;
    }
}

package dev.skipllama.transformer.tokenizer;

/** UTF-8 facts the tokenizers need beyond what {@link java.nio.charset.StandardCharsets} offers. */
final class Utf8 {
    private Utf8() {
    }

    /**
     * How many leading bytes of {@code b[0..len)} can be decoded now without changing the result
     * of decoding the whole stream later: all of them, unless the stream ends with the start of a
     * well-formed multi-byte character still missing bytes, which is held back.
     *
     * <p>Why this is safe: {@link #decode} replaces each maximal ill-formed subpart with U+FFFD, so it
     * always restarts at a lead byte, and cutting just before a lead byte never changes how the bytes
     * on either side decode.
     */
    static int completePrefix(byte[] b, int len) {
        for (int back = 1; back <= 3 && back <= len; back++) {
            int p = len - back;
            int lead = b[p] & 0xFF;
            if ((lead & 0xC0) == 0x80) {
                continue; // a continuation byte: keep looking for the lead
            }
            int need = sequenceLength(lead);
            if (need <= back) {
                return len; // the last character is complete (or the lead is invalid)
            }
            for (int i = p + 1; i < len; i++) {
                if (!validContinuation(lead, i - p, b[i] & 0xFF)) {
                    return len; // can never become well-formed: decode it (as U+FFFD) now
                }
            }
            return p;
        }
        return len;
    }

    /**
     * Decodes UTF-8, replacing each maximal subpart of an ill-formed sequence with one U+FFFD (Unicode
     * §3.9, "U+FFFD Substitution of Maximal Subparts"; what Python, Rust's {@code from_utf8_lossy} and
     * the WHATWG decoder do). The JDK's decoder is not used: it deviates for encoded surrogates
     * ({@code ED A0 80} becomes one U+FFFD instead of three), which would make a stream decoded in
     * pieces differ from the same bytes decoded at once.
     */
    static String decode(byte[] b, int off, int len) {
        StringBuilder out = new StringBuilder(len);
        int i = off, end = off + len;
        while (i < end) {
            int lead = b[i] & 0xFF;
            if (lead < 0x80) {
                out.append((char) lead);
                i++;
                continue;
            }
            int need = sequenceLength(lead);
            if (need == 1) { // a continuation byte or a byte that never leads
                out.append('\uFFFD');
                i++;
                continue;
            }
            int k = 1;
            while (k < need && i + k < end && validContinuation(lead, k, b[i + k] & 0xFF)) {
                k++;
            }
            if (k < need) { // the maximal subpart b[i, i+k) is ill-formed (or cut off by the end)
                out.append('\uFFFD');
                i += k;
                continue;
            }
            int cp = need == 2 ? lead & 0x1F : need == 3 ? lead & 0x0F : lead & 0x07;
            for (int j = 1; j < need; j++) {
                cp = cp << 6 | b[i + j] & 0x3F;
            }
            out.appendCodePoint(cp);
            i += need;
        }
        return out.toString();
    }

    /** Bytes in the sequence a lead byte starts; 1 for ASCII and for bytes that cannot lead. */
    static int sequenceLength(int lead) {
        if (lead >= 0xC2 && lead <= 0xDF) {
            return 2;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            return 3;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            return 4;
        }
        return 1;
    }

    /** Whether {@code c} may be the {@code index}-th byte (1-based after the lead) of a well-formed sequence. */
    private static boolean validContinuation(int lead, int index, int c) {
        if (index == 1) {
            // Unicode Table 3-7: the second byte's range depends on the lead (no overlongs, no surrogates, ≤ U+10FFFF).
            return switch (lead) {
                case 0xE0 -> c >= 0xA0 && c <= 0xBF;
                case 0xED -> c >= 0x80 && c <= 0x9F;
                case 0xF0 -> c >= 0x90 && c <= 0xBF;
                case 0xF4 -> c >= 0x80 && c <= 0x8F;
                default -> (c & 0xC0) == 0x80;
            };
        }
        return (c & 0xC0) == 0x80;
    }

    /** Appends the UTF-8 bytes of code point {@code cp} to {@code out} at {@code pos}; returns the new position. */
    static int put(int cp, byte[] out, int pos) {
        if (cp < 0x80) {
            out[pos++] = (byte) cp;
        } else if (cp < 0x800) {
            out[pos++] = (byte) (0xC0 | cp >> 6);
            out[pos++] = (byte) (0x80 | cp & 0x3F);
        } else if (cp < 0x10000) {
            out[pos++] = (byte) (0xE0 | cp >> 12);
            out[pos++] = (byte) (0x80 | cp >> 6 & 0x3F);
            out[pos++] = (byte) (0x80 | cp & 0x3F);
        } else {
            out[pos++] = (byte) (0xF0 | cp >> 18);
            out[pos++] = (byte) (0x80 | cp >> 12 & 0x3F);
            out[pos++] = (byte) (0x80 | cp >> 6 & 0x3F);
            out[pos++] = (byte) (0x80 | cp & 0x3F);
        }
        return pos;
    }

    /** Throws if {@code text} holds an unpaired surrogate, which has no UTF-8 encoding to tokenize. */
    static void requireWellFormed(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                } else {
                    throw new IllegalArgumentException(String.format(
                            "text has an unpaired surrogate U+%04X at index %d; it has no UTF-8 form to tokenize", (int) c, i));
                }
            }
        }
    }
}

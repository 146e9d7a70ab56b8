package dev.skipllama.transformer.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Cuts text at the texts of special tokens before the model's algorithm sees it, the way
 * llama.cpp's {@code tokenizer_st_partition} does: tokens are tried longest text first, each over
 * every remaining plain-text fragment, leftmost occurrences first. (Longest-first over the whole
 * text, not a left-to-right scan, decides overlaps such as "ab"/"bcd" in "abcd" exactly as
 * llama.cpp does.) User-defined tokens are always matched; control and unknown tokens only when
 * asked to parse specials. A token with llama.cpp's RSTRIP attribute swallows the whitespace that
 * follows it (Phi-3's vocabulary: {@code <|user|>\nHi} is {@code <|user|>} then {@code Hi}).
 */
final class SpecialTokenSplitter {

    /** A piece of the input: plain text to tokenize ({@code token == -1}) or one special token. */
    record Fragment(String text, int token) {
        boolean isText() {
            return token < 0;
        }
    }

    private final int[] ids;       // candidate ids, longest text first
    private final String[] texts;
    private final boolean[] special; // control/unknown: only with parseSpecial
    private final boolean[] rstrip;

    SpecialTokenSplitter(Vocabulary vocab) {
        this(vocab, java.util.Set.of());
    }

    SpecialTokenSplitter(Vocabulary vocab, java.util.Set<Integer> rstripAfter) {
        List<Integer> candidates = new ArrayList<>();
        for (int id = 0; id < vocab.size(); id++) {
            TokenType t = vocab.type(id);
            if (t == TokenType.CONTROL || t == TokenType.USER_DEFINED || t == TokenType.UNKNOWN) {
                candidates.add(id);
            }
        }
        // Stable sort: equal lengths keep id order.
        candidates.sort(Comparator.comparingInt((Integer id) -> -vocab.piece(id).length()));
        ids = new int[candidates.size()];
        texts = new String[ids.length];
        special = new boolean[ids.length];
        rstrip = new boolean[ids.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = candidates.get(i);
            texts[i] = vocab.piece(ids[i]);
            special[i] = vocab.type(ids[i]).isSpecial();
            rstrip[i] = rstripAfter.contains(ids[i]);
        }
    }

    List<Fragment> split(String text, boolean parseSpecial) {
        List<Fragment> fragments = new ArrayList<>();
        if (text.isEmpty()) {
            return fragments;
        }
        fragments.add(new Fragment(text, -1));
        for (int i = 0; i < ids.length; i++) {
            if (special[i] && !parseSpecial) {
                continue;
            }
            // Fragments are substrings of the text, so a token absent from the whole text is absent from all.
            if (text.indexOf(texts[i]) < 0) {
                continue;
            }
            fragments = splitAll(fragments, texts[i], ids[i], rstrip[i]);
        }
        return fragments;
    }

    private static List<Fragment> splitAll(List<Fragment> in, String needle, int id, boolean rstrip) {
        List<Fragment> out = new ArrayList<>(in.size() + 2);
        for (Fragment f : in) {
            if (!f.isText()) {
                out.add(f);
                continue;
            }
            String s = f.text();
            int from = 0;
            int at;
            while ((at = s.indexOf(needle, from)) >= 0) {
                if (at > from) {
                    out.add(new Fragment(s.substring(from, at), -1));
                }
                out.add(new Fragment(needle, id));
                from = at + needle.length();
                while (rstrip && from < s.length() && " \t\n\r\f\u000b".indexOf(s.charAt(from)) >= 0) { // C's isspace
                    from++;
                }
            }
            if (from < s.length()) {
                out.add(new Fragment(from == 0 ? s : s.substring(from), -1));
            }
        }
        return out;
    }
}

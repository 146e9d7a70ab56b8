package dev.skipllama.transformer.tokenizer;

import java.util.ArrayList;
import java.util.List;

/** Parsing of BPE merge rules written as one string, {@code "left right"} (GGUF, older tokenizer.json). */
final class Merges {
    private Merges() {
    }

    /**
     * Splits each rule at its first space after the first character (as llama.cpp does, so a
     * rule's left part may itself begin with a space in vocabularies that have such tokens).
     */
    static List<String[]> parse(List<String> rules, String source) {
        List<String[]> out = new ArrayList<>(rules.size());
        for (int i = 0; i < rules.size(); i++) {
            String rule = rules.get(i);
            int sp = rule.indexOf(' ', 1);
            if (sp < 0 || sp == rule.length() - 1) {
                throw new TokenizerFormatException(source + ": merge #" + i + " '" + rule
                        + "' is not two parts separated by a space");
            }
            out.add(new String[] {rule.substring(0, sp), rule.substring(sp + 1)});
        }
        return out;
    }
}

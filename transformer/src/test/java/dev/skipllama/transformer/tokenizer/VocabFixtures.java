package dev.skipllama.transformer.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Map;

/**
 * llama.cpp's tokenizer fixtures ({@code ggml-vocab-*.gguf} with {@code .inp}/{@code .out}) read
 * the way its {@code test-tokenizer-0} reads them: the input split at
 * {@code "\n__ggml_vocab_test__\n"} (so a text keeps every newline of its own, and the one before
 * each separator is not part of it), one output line per text with ids separated by spaces,
 * tokenized with {@code add_special = false} (no BOS) and {@code parse_special = false}.
 */
final class VocabFixtures {
    record Case(int index, String text, int[] ids) {
        @Override
        public String toString() {
            return "#" + index + " '" + text.replace("\n", "\\n").replace("\t", "\\t") + "' → " + Arrays.toString(ids);
        }
    }

    private static final Map<String, Tokenizer> LOADED = new ConcurrentHashMap<>();

    private VocabFixtures() {
    }

    static Path gguf(String name) {
        try {
            return Path.of(VocabFixtures.class.getResource("/llama.cpp-vocab/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The tokenizer of a fixture GGUF, loaded once per test JVM (the BPE one has 128k tokens and 280k merges). */
    static Tokenizer tokenizer(String name) {
        return LOADED.computeIfAbsent(name, n -> {
            try {
                return GgufTokenizerLoader.load(gguf(n));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    static Tokenizer spm() {
        return tokenizer("ggml-vocab-llama-spm.gguf");
    }

    static Tokenizer bpe() {
        return tokenizer("ggml-vocab-llama-bpe.gguf");
    }

    static List<Case> cases(String name) {
        String inp = resource(name + ".inp");
        List<String> out = resource(name + ".out").lines().toList();
        String sep = "\n__ggml_vocab_test__\n";
        List<String> texts = new ArrayList<>();
        int pos = 0;
        while (pos < inp.length()) {
            int next = inp.indexOf(sep, pos);
            if (next < 0) {
                texts.add(inp.substring(pos));
                break;
            }
            texts.add(inp.substring(pos, next));
            pos = next + sep.length();
        }
        if (texts.size() != out.size()) {
            throw new IllegalStateException(name + ": " + texts.size() + " texts but " + out.size() + " output lines");
        }
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String line = out.get(i).strip();
            int[] ids = line.isEmpty() ? new int[0] : Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray();
            cases.add(new Case(i, texts.get(i), ids));
        }
        return cases;
    }

    private static String resource(String name) {
        try (InputStream in = VocabFixtures.class.getResourceAsStream("/llama.cpp-vocab/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

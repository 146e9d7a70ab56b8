package dev.skipllama.skip.speculative;

import dev.skipllama.transformer.io.OutputFile;
import dev.skipllama.transformer.io.TextFiles;
import dev.skipllama.transformer.json.Json;
import dev.skipllama.transformer.json.JsonException;
import dev.skipllama.transformer.tokenizer.TokenType;
import dev.skipllama.transformer.tokenizer.Tokenizer;
import dev.skipllama.transformer.tokenizer.Vocabulary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Every token id of a vocabulary, most frequent first: what a reduced draft head keeps the top of
 * (FR-Spec, Zhao et al. 2025: drafts choose among the N most frequent tokens, the full head verifies,
 * so the output does not change, only how often drafts are accepted).
 *
 * <p>Where the ranking comes from, best first:
 * <ol>
 *   <li>{@link #fromText}: token counts on calibration text (ties broken by the fallback below);
 *       saved with {@link #write} and read back with {@link #read};</li>
 *   <li>{@link #fromTokenizer}, the documented fallback without text: end-of-generation tokens
 *       first (a draft must be able to end a reply), then ordinary pieces by the tokenizer's own
 *       rank — SentencePiece scores, highest first (they are log-frequencies or negated merge ranks),
 *       or, for a byte-level BPE vocabulary without scores, token id (ids follow the merge order, and
 *       earlier merges are the more frequent pairs) — then byte-fallback tokens, then control,
 *       unused and unknown tokens;</li>
 *   <li>{@link #byTokenId}: ids in order, for a model without a tokenizer (tests).</li>
 * </ol>
 * The fallback is a weak guess: a merge's rank says how frequent a <em>pair</em> was while the
 * vocabulary was built, not how often the token survives as a final token (early merges such as
 * "he" or "in" are mostly merged further). On the embedded model's held-out text its 1,024 top
 * tokens cover 62% of the tokens against 74% for counts on 80 lines of other text (2,048: 73%
 * against 91%). Give calibration text where it matters.
 */
public final class DraftVocabulary {
    public static final String FORMAT = "skipllama-draft-vocabulary";
    public static final int VERSION = 1;
    /** A vocabulary file lists every id once: a few bytes per token. */
    public static final long MAX_BYTES = 64L << 20;

    private final int[] ranked;
    private final String source;

    private DraftVocabulary(int[] ranked, String source) {
        boolean[] seen = new boolean[ranked.length];
        for (int i = 0; i < ranked.length; i++) {
            int t = ranked[i];
            if (t < 0 || t >= ranked.length || seen[t]) {
                throw new IllegalArgumentException("a draft vocabulary ranks every token id of [0, " + ranked.length
                        + ") exactly once; entry " + i + " is " + t);
            }
            seen[t] = true;
        }
        this.ranked = ranked;
        this.source = source;
    }

    /**
     * The number of tokens a draft head keeps by default for a vocabulary of {@code vocabSize}: a
     * quarter of a large one (32,768 or more tokens; FR-Spec's 32k of Llama-3's 128k, whose most
     * frequent quarter holds ~95% of the tokens of ordinary text), rounded up to a multiple of 64; the
     * whole head below that. A smaller vocabulary is less concentrated (on the embedded model's 4,096
     * tokens the most frequent 1,024 hold only ~74% of held-out text) and its head is cheap anyway.
     */
    public static int defaultSize(int vocabSize) {
        if (vocabSize < 32768) {
            return vocabSize;
        }
        return Math.min(vocabSize, (vocabSize / 4 + 63) / 64 * 64);
    }

    /** Token ids in order: the ranking for a model without a tokenizer. */
    public static DraftVocabulary byTokenId(int vocabSize) {
        int[] r = new int[vocabSize];
        Arrays.setAll(r, i -> i);
        return new DraftVocabulary(r, "token ids");
    }

    /** The fallback ranking from the tokenizer alone (see the class comment). */
    public static DraftVocabulary fromTokenizer(Tokenizer tokenizer) {
        Vocabulary v = tokenizer.vocabulary();
        int n = v.size();
        float[] scores = v.scores();
        boolean scored = false;
        for (int i = 1; i < n && !scored; i++) {
            scored = scores[i] != scores[0];
        }
        // Class (0 end of generation, 1 ordinary, 2 byte, 3 the rest), then score (highest first) or id.
        int[] cls = new int[n];
        for (int id = 0; id < n; id++) {
            TokenType type = v.type(id);
            cls[id] = tokenizer.isEndOfGeneration(id) ? 0
                    : type == TokenType.NORMAL || type == TokenType.USER_DEFINED ? 1
                    : type == TokenType.BYTE ? 2 : 3;
        }
        boolean byScore = scored;
        Integer[] order = new Integer[n];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, (a, b) -> {
            if (cls[a] != cls[b]) {
                return Integer.compare(cls[a], cls[b]);
            }
            if (byScore && cls[a] == 1 && scores[a] != scores[b]) {
                return Float.compare(scores[b], scores[a]);
            }
            return Integer.compare(a, b);
        });
        return new DraftVocabulary(Arrays.stream(order).mapToInt(Integer::intValue).toArray(),
                scored ? "tokenizer scores" : "token ids (BPE merge order)");
    }

    /** Ranks by how often each token occurs in {@code texts} (tokenized without BOS); ties as {@link #fromTokenizer}. */
    public static DraftVocabulary fromText(Tokenizer tokenizer, Collection<String> texts) {
        long[] counts = new long[tokenizer.vocabSize()];
        long total = 0;
        for (String t : texts) {
            for (int id : tokenizer.encode(t, false)) {
                counts[id]++;
                total++;
            }
        }
        return fromCounts(counts, fromTokenizer(tokenizer), "calibration text (" + total + " tokens)");
    }

    /** Ranks by {@code counts[id]}, highest first; ties in the order of {@code tieBreak}. */
    public static DraftVocabulary fromCounts(long[] counts, DraftVocabulary tieBreak, String source) {
        int n = counts.length;
        if (tieBreak.size() != n) {
            throw new IllegalArgumentException(n + " counts but a tie-break ranking of " + tieBreak.size() + " tokens");
        }
        int[] tieRank = new int[n];
        for (int i = 0; i < n; i++) {
            tieRank[tieBreak.ranked[i]] = i;
        }
        Integer[] order = new Integer[n];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, (a, b) -> counts[a] != counts[b] ? Long.compare(counts[b], counts[a]) : Integer.compare(tieRank[a], tieRank[b]));
        return new DraftVocabulary(Arrays.stream(order).mapToInt(Integer::intValue).toArray(), source);
    }

    /** Tokens in the vocabulary. */
    public int size() {
        return ranked.length;
    }

    /** Where the ranking came from, for reports. */
    public String source() {
        return source;
    }

    /** The {@code n} most frequent token ids, in ascending id order (a canonical set: the draft head's rows). */
    public int[] top(int n) {
        if (n < 1 || n > ranked.length) {
            throw new IllegalArgumentException("a draft head keeps between 1 and " + ranked.length + " tokens, got " + n);
        }
        int[] t = Arrays.copyOf(ranked, n);
        Arrays.sort(t);
        return t;
    }

    /** Every id, most frequent first. */
    public int[] ranking() {
        return ranked.clone();
    }

    /** Writes the ranking as JSON, atomically, refusing a {@code file} that is one of {@code inputs}. */
    public void write(Path file, Collection<Path> inputs) {
        StringBuilder b = new StringBuilder(ranked.length * 7 + 200);
        b.append("{\n  \"format\": \"").append(FORMAT).append("\",\n  \"version\": ").append(VERSION)
                .append(",\n  \"source\": ").append(Json.quote(source)).append(",\n  \"tokens\": [");
        for (int i = 0; i < ranked.length; i++) {
            b.append(i % 16 == 0 ? "\n    " : " ").append(ranked[i]).append(i + 1 < ranked.length ? "," : "");
        }
        b.append("\n  ]\n}\n");
        try {
            OutputFile.writeString(file, b.toString(), inputs);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write draft vocabulary " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads a ranking {@link #write} wrote, checking that it ranks exactly the ids of a {@code vocabSize} vocabulary. */
    public static DraftVocabulary read(Path file, int vocabSize) {
        String where = "draft vocabulary " + file + ": ";
        Map<String, Object> root;
        try {
            root = Json.parseObject(TextFiles.read(file, MAX_BYTES, "a draft vocabulary file"));
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        } catch (JsonException e) {
            throw new IllegalArgumentException(where + "not valid JSON: " + e.getMessage(), e);
        }
        if (!FORMAT.equals(root.get("format")) || !(root.get("version") instanceof Long v) || v != VERSION) {
            throw new IllegalArgumentException(where + "expected \"format\": \"" + FORMAT + "\" and \"version\": " + VERSION);
        }
        if (!(root.get("tokens") instanceof List<?> ids)) {
            throw new IllegalArgumentException(where + "\"tokens\" must be an array of token ids");
        }
        if (ids.size() != vocabSize) {
            throw new IllegalArgumentException(where + "ranks " + ids.size() + " tokens, but the model's vocabulary has " + vocabSize);
        }
        int[] ranked = new int[ids.size()];
        for (int i = 0; i < ranked.length; i++) {
            if (!(ids.get(i) instanceof Long id) || id < 0 || id >= vocabSize) {
                throw new IllegalArgumentException(where + "tokens[" + i + "] is not a token id in [0, " + vocabSize + "): " + ids.get(i));
            }
            ranked[i] = (int) (long) id;
        }
        String source = root.get("source") instanceof String s ? s : file.toString();
        try {
            return new DraftVocabulary(ranked, source + " (" + file.getFileName() + ")");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "draft vocabulary of " + ranked.length + " tokens from " + source;
    }
}

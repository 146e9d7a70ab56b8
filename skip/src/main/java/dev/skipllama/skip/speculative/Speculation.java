package dev.skipllama.skip.speculative;

import dev.skipllama.skip.SkipSpecException;
import dev.skipllama.tensor.DType;
import dev.skipllama.transformer.generate.TokenDecoder;
import dev.skipllama.transformer.model.Model;
import dev.skipllama.transformer.model.SpeculativeMethod;
import dev.skipllama.transformer.sampling.SamplingConfig;
import java.nio.file.Path;
import java.util.Locale;

/**
 * How to speculate: a fixed exit layer E and draft length d, or {@code auto} (E and d chosen while
 * generating from measured costs and the acceptance seen so far, full decoding where drafts are not
 * accepted); and the draft head (the {@link DraftVocabulary}'s N most frequent tokens, or the whole
 * head). Immutable; one value serves any number of sessions:
 *
 * <pre>{@code
 * SessionOptions.defaults(2048).withSpeculation(Speculation.auto())
 * SessionOptions.defaults(2048).withSpeculation(Speculation.fixed(4, 3).withDraftTokens(16384))
 * }</pre>
 *
 * Spec strings ({@link #parse}, the command line's {@code --speculate}): {@code auto[,max=D]} or
 * {@code E,D}, then options {@code tokens=N|all} (draft-head size; default
 * {@link DraftVocabulary#defaultSize}) and {@code vocab=FILE} (a ranking saved by
 * {@link DraftVocabulary#write}).
 */
public final class Speculation implements SpeculativeMethod {
    /** The longest draft {@code auto} considers unless told otherwise. */
    public static final int AUTO_MAX_DRAFT = 8;
    /** The longest draft a spec may ask for. */
    public static final int MAX_DRAFT = 32;
    static final int AUTO = 0;

    private final int exitLayer;       // AUTO for auto
    private final int draftLength;     // fixed d, or the longest auto may choose
    private final DraftVocabulary vocabulary; // null: the model tokenizer's fallback ranking
    private final Path vocabularyFile;        // read when the decoder is made (needs the vocabulary size)
    private final int draftTokens;     // 0: the default for the vocabulary size; >= vocab: the whole head

    private Speculation(int exitLayer, int draftLength, DraftVocabulary vocabulary, Path vocabularyFile, int draftTokens) {
        if (exitLayer < 0) {
            throw new IllegalArgumentException("exit layer must be >= 1, got " + exitLayer);
        }
        if (draftLength < 1 || draftLength > MAX_DRAFT) {
            throw new IllegalArgumentException("draft length must be in [1, " + MAX_DRAFT + "], got " + draftLength);
        }
        if (draftTokens < 0) {
            throw new IllegalArgumentException("draft-head tokens must be >= 1, got " + draftTokens);
        }
        this.exitLayer = exitLayer;
        this.draftLength = draftLength;
        this.vocabulary = vocabulary;
        this.vocabularyFile = vocabularyFile;
        this.draftTokens = draftTokens;
    }

    /** Drafts of {@code draftLength} tokens by the first {@code exitLayer} layers, every round. */
    public static Speculation fixed(int exitLayer, int draftLength) {
        if (exitLayer < 1) {
            throw new IllegalArgumentException("exit layer must be >= 1, got " + exitLayer);
        }
        return new Speculation(exitLayer, draftLength, null, null, 0);
    }

    /**
     * E and d chosen while generating from measured costs and the acceptance seen so far, full decoding
     * where drafts do not pay ({@code AutoSchedule}); drafts of at most {@link #AUTO_MAX_DRAFT}.
     */
    public static Speculation auto() {
        return new Speculation(AUTO, AUTO_MAX_DRAFT, null, null, 0);
    }

    /** For {@code auto}: the longest draft it may choose. */
    public Speculation withMaxDraft(int maxDraft) {
        if (!isAuto()) {
            throw new IllegalStateException("withMaxDraft is for auto; a fixed speculation has draft length " + draftLength);
        }
        return new Speculation(AUTO, maxDraft, vocabulary, vocabularyFile, draftTokens);
    }

    /** Drafts choose among this ranking's most frequent tokens (instead of the tokenizer's fallback ranking). */
    public Speculation withDraftVocabulary(DraftVocabulary v) {
        return new Speculation(exitLayer, draftLength, java.util.Objects.requireNonNull(v, "vocabulary"), null, draftTokens);
    }

    /** The same, read from a file {@link DraftVocabulary#write} wrote when a decoder is made. */
    public Speculation withDraftVocabulary(Path file) {
        return new Speculation(exitLayer, draftLength, null, java.util.Objects.requireNonNull(file, "file"), draftTokens);
    }

    /** How many tokens the draft head keeps; the vocabulary size or more means the whole LM head. */
    public Speculation withDraftTokens(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("the draft head needs at least 1 token, got " + n);
        }
        return new Speculation(exitLayer, draftLength, vocabulary, vocabularyFile, n);
    }

    /** Drafts from the whole LM head (no reduced vocabulary). */
    public Speculation withFullDraftHead() {
        return withDraftTokens(Integer.MAX_VALUE);
    }

    public boolean isAuto() {
        return exitLayer == AUTO;
    }

    /** The exit layer E of a fixed speculation; 0 for auto. */
    public int exitLayer() {
        return exitLayer;
    }

    /** The draft length of a fixed speculation, or the longest auto may choose. */
    public int draftLength() {
        return draftLength;
    }

    /** The draft head's rows for a vocabulary of {@code vocabSize}. */
    public int draftTokens(int vocabSize) {
        return draftTokens == 0 ? DraftVocabulary.defaultSize(vocabSize) : Math.min(draftTokens, vocabSize);
    }

    /** Whether making a decoder reads a file (a draft vocabulary given as {@code vocab=FILE}). */
    public boolean readsFile() {
        return vocabularyFile != null;
    }

    /** The ranking given, if any (null: the model's tokenizer decides). */
    public DraftVocabulary vocabulary() {
        return vocabulary;
    }

    /**
     * Parses {@code auto[,max=D]} or {@code E,D}, with options {@code tokens=N|all} and {@code vocab=FILE};
     * a malformed spec is a {@link SkipSpecException} quoting it. The exit layer is checked against the
     * model when a decoder is made.
     */
    public static Speculation parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new SkipSpecException("empty --speculate spec; expected auto or E,D (e.g. 4,3)");
        }
        String[] parts = spec.strip().split(",", -1);
        Speculation s;
        int i;
        if (parts[0].strip().equalsIgnoreCase("auto")) {
            s = auto();
            i = 1;
        } else {
            if (parts.length < 2) {
                throw bad(spec, "expected auto or E,D with E the exit layer and D the draft length, e.g. 4,3");
            }
            int e = toInt(spec, parts[0], "the exit layer E", 1, Integer.MAX_VALUE);
            int d = toInt(spec, parts[1], "the draft length D", 1, MAX_DRAFT);
            s = fixed(e, d);
            i = 2;
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (; i < parts.length; i++) {
            String p = parts[i].strip();
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw bad(spec, "option '" + p + "' is not of the form key=value (tokens=N|all, vocab=FILE" + (s.isAuto() ? ", max=D" : "") + ")");
            }
            String key = p.substring(0, eq).strip().toLowerCase(Locale.ROOT), value = p.substring(eq + 1).strip();
            if (!seen.add(key)) {
                throw bad(spec, "option '" + key + "' given twice");
            }
            switch (key) {
                case "tokens" -> s = value.equalsIgnoreCase("all") ? s.withFullDraftHead()
                        : s.withDraftTokens(toInt(spec, value, "option tokens", 1, Integer.MAX_VALUE));
                case "vocab" -> {
                    if (value.isEmpty()) {
                        throw bad(spec, "option vocab needs a file (a draft vocabulary written by DraftVocabulary.write)");
                    }
                    s = s.withDraftVocabulary(Path.of(value));
                }
                case "max" -> {
                    if (!s.isAuto()) {
                        throw bad(spec, "option max is for auto; E,D fixes the draft length");
                    }
                    s = s.withMaxDraft(toInt(spec, value, "option max", 1, MAX_DRAFT));
                }
                default -> throw bad(spec, "unknown option '" + key + "' (tokens=N|all, vocab=FILE" + (s.isAuto() ? ", max=D" : "") + ")");
            }
        }
        return s;
    }

    private static int toInt(String spec, String text, String what, int min, int max) {
        int v;
        try {
            v = Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw bad(spec, what + " must be an integer, got '" + text.strip() + "'");
        }
        if (v < min || v > max) {
            throw bad(spec, what + " must be in [" + min + ", " + (max == Integer.MAX_VALUE ? "the model's layers" : max) + "], got " + v);
        }
        return v;
    }

    private static SkipSpecException bad(String spec, String what) {
        return new SkipSpecException("bad --speculate spec '" + spec.strip() + "': " + what);
    }

    /** This speculation with its draft vocabulary settled: given, read from its file, or the tokenizer's fallback. */
    Speculation resolve(Model model) {
        if (vocabulary != null) {
            return this;
        }
        DraftVocabulary v = vocabularyFile != null ? DraftVocabulary.read(vocabularyFile, model.config().vocabSize())
                : DraftVocabulary.fromTokenizer(model.tokenizer());
        return new Speculation(exitLayer, draftLength, v, null, draftTokens);
    }

    /** The ranking a decoder of a model without a tokenizer at hand uses: given, read from its file, or token ids. */
    DraftVocabulary ranking(int vocabSize) {
        if (vocabulary != null) {
            return vocabulary;
        }
        return vocabularyFile != null ? DraftVocabulary.read(vocabularyFile, vocabSize) : DraftVocabulary.byTokenId(vocabSize);
    }

    @Override
    public TokenDecoder newDecoder(Model model, SamplingConfig sampling, int contextLength, DType kvType) {
        return new SelfSpeculativeDecoder(model.llama(), resolve(model), sampling, contextLength, kvType);
    }

    @Override
    public String name() {
        String head = draftTokens == Integer.MAX_VALUE ? ", full draft head" : draftTokens == 0 ? "" : ", draft head " + draftTokens + " tokens";
        return (isAuto() ? "self-speculation auto (d <= " + draftLength + ")" : "self-speculation E=" + exitLayer + " d=" + draftLength) + head;
    }

    @Override
    public String toString() {
        return name();
    }
}

package dev.skipllama.transformer.model;

import dev.skipllama.transformer.generate.DecodeStats;
import dev.skipllama.transformer.generate.TokenDecoder;
import dev.skipllama.transformer.generate.TokenSink;
import dev.skipllama.transformer.llama.ContextOverflowException;
import dev.skipllama.transformer.llama.NonFiniteLogitsException;
import dev.skipllama.transformer.tokenizer.PieceDecoder;
import dev.skipllama.transformer.tokenizer.Tokenizer;
import java.lang.ref.Cleaner;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * One conversation with a {@link Model}: it owns a KV cache (inside its decoder) and scratch
 * buffers, so sessions are independent; several may run on one model from different threads. A
 * session itself is used by one thread at a time: a second thread calling {@code generate} while
 * the first is inside it gets an {@link IllegalStateException} (detected, not raced). Each
 * {@code generate} call starts a new sequence.
 *
 * <p>Close sessions when done (they hold native memory for the KV cache). One that is never closed
 * is closed by a {@link Cleaner} once it is unreachable, as a safety net.
 */
public final class Session implements AutoCloseable {
    /** Closes unreachable sessions' decoders; one daemon thread for all sessions. */
    private static final Cleaner CLEANER = Cleaner.create();

    private final Model model;
    private final SessionOptions options;
    private final TokenDecoder decoder;
    private final Cleaner.Cleanable cleanable;
    /** The thread inside {@code generate}, or null: one compare-and-set per call detects concurrent use. */
    private final AtomicReference<Thread> user = new AtomicReference<>();

    Session(Model model, SessionOptions options) {
        if (options.contextLength() > model.config().contextLength()) {
            throw new IllegalArgumentException("session context " + options.contextLength() + " exceeds the model's context length "
                    + model.config().contextLength());
        }
        this.model = model;
        this.options = options;
        this.decoder = options.decoder().create(model, options.sampling(), options.contextLength(), options.kvType());
        TokenDecoder d = decoder; // the cleaning action must not reach the session, or it would never become unreachable
        this.cleanable = CLEANER.register(this, d::close);
    }

    /** Generates text after {@code prompt} (BOS added when the tokenizer asks for it). */
    public Generation generate(String prompt, int maxNewTokens) {
        return generate(prompt, maxNewTokens, text -> true);
    }

    /**
     * Generates and streams: {@code onText} receives each piece of text as soon as it is complete
     * (multi-byte characters split across tokens arrive whole) and returns false to stop.
     */
    public Generation generate(String prompt, int maxNewTokens, Predicate<String> onText) {
        Tokenizer tok = model.tokenizer();
        return generate(tok.encode(prompt, tok.addBosByDefault()), maxNewTokens, onText);
    }

    /** Streams text with the depth of each piece's prediction (see {@link #generate(int[], int, TextSink)}). */
    public Generation generate(String prompt, int maxNewTokens, TextSink onText) {
        Tokenizer tok = model.tokenizer();
        return generate(tok.encode(prompt, tok.addBosByDefault()), maxNewTokens, onText);
    }

    /** The same from token ids. */
    public Generation generate(int[] prompt, int maxNewTokens, Predicate<String> onText) {
        return generate(prompt, maxNewTokens, (piece, layers) -> onText.test(piece));
    }

    /** Receives streamed text and the decoder layers that predicted its last token. */
    @FunctionalInterface
    public interface TextSink {
        boolean accept(String piece, int layers);
    }

    /**
     * Generates and streams text with the depth of each piece's prediction: the model's layer count for
     * a full pass, fewer for an early exit or an accepted self-speculative draft.
     */
    public Generation generate(int[] prompt, int maxNewTokens, TextSink onText) {
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("maxNewTokens must be at least 1, got " + maxNewTokens);
        }
        if ((long) prompt.length + maxNewTokens > options.contextLength()) { // long: MAX_VALUE must not wrap around
            throw new ContextOverflowException(prompt.length, maxNewTokens, options.contextLength());
        }
        Thread me = Thread.currentThread();
        Thread other = user.compareAndExchange(null, me);
        if (other != null) {
            throw new IllegalStateException(other == me
                    ? "Session.generate was called again from inside its own callback; a session runs one generation at a time"
                    : "this Session is in use by thread '" + other.getName() + "'; a session is used by one thread at a time "
                    + "(give each thread its own session; they may share the Model)");
        }
        try {
            return run(prompt, maxNewTokens, onText);
        } catch (NonFiniteLogitsException e) {
            throw e.withPrefix(model.source() + ": ");
        } catch (InternalError e) {
            throw model.explainFault(e); // a model file truncated underneath faults inside the kernels
        } finally {
            user.set(null);
        }
    }

    private Generation run(int[] prompt, int maxNewTokens, TextSink onText) {
        Tokenizer tok = model.tokenizer();
        int vocab = model.config().vocabSize();
        for (int i = 0; i < prompt.length; i++) {
            if (prompt[i] < 0 || prompt[i] >= vocab) {
                throw new IllegalArgumentException("prompt token " + prompt[i] + " at index " + i + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
        PieceDecoder pieces = tok.newDecoder().continuing(prompt); // generated text continues the prompt's
        StringBuilder text = new StringBuilder();
        int[] tokens = new int[maxNewTokens];
        int[] count = {0};
        Generation.StopReason[] reason = {Generation.StopReason.MAX_TOKENS};
        int[] held = {0}; // characters held back because they might start a stop string
        int[] depth = {0};
        DecodeStats stats = decoder.generate(prompt, maxNewTokens, new TokenSink() {
            @Override
            public boolean accept(int id) {
                return accept(id, model.config().layers());
            }

            @Override
            public boolean accept(int id, int layers) {
                depth[0] = layers;
                if (tok.isEndOfGeneration(id)) {
                    reason[0] = Generation.StopReason.END_OF_TEXT;
                    return false;
                }
                tokens[count[0]++] = id;
                text.append(pieces.next(id));
                for (String stop : options.stopStrings()) {
                    int at = text.indexOf(stop);
                    if (at >= 0) {
                        text.setLength(at);
                        reason[0] = Generation.StopReason.STOP_STRING;
                        emit(text, held, text.length(), onText, depth[0]);
                        return false;
                    }
                }
                int safe = text.length() - longestStopPrefixSuffix(text);
                if (!emit(text, held, safe, onText, depth[0])) {
                    reason[0] = Generation.StopReason.CALLER;
                    return false;
                }
                return true;
            }
        });
        if (reason[0] != Generation.StopReason.STOP_STRING) {
            emit(text, held, text.length(), onText, depth[0]);
        }
        return new Generation(text.toString(), Arrays.copyOf(tokens, count[0]), reason[0], stats);
    }

    private static boolean emit(StringBuilder text, int[] held, int upTo, TextSink onText, int layers) {
        if (upTo <= held[0]) {
            return true;
        }
        String piece = text.substring(held[0], upTo);
        held[0] = upTo;
        return onText.accept(piece, layers);
    }

    /** Length of the longest text suffix that is a proper prefix of a stop string (held back from streaming). */
    private int longestStopPrefixSuffix(StringBuilder text) {
        int best = 0;
        for (String stop : options.stopStrings()) {
            for (int k = Math.min(stop.length() - 1, text.length()); k > best; k--) {
                if (text.substring(text.length() - k).equals(stop.substring(0, k))) {
                    best = k;
                    break;
                }
            }
        }
        return best;
    }

    /** Bytes of this session's KV cache, sized for {@link SessionOptions#contextLength()} positions. */
    public long kvCacheBytes() {
        return decoder.kvCacheBytes();
    }

    /** Bytes of this session's activation buffers. */
    public long workspaceBytes() {
        return decoder.workspaceBytes();
    }

    public SessionOptions options() {
        return options;
    }

    /** Frees the KV cache and buffers; idempotent. */
    @Override
    public void close() {
        cleanable.clean();
    }
}

package dev.skipllama.transformer.model;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.tensor.cpu.CpuBackend;
import dev.skipllama.transformer.gguf.GgufLayout;
import dev.skipllama.transformer.llama.ForwardHooks;
import dev.skipllama.transformer.llama.KvCache;
import dev.skipllama.transformer.llama.NonFiniteLogitsException;
import dev.skipllama.transformer.llama.Workspace;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Issue 14, case 12: the embedded model, converted to GGUF in the test and as its own safetensors
 * checkpoint, damaged the ways of the issue's cases — truncation, byte flips, forged counts, offsets
 * and dimensions, overlapping ranges, dtype swaps, NaN and infinity in the weights, random bytes in
 * the data, bad UTF-8, out-of-range configuration — and then loaded and run. Every outcome must be an
 * error that names the file ({@link IOException} from loading: {@code GgufFormatException},
 * {@code SafetensorsFormatException}, {@code InvalidTextException}, …; or a
 * {@link NonFiniteLogitsException} from generating), or a model whose logits are all finite, checked
 * here independently of the engine's own check. Nothing else may escape: no
 * {@code InternalError}, no {@code ClassCastException}, no silent NaN.
 */
class CorruptModelFuzzProperties {
    private static final int[] PROMPT = {1, 415, 1058, 263}; // ids, not text: damage to the tokenizer must not hide in encoding
    private static CpuBackend cpu;
    private static Path dir;
    private static byte[] gguf;
    private static GgufLayout layout;
    private static byte[] safetensors;
    private static String config;
    /** Outcomes by input kind and exception type, printed after the run (the issue's closing table quotes them). */
    private static final java.util.Map<String, Integer> COUNTS = new java.util.concurrent.ConcurrentSkipListMap<>();

    @BeforeContainer
    static void setUp() throws IOException {
        cpu = new CpuBackend(2);
        dir = Files.createTempDirectory("fuzz-models");
        gguf = EmbeddedModel.gguf(DType.Q8_0);
        layout = GgufLayout.of(gguf);
        Path ckpt = EmbeddedModel.checkpointCopy(dir.resolve("ckpt"));
        safetensors = Files.readAllBytes(ckpt.resolve("model.safetensors"));
        config = Files.readString(ckpt.resolve("config.json"));
    }

    @AfterContainer
    static void tearDown() throws IOException {
        System.out.println("CorruptModelFuzzProperties outcomes: " + COUNTS);
        cpu.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Property(tries = 100, seed = "14")
    void aDamagedGgufIsANamedErrorOrRunsFinite(@ForAll long seed) throws IOException {
        Random rnd = new Random(seed);
        StringBuilder what = new StringBuilder("gguf");
        byte[] b = mutateGguf(gguf.clone(), rnd, what);
        Path f = dir.resolve("fuzz.gguf");
        Files.write(f, b);
        outcome(f, what);
        coverage();
    }

    @Property(tries = 50, seed = "14")
    void aDamagedCheckpointIsANamedErrorOrRunsFinite(@ForAll long seed) throws IOException {
        Random rnd = new Random(seed);
        StringBuilder what = new StringBuilder("safetensors");
        Path ckpt = dir.resolve("ckpt");
        byte[] st = safetensors.clone();
        byte[] cfg = config.getBytes(StandardCharsets.UTF_8);
        if (rnd.nextInt(4) == 0) {
            cfg = mutateConfig(cfg, rnd, what);
        } else {
            st = mutateSafetensors(st, rnd, what);
        }
        Files.write(ckpt.resolve("model.safetensors"), st);
        Files.write(ckpt.resolve("config.json"), cfg);
        outcome(ckpt, what);
        coverage();
    }

    /**
     * Each outcome must occur: damage that is always rejected (or always harmless) would test little.
     * Rejections of several kinds, runs with finite logits, and non-finite logits caught while running.
     */
    private static void coverage() {
        Statistics.coverage(c -> {
            c.check("runs, finite logits").percentage(p -> p > 5);
            c.check("NonFiniteLogitsException").count(n -> n > 0);
            c.check("IOException").count(n -> n > 0);
        });
    }

    /** Loads and runs {@code model}; records the outcome; fails on anything but a named error or finite logits. */
    private static void outcome(Path model, StringBuilder what) {
        long t0 = System.nanoTime();
        String name = model.toString();
        try (Model m = Model.load(model, cpu)) {
            // damage may leave a valid model with a tiny context: ask no more of it than it holds
            int context = Math.min(16, m.config().contextLength());
            int[] prompt = Arrays.copyOf(PROMPT, Math.max(1, Math.min(PROMPT.length, context - 1)));
            try (Session s = m.newSession(SessionOptions.defaults(context))) {
                if (context > prompt.length) {
                    s.generate(prompt, Math.min(3, context - prompt.length), (String piece) -> true);
                }
                requireFiniteLogits(m, prompt, what);
                Statistics.collect("runs, finite logits");
                COUNTS.merge(kind(what) + ": runs, finite logits", 1, Integer::sum);
            } catch (NonFiniteLogitsException e) {
                assertTrue(e.getMessage().startsWith(name + ": the logits at position "), what + ": " + e.getMessage());
                Statistics.collect("NonFiniteLogitsException");
                COUNTS.merge(kind(what) + ": NonFiniteLogitsException", 1, Integer::sum);
            }
        } catch (IOException e) {
            assertTrue(e.getMessage() != null && e.getMessage().contains(name), what + ": the error does not name the file: " + e);
            Statistics.collect(e.getClass() == IOException.class ? "IOException" : e.getClass().getSimpleName());
            COUNTS.merge(kind(what) + ": " + e.getClass().getSimpleName()
                    + (e.getClass() == IOException.class && e.getCause() != null ? " (from " + e.getCause().getClass().getSimpleName() + ")" : ""),
                    1, Integer::sum);
        } catch (Throwable t) {
            fail("damage [" + what + "] escaped as " + t, t);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 10_000, "damage [" + what + "] took " + ms + " ms");
    }

    /** "gguf" or "safetensors": the first word of the damage's description. */
    private static String kind(StringBuilder what) {
        int sp = what.indexOf(" ");
        return sp < 0 ? what.toString() : what.substring(0, sp);
    }

    /** The logits of the prompt, computed afresh and checked element by element (not with the engine's check). */
    private static void requireFiniteLogits(Model m, int[] prompt, StringBuilder what) {
        try (KvCache cache = m.llama().kvCache(prompt.length); Workspace ws = m.llama().workspace(prompt.length, prompt.length)) {
            Tensor logits = m.llama().forward(prompt, cache, ws, ForwardHooks.FULL, prompt.length);
            float[] v = logits.toFloatArray();
            for (int i = 0; i < v.length; i++) {
                if (!Float.isFinite(v[i])) {
                    fail("damage [" + what + "] ran silently with logit " + i + " = " + v[i]);
                }
            }
        }
    }

    // ---- GGUF damage ------------------------------------------------------------------------

    private static byte[] mutateGguf(byte[] b, Random rnd, StringBuilder what) {
        long data = layout.dataStart();
        GgufLayout.Info t = layout.tensors().get(rnd.nextInt(layout.tensors().size()));
        switch (rnd.nextInt(12)) {
            case 0 -> {
                int len = rnd.nextBoolean() ? rnd.nextInt((int) data) : (int) data + rnd.nextInt(b.length - (int) data);
                what.append(" truncate=").append(len);
                return Arrays.copyOf(b, len);
            }
            case 1 -> {
                for (int e = 1 + rnd.nextInt(3); e > 0; e--) {
                    int at = rnd.nextInt((int) data);
                    b[at] ^= (byte) (1 << rnd.nextInt(8));
                    what.append(" flip@").append(at);
                }
            }
            case 2 -> {
                boolean tensors = rnd.nextBoolean();
                long was = tensors ? layout.tensors().size() : layout.values().size();
                long v = switch (rnd.nextInt(4)) {
                    case 0 -> was - 1;
                    case 1 -> was + 1;
                    case 2 -> 0;
                    default -> rnd.nextLong();
                };
                GgufLayout.putU64(b, tensors ? GgufLayout.TENSOR_COUNT_AT : GgufLayout.KEY_COUNT_AT, v);
                what.append(tensors ? " tensor count=" : " key count=").append(v);
            }
            case 3 -> {
                String[] keys = layout.values().keySet().stream().filter(k -> k.startsWith("llama.")).toArray(String[]::new);
                String key = keys[rnd.nextInt(keys.length)];
                long at = layout.values().get(key);
                if (layout.valueTypes().get(key) == 6) { // FLOAT32
                    float v = new float[]{Float.NaN, Float.POSITIVE_INFINITY, -1f, 0f, 1e30f, 1e-30f}[rnd.nextInt(6)];
                    GgufLayout.putF32(b, at, v);
                    what.append(' ').append(key).append('=').append(v);
                } else {
                    long v = new long[]{0, 1, 2, 5, 7, 13, 1L << 31, 0xffffffffL, rnd.nextInt(1 << 16)}[rnd.nextInt(9)];
                    GgufLayout.putU32(b, at, v);
                    what.append(' ').append(key).append('=').append(v);
                }
            }
            case 4 -> {
                int j = rnd.nextInt(t.nDims());
                long v = new long[]{0, 1, 2, 32, 96, 191, 192, 384, 4095, 4096, 4097, 1L << 40}[rnd.nextInt(12)];
                GgufLayout.putU64(b, t.dimAt(j), v);
                what.append(' ').append(t.name()).append(" ne[").append(j).append("]=").append(v);
            }
            case 5 -> {
                GgufLayout.Info other = layout.tensors().get(rnd.nextInt(layout.tensors().size()));
                long v = switch (rnd.nextInt(4)) {
                    case 0 -> other.offset(); // overlap
                    case 1 -> t.offset() + layout.alignment();
                    case 2 -> t.offset() - layout.alignment();
                    default -> rnd.nextLong() >>> rnd.nextInt(64);
                };
                GgufLayout.putU64(b, t.offsetAt(), v);
                what.append(' ').append(t.name()).append(" offset=").append(v);
            }
            case 6 -> {
                int type = new int[]{0, 1, 2, 8, 30, 12, 14, 3, 6, 99}[rnd.nextInt(10)];
                GgufLayout.putU32(b, t.typeAt(), type);
                what.append(' ').append(t.name()).append(" type=").append(type);
            }
            case 7, 8 -> { // NaN or infinity in the weights: a block scale (Q8_0) or a value (F32 norms)
                long at = data + t.offset(), size = tensorBytes(t);
                boolean q8 = t.type() == 8;
                int n = 1 + rnd.nextInt(8);
                for (int i = 0; i < n; i++) {
                    if (q8) {
                        long block = rnd.nextInt((int) (size / 34));
                        GgufLayout.putU16(b, at + 34 * block, rnd.nextBoolean() ? 0x7c00 : 0x7e00);
                    } else {
                        GgufLayout.putF32(b, at + 4L * rnd.nextInt((int) (size / 4)), rnd.nextBoolean() ? Float.NaN : Float.NEGATIVE_INFINITY);
                    }
                }
                what.append(' ').append(n).append(" non-finite values in ").append(t.name());
            }
            case 9 -> {
                long size = tensorBytes(t);
                int len = (int) Math.min(size, 64 + rnd.nextInt(4096));
                long at = data + t.offset() + (size > len ? rnd.nextInt((int) (size - len)) : 0);
                byte[] noise = new byte[len];
                rnd.nextBytes(noise);
                System.arraycopy(noise, 0, b, (int) at, len);
                what.append(' ').append(len).append(" random bytes in ").append(t.name());
            }
            case 10 -> { // bits flipped in the weights: usually a model that still runs, a little differently
                long size = tensorBytes(t);
                for (int e = 1 + rnd.nextInt(4); e > 0; e--) {
                    long at = data + t.offset() + (long) (rnd.nextDouble() * size);
                    b[(int) at] ^= (byte) (1 << rnd.nextInt(8));
                    what.append(" data flip@").append(at);
                }
            }
            default -> { // a byte of a tensor's name (a string of the header) made invalid UTF-8
                long at = t.nDimsAt() - 1 - rnd.nextInt(Math.min(5, t.name().length()));
                b[(int) at] = (byte) (0x80 | rnd.nextInt(0x80));
                what.append(" bad UTF-8 in the name of ").append(t.name());
            }
        }
        return b;
    }

    /** The bytes of a tensor in the original file: up to the next tensor's offset (or the end). */
    private static long tensorBytes(GgufLayout.Info t) {
        long end = gguf.length - layout.dataStart();
        for (GgufLayout.Info o : layout.tensors()) {
            if (o.offset() > t.offset()) {
                end = Math.min(end, o.offset());
            }
        }
        return end - t.offset();
    }

    // ---- safetensors and config.json damage -------------------------------------------------

    private static byte[] mutateSafetensors(byte[] b, Random rnd, StringBuilder what) {
        int headerEnd = 8 + (int) java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(0);
        switch (rnd.nextInt(6)) {
            case 0 -> {
                int len = rnd.nextInt(b.length);
                what.append(" truncate=").append(len);
                return Arrays.copyOf(b, len);
            }
            case 1 -> {
                for (int e = 1 + rnd.nextInt(3); e > 0; e--) {
                    int at = rnd.nextInt(headerEnd);
                    b[at] ^= (byte) (1 << rnd.nextInt(8));
                    what.append(" flip@").append(at);
                }
            }
            case 2 -> { // a number of the JSON header (a shape or a data offset) changed, same width
                String header = new String(b, 8, headerEnd - 8, StandardCharsets.ISO_8859_1);
                var m = java.util.regex.Pattern.compile("\\d+").matcher(header);
                java.util.List<int[]> spans = new java.util.ArrayList<>();
                while (m.find()) {
                    spans.add(new int[]{m.start(), m.end()});
                }
                int[] s = spans.get(rnd.nextInt(spans.size()));
                int at = 8 + s[0] + rnd.nextInt(s[1] - s[0]);
                b[at] = (byte) ('0' + rnd.nextInt(10));
                what.append(" digit@").append(at).append('=').append((char) b[at]);
            }
            case 3 -> { // a dtype swapped
                String header = new String(b, 8, headerEnd - 8, StandardCharsets.ISO_8859_1);
                int at = header.indexOf("\"F16\"", rnd.nextInt(header.length() / 2));
                if (at < 0) {
                    at = header.indexOf("\"F16\"");
                }
                String to = new String[]{"F32", "BF16", "I16", "U8"}[rnd.nextInt(4)];
                byte[] swapped = (header.substring(0, at + 1) + to + header.substring(at + 4)).getBytes(StandardCharsets.ISO_8859_1);
                byte[] out = new byte[8 + swapped.length + b.length - headerEnd];
                java.nio.ByteBuffer.wrap(out).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0, swapped.length);
                System.arraycopy(swapped, 0, out, 8, swapped.length);
                System.arraycopy(b, headerEnd, out, 8 + swapped.length, b.length - headerEnd);
                what.append(" dtype F16->").append(to).append('@').append(at);
                return out;
            }
            case 4 -> { // NaN or infinity among the F16 weights
                int n = 1 + rnd.nextInt(8);
                for (int i = 0; i < n; i++) {
                    int at = headerEnd + 2 * rnd.nextInt((b.length - headerEnd) / 2);
                    GgufLayout.putU16(b, at, rnd.nextBoolean() ? 0x7e00 : 0xfc00);
                }
                what.append(' ').append(n).append(" non-finite weights");
            }
            default -> {
                int len = 64 + rnd.nextInt(4096);
                int at = headerEnd + rnd.nextInt(b.length - headerEnd - len);
                byte[] noise = new byte[len];
                rnd.nextBytes(noise);
                System.arraycopy(noise, 0, b, at, len);
                what.append(' ').append(len).append(" random bytes@").append(at);
            }
        }
        return b;
    }

    private static byte[] mutateConfig(byte[] cfg, Random rnd, StringBuilder what) {
        String c = new String(cfg, StandardCharsets.UTF_8);
        String[] keys = {"hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
                "head_dim", "rms_norm_eps", "rope_theta", "max_position_embeddings", "vocab_size"};
        String key = keys[rnd.nextInt(keys.length)];
        String value = new String[]{"0", "-1", "1", "7", "1e99999", "1e-99", "\"x\"", "null", "[]", "12.5", "2147483648"}[rnd.nextInt(11)];
        switch (rnd.nextInt(4)) {
            case 0 -> {
                what.append(" config ").append(key).append('=').append(value);
                return c.replaceFirst("\"" + key + "\": [^,\\n]+", "\"" + key + "\": " + java.util.regex.Matcher.quoteReplacement(value))
                        .getBytes(StandardCharsets.UTF_8);
            }
            case 1 -> {
                byte[] b = cfg.clone();
                int at = rnd.nextInt(b.length);
                b[at] = (byte) (0x80 | rnd.nextInt(0x80));
                what.append(" config bad UTF-8@").append(at);
                return b;
            }
            default -> {
                int len = rnd.nextInt(cfg.length);
                what.append(" config truncate=").append(len);
                return Arrays.copyOf(cfg, len);
            }
        }
    }

}

package dev.skipllama.transformer.gguf;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.skipllama.tensor.Dequantize;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.statistics.StatisticsReport;

/**
 * Damaged versions of real and generated GGUF files: whatever the damage, reading either succeeds
 * (and then every tensor can be read in full) or fails with a {@link GgufFormatException} — never
 * another exception, never an {@link OutOfMemoryError}, always quickly.
 *
 * <p>Mutations favour the places where damage matters: lengths and counts (overwritten with extreme
 * values), type ids, and truncation; a random byte flip anywhere covers the rest.
 */
class GgufFuzzProperties {
    private static byte[] spm, bpe, sample;
    private static Path sampleFile;

    @BeforeContainer
    static void load() throws IOException {
        spm = Files.readAllBytes(Fixtures.SPM);
        bpe = Files.readAllBytes(Fixtures.BPE);
        sampleFile = Files.createTempFile("sample", ".gguf");
        SampleGguf.write(sampleFile, 7);
        sample = Files.readAllBytes(sampleFile);
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        Files.deleteIfExists(sampleFile);
    }

    @Property(tries = 400)
    @StatisticsReport(onFailureOnly = true)
    void damagedFilesFailOnlyWithGgufFormatException(@ForAll long seed) {
        Random rnd = new Random(seed);
        int pick = rnd.nextInt(20);
        // The 7.8 MB BPE file is parsed in 1 of 20 tries: it costs 20× the others.
        byte[] original = pick == 0 ? bpe : pick < 10 ? spm : sample;
        String name = pick == 0 ? "bpe" : pick < 10 ? "spm" : "sample";
        StringBuilder what = new StringBuilder(name);
        byte[] b = mutate(original, rnd, what);
        long t0 = System.nanoTime();
        try (GgufFile f = GgufFile.of(Path.of(name + "-mutated"), MemorySegment.ofArray(b))) {
            for (GgufTensorInfo t : f.tensors()) {
                if (t.isSupported()) { // damage may turn a type id into one ggml knows but we do not compute with
                    Dequantize.toFloats(f.tensor(t.name())); // every byte of every tensor is inside the file
                }
            }
            Statistics.collect("read");
        } catch (GgufFormatException expected) {
            assertTrue(expected.getMessage().startsWith(name + "-mutated: "), expected.getMessage());
            Statistics.collect("rejected");
        } catch (Throwable e) {
            fail("damage [" + what + "] escaped as " + e, e);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 5000, "damage [" + what + "] took " + ms + " ms");
        // Neither outcome may be rare, or the damage would be too mild (or too crude) to test anything.
        Statistics.coverage(c -> {
            c.check("rejected").percentage(p -> p > 20); // ~72% expected
            c.check("read").percentage(p -> p > 5); // ~28% expected
        });
    }

    private static byte[] mutate(byte[] original, Random rnd, StringBuilder what) {
        byte[] b = original.clone();
        // Structure sits mostly at the start (header, first keys) and, in the sample, everywhere.
        int span = rnd.nextBoolean() ? Math.min(b.length, 4096) : b.length;
        int edits = 1 + rnd.nextInt(3);
        for (int e = 0; e < edits; e++) {
            int at = rnd.nextInt(span);
            switch (rnd.nextInt(5)) {
                case 0 -> {
                    b[at] ^= (byte) (1 << rnd.nextInt(8));
                    what.append(" flip@").append(at);
                }
                case 1 -> {
                    long v = extreme(rnd, original.length);
                    for (int i = 0; i < 8 && at + i < b.length; i++) {
                        b[at + i] = (byte) (v >>> (8 * i));
                    }
                    what.append(" u64@").append(at).append('=').append(v);
                }
                case 2 -> {
                    long v = extreme(rnd, original.length);
                    for (int i = 0; i < 4 && at + i < b.length; i++) {
                        b[at + i] = (byte) (v >>> (8 * i));
                    }
                    what.append(" u32@").append(at).append('=').append((int) v);
                }
                case 3 -> {
                    b[at] = (byte) rnd.nextInt(40); // a plausible type id or small count
                    what.append(" small@").append(at).append('=').append(b[at]);
                }
                default -> {
                    int len = rnd.nextInt(b.length + 1);
                    b = Arrays.copyOf(b, len);
                    span = Math.max(1, Math.min(span, len));
                    what.append(" truncate=").append(len);
                    if (len == 0) {
                        return b;
                    }
                }
            }
        }
        return b;
    }

    private static long extreme(Random rnd, int fileSize) {
        return switch (rnd.nextInt(8)) {
            case 0 -> 0;
            case 1 -> -1;
            case 2 -> Long.MAX_VALUE;
            case 3 -> 1L << 31;
            case 4 -> 1L << 32;
            case 5 -> fileSize - rnd.nextInt(64);
            case 6 -> rnd.nextInt(1 << 20);
            default -> rnd.nextLong();
        };
    }
}

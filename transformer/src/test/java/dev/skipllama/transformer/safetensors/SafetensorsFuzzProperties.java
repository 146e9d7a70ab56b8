package dev.skipllama.transformer.safetensors;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Dequantize;
import dev.skipllama.tensor.Quantize;
import dev.skipllama.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
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
import net.jqwik.api.statistics.StatisticsReport;

/**
 * Damaged safetensors files: reading succeeds (and every viewable tensor can then be read in full)
 * or fails with a {@link SafetensorsFormatException}; nothing else escapes, quickly. Damage favours
 * the header: digits of offsets and shapes, JSON punctuation, the length prefix, truncation.
 */
class SafetensorsFuzzProperties {
    private static byte[] sample;
    private static int headerEnd;

    @BeforeContainer
    static void write() throws IOException {
        Path p = Files.createTempFile("sample", ".safetensors");
        Random rnd = new Random(3);
        float[] v = new float[6 * 10];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        try (Tensor a = Tensor.of(v, 6, 10); Tensor b = Quantize.to(a, DType.F16); Tensor c = Quantize.to(a, DType.BF16)) {
            new SafetensorsWriter().metadata("format", "pt").addTensor("model.embed_tokens.weight", a)
                    .addTensor("model.norm.weight", b).addTensor("lm_head.weight", c).write(p);
        }
        sample = Files.readAllBytes(p);
        Files.delete(p);
        headerEnd = 8 + (int) java.nio.ByteBuffer.wrap(sample, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    }

    @AfterContainer
    static void done() {
        sample = null;
    }

    @Property(tries = 400)
    @StatisticsReport(onFailureOnly = true)
    void damagedFilesFailOnlyWithSafetensorsFormatException(@ForAll long seed) {
        Random rnd = new Random(seed);
        byte[] b = sample.clone();
        StringBuilder what = new StringBuilder();
        for (int e = 1 + rnd.nextInt(3); e > 0; e--) {
            int at = rnd.nextInt(Math.min(b.length, headerEnd + 8));
            switch (rnd.nextInt(5)) {
                case 0 -> {
                    b[at] = (byte) "0123456789-[]{},:\"e.".charAt(rnd.nextInt(20));
                    what.append(" json@").append(at);
                }
                case 1 -> {
                    b[at] ^= (byte) (1 << rnd.nextInt(8));
                    what.append(" flip@").append(at);
                }
                case 2 -> {
                    long v = switch (rnd.nextInt(4)) {
                        case 0 -> -1;
                        case 1 -> rnd.nextInt(b.length + 16);
                        case 2 -> 1L << 40;
                        default -> rnd.nextLong();
                    };
                    for (int i = 0; i < 8 && i < b.length; i++) {
                        b[i] = (byte) (v >>> (8 * i));
                    }
                    what.append(" length=").append(v);
                }
                case 3 -> {
                    byte[] digits = Long.toString(rnd.nextLong() >>> rnd.nextInt(64)).getBytes(StandardCharsets.US_ASCII);
                    System.arraycopy(digits, 0, b, at, Math.min(digits.length, b.length - at));
                    what.append(" number@").append(at);
                }
                default -> {
                    b = Arrays.copyOf(b, rnd.nextInt(b.length + 1));
                    what.append(" truncate=").append(b.length);
                    if (b.length == 0) {
                        break;
                    }
                }
            }
            if (b.length == 0) {
                break;
            }
        }
        long t0 = System.nanoTime();
        try (SafetensorsFile f = SafetensorsFile.of(Path.of("mutated"), MemorySegment.ofArray(b))) {
            for (SafetensorsTensorInfo t : f.tensors()) {
                if (t.dtype().toDType() != null) {
                    Dequantize.toFloats(f.tensor(t.name()));
                }
            }
            Statistics.collect("read");
        } catch (SafetensorsFormatException expected) {
            assertTrue(expected.getMessage().startsWith("mutated: "), expected.getMessage());
            Statistics.collect("rejected");
        } catch (Throwable e) {
            fail("damage [" + what + "] escaped as " + e, e);
        }
        assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "damage [" + what + "] was slow");
        Statistics.coverage(c -> {
            c.check("rejected").percentage(p -> p > 20);
            c.check("read").percentage(p -> p > 0.5); // ~4.5% expected: most damage to JSON text is fatal
        });
    }
}

package dev.skipllama.bench;

import dev.skipllama.transformer.tokenizer.GgufTokenizerLoader;
import dev.skipllama.transformer.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encoding throughput of the two tokenizers on one long text, in tokens per second (the
 * {@code tokens} counter): the Llama-2 SentencePiece and Llama-3 byte-level BPE vocabularies of
 * llama.cpp's fixtures, read from {@code -Dskipllama.vocab.dir} (default: the transformer test
 * resources, so run from the repository root). The text is {@code -Dskipllama.bench.text=FILE}
 * (the first {@code -Dskipllama.bench.chars}, default 200 000, characters of it), or without that
 * a fixed-seed generated English-like text with digits, punctuation and some non-Latin words.
 * Each call encodes the whole text from scratch (no state survives between calls).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
@State(Scope.Benchmark)
public class TokenizerBenchmark {

    @Param({"llama-spm", "llama-bpe"})
    public String vocab;

    private Tokenizer tokenizer;
    private String text;

    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Tokens {
        public long tokens;
    }

    @Setup(Level.Trial)
    public void setup() throws IOException {
        Path dir = Path.of(System.getProperty("skipllama.vocab.dir", "transformer/src/test/resources/llama.cpp-vocab"));
        tokenizer = GgufTokenizerLoader.load(dir.resolve("ggml-vocab-" + vocab + ".gguf"));
        int chars = Integer.getInteger("skipllama.bench.chars", 200_000);
        String file = System.getProperty("skipllama.bench.text");
        text = file != null ? Files.readString(Path.of(file)) : generated(chars);
        if (text.length() > chars) {
            text = text.substring(0, chars);
        }
        int n = tokenizer.encode(text).length;
        System.out.printf("%n%s: %d chars → %d tokens (%.2f chars/token)%n", vocab, text.length(), n,
                text.length() / (double) n);
    }

    @Benchmark
    public int[] encode(Tokens counter) {
        int[] ids = tokenizer.encode(text);
        counter.tokens += ids.length;
        return ids;
    }

    /** English-like filler: Zipf-ish word choice, sentences, numbers, and a few non-Latin words. */
    static String generated(int chars) {
        String[] words = ("the of and to a in that is was he for it with as his on be at by I had not are but "
                + "from or have an they which one you were her all she there would their we him been has when who "
                + "will more no if out so said what up its about into than them can only other new some could time "
                + "these two may then do first any my now such like our over man me even most made after also did "
                + "many before must through back years where much your way well down should because each just those "
                + "people how too little state good very make world still own see men work long get here between both "
                + "life being under never day same another know while last might us great old year off come since "
                + "against go came right used take three tokenizer encoding Llama-3 SentencePiece don't it's we're "
                + "naïve café Zürich Москва 東京 数据 😀").split(" ");
        Random r = new Random(42);
        StringBuilder sb = new StringBuilder(chars + 100);
        boolean capital = true;
        while (sb.length() < chars) {
            String w = words[(int) (words.length * Math.pow(r.nextDouble(), 2.5))];
            if (r.nextInt(40) == 0) {
                w = Integer.toString(r.nextInt(100_000));
            }
            sb.append(capital ? Character.toUpperCase(w.charAt(0)) + w.substring(1) : w);
            capital = false;
            int p = r.nextInt(20);
            if (p == 0) {
                sb.append(". ");
                capital = true;
            } else if (p == 1) {
                sb.append(", ");
            } else if (p == 2 && r.nextInt(10) == 0) {
                sb.append(".\n\n");
                capital = true;
            } else {
                sb.append(' ');
            }
        }
        return sb.toString();
    }
}

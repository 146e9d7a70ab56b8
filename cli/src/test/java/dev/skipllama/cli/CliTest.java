package dev.skipllama.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.skip.plan.PlanFile;
import dev.skipllama.skip.plan.StaticPlan;
import dev.skipllama.transformer.gguf.GgufFile;
import dev.skipllama.transformer.llama.LayerAction;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every subcommand end to end on the embedded model, through the same entry point as the jar. */
class CliTest {
    static final String MODEL = "../models/tiny-layerskip";
    static final String TEXT = MODEL + "/eval/heldout.txt";

    /** One run's exit status and what it printed. */
    record Run(int status, String out, String err) {
    }

    static Run chat(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        Io io = new Io(new BufferedReader(new StringReader(stdin)), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), false);
        int status = Main.run(args, io);
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Run run(String... args) {
        return chat("", args);
    }

    @Test
    void everyCommandHasHelp() {
        Run top = run("--help");
        assertEquals(0, top.status());
        for (String c : List.of("generate", "chat", "convert", "quantize", "calibrate", "eval", "bench")) {
            assertTrue(top.out().contains("  " + c + " "), c + " listed in " + top.out());
            Run h = run(c, "--help");
            assertEquals(0, h.status(), c);
            assertTrue(h.out().startsWith("usage: skipllama " + c), h.out());
            assertTrue(h.out().contains("--help"), h.out());
            assertEquals(h.out(), run("help", c).out());
        }
    }

    @Test
    void badCommandLinesAreUsageErrorsThatSayWhatIsWrong() {
        Run r = run("generat");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("unknown command 'generat'"), r.err());
        r = run("generate", "--tokns", "3");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("unknown option --tokns") && r.err().contains("--tokens"), r.err());
        r = run("generate", "--tokens", "many");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--tokens expects an integer, got 'many'"), r.err());
        r = run("generate", "--tokens");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--tokens needs a value"), r.err());
        r = run("generate", "--model", MODEL, "--speculate", "40,3", "--tokens", "2");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("E must be in [1, 11]"), r.err());
        r = run("generate", "--model", MODEL, "--speculate", "4", "--tokens", "2");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("expected auto or E,D"), r.err());
        r = run("generate", "--model", MODEL, "--speculate", "auto,tokens=x", "--tokens", "2");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("option tokens must be an integer"), r.err());
        r = run("generate", "--model", MODEL, "--skip", "exit:3", "--speculate", "3,3");
        assertEquals(2, r.status());
        r = run("quantize", "a.gguf", "b.gguf", "--type", "Q5_1");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--type must be one of"), r.err());
        r = run("generate", "--model", MODEL, "--backend", "tpu");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("unknown backend 'tpu'"), r.err());
        if (!dev.skipllama.tensor.cuda.CudaBackend.isAvailable()) {
            r = run("generate", "--model", MODEL, "--backend", "cuda", "--tokens", "2");
            assertEquals(1, r.status());
            assertTrue(r.err().contains("backend 'cuda' is unavailable: "), "says why: " + r.err());
        }
        r = run("quantize", "/no/such/in.gguf", "/tmp/out.gguf", "--type", "Q8_0");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("/no/such/in.gguf: no such file (expected a GGUF file)"), r.err());
        r = run("generate", "--model", "/no/such/model");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("/no/such/model: no such model file or directory"), r.err());
    }

    @Test
    void generateStreamsAndReportsLayersPerToken() {
        Run full = run("generate", "--model", MODEL, "--tokens", "12", "--threads", "2", "--color", "never");
        assertEquals(0, full.status(), full.err());
        assertTrue(full.out().startsWith("Once upon a time"), full.out());
        assertTrue(full.err().contains("12 layers per token"), full.err());
        Run exit = run("generate", "--model", MODEL, "--tokens", "12", "--threads", "2", "--skip", "exit:6", "--color", "always");
        assertEquals(0, exit.status(), exit.err());
        assertTrue(exit.err().contains("6.00 of 12 layers per generated token"), exit.err());
        assertTrue(exit.out().contains("\u001b[36m"), "exit at 6 of 12 is painted in the third colour: " + exit.out());
        // self-speculation is exact: the same greedy text as the full model
        Run spec = run("generate", "--model", MODEL, "--tokens", "12", "--threads", "2", "--speculate", "6,3", "--color", "never");
        assertEquals(0, spec.status(), spec.err());
        assertEquals(full.out(), spec.out());
        assertTrue(spec.err().contains("acceptance"), spec.err());
        Run auto = run("generate", "--model", MODEL, "--tokens", "12", "--threads", "2", "--speculate", "auto", "--color", "never");
        assertEquals(0, auto.status(), auto.err());
        assertEquals(full.out(), auto.out());
        // an F16 KV cache, with self-speculation on it too: the same text either way
        Run half = run("generate", "--model", MODEL, "--tokens", "12", "--threads", "2", "--kv-type", "f16", "--color", "never");
        assertEquals(0, half.status(), half.err());
        assertTrue(half.out().startsWith("Once upon a time"), half.out());
        Run halfSpec = run("generate", "--model", MODEL, "--tokens", "12", "--threads", "2", "--kv-type", "f16", "--speculate", "6,3",
                "--color", "never");
        assertEquals(0, halfSpec.status(), halfSpec.err());
        assertEquals(half.out(), halfSpec.out());
    }

    /** bin/skipllama chat with no options: the embedded model's context is 256, the reply budget must fit in it. */
    @Test
    void chatRunsAtItsDefaultsOnTheEmbeddedModel() {
        Run r = chat("Tell me a story.\n/exit\n", "chat", "--model", MODEL, "--no-warmup");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().contains("generated"), r.err());
        assertFalse(r.out().isBlank(), "a reply: " + r.err());
    }

    @Test
    void chatKeepsTheConversationAndReusesItsCache() {
        Run r = chat("Tell me a story.\nAnd then?\n/exit\n", "chat", "--model", MODEL, "--tokens", "16", "--threads", "2",
                "--temperature", "0");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().contains("chat template: plain"), r.err());
        var m = Pattern.compile("\\[(\\d+) new prompt tokens").matcher(r.err());
        assertTrue(m.find(), r.err());
        int first = Integer.parseInt(m.group(1));
        assertTrue(m.find(), "a second turn: " + r.err());
        int second = Integer.parseInt(m.group(1));
        assertTrue(second < first + 16, "the second turn processes only what is new: " + first + " then " + second);
    }

    /** chat --speculate at its defaults: the full model's replies, only the new turn processed each time. */
    @Test
    void chatSpeculatesAtItsDefaults() {
        String turns = "Tell me a story.\nAnd then?\nWhat happened next?\n/exit\n";
        Run full = chat(turns, "chat", "--model", MODEL, "--tokens", "24", "--threads", "2", "--temperature", "0");
        for (String spec : List.of("auto", "6,3")) {
            Run r = chat(turns, "chat", "--model", MODEL, "--tokens", "24", "--threads", "2", "--temperature", "0", "--speculate", spec);
            assertEquals(0, r.status(), r.err());
            assertEquals(full.out(), r.out(), spec);
            var m = Pattern.compile("\\[(\\d+) new prompt tokens").matcher(r.err());
            int turnsSeen = 0, last = Integer.MAX_VALUE;
            while (m.find()) {
                turnsSeen++;
                last = Integer.parseInt(m.group(1));
            }
            assertEquals(3, turnsSeen, r.err());
            assertTrue(last < 40, "the last turn processes only what is new: " + r.err());
        }
        Run sampled = chat(turns, "chat", "--model", MODEL, "--tokens", "24", "--threads", "2", "--speculate", "auto");
        assertEquals(0, sampled.status(), sampled.err());
    }

    @Test
    void convertQuantizeAndRunTheResult(@TempDir Path dir) throws Exception {
        Path f16 = dir.resolve("tiny-F16.gguf"), q8 = dir.resolve("tiny-Q8_0.gguf");
        Run c = run("convert", MODEL, f16.toString());
        assertEquals(0, c.status(), c.err());
        assertTrue(c.out().contains("F16"), c.out());
        Run q = run("quantize", f16.toString(), q8.toString(), "--type", "q8_0");
        assertEquals(0, q.status(), q.err());
        assertTrue(q.out().contains("86 matrices re-encoded as Q8_0"), q.out());
        try (GgufFile g = GgufFile.open(q8)) {
            assertEquals(7, g.getInt("general.file_type"));
        }
        Run greedyHf = run("generate", "--model", MODEL, "--tokens", "8", "--threads", "2");
        Run greedyGguf = run("generate", "--model", f16.toString(), "--tokens", "8", "--threads", "2");
        assertEquals(greedyHf.out(), greedyGguf.out(), "the F16 GGUF holds the same weights as the F16 checkpoint");
        assertEquals(0, run("generate", "--model", q8.toString(), "--tokens", "8", "--threads", "2").status());
    }

    @Test
    void calibrateWritesAPlanThatGenerateLoads(@TempDir Path dir) throws Exception {
        Path plan = dir.resolve("plan.json");
        Run r = run("calibrate", "--model", MODEL, "--method", "shortgpt:3", "--calibration", TEXT, "--out", plan.toString(),
                "--threads", "2");
        assertEquals(0, r.status(), r.err());
        StaticPlan p = PlanFile.read(plan);
        assertEquals(12, p.actions().size());
        assertEquals(3, p.actions().stream().filter(a -> a == LayerAction.SKIP).count());
        Run g = run("generate", "--model", MODEL, "--skip", "plan:" + plan, "--tokens", "4", "--threads", "2");
        assertEquals(0, g.status(), g.err());
        assertTrue(g.err().contains("9.00 of 12 layers"), g.err());
        assertEquals(2, run("calibrate", "--model", MODEL, "--method", "shortgpt:3", "--out", plan.toString()).status(),
                "shortgpt without --calibration is a usage error");
    }

    @Test
    void evalPerplexityAndBench() {
        Run full = run("eval", "--model", MODEL, "--text", TEXT, "--max-tokens", "300", "--threads", "2");
        assertEquals(0, full.status(), full.err());
        var m = Pattern.compile("perplexity ([0-9.]+) over 298 tokens").matcher(full.out());
        assertTrue(m.find(), full.out()); // windows of 256: 255 + 43 scored tokens
        double ppl = Double.parseDouble(m.group(1));
        assertTrue(ppl > 5 && ppl < 500, "embedded model perplexity " + ppl);
        Run exit = run("eval", "--model", MODEL, "--text", TEXT, "--max-tokens", "300", "--threads", "2", "--skip", "exit:3");
        assertEquals(0, exit.status(), exit.err());
        var e = Pattern.compile("perplexity ([0-9.]+)").matcher(exit.out());
        assertTrue(e.find() && Double.parseDouble(e.group(1)) > ppl, "exiting at 3 of 12 layers costs perplexity: " + exit.out());
        Run b = run("bench", "--model", MODEL, "--prompt", "16", "--gen", "4", "--runs", "1", "--warmup", "0", "--threads", "2");
        assertEquals(0, b.status(), b.err());
        assertTrue(b.out().contains("pp16") && b.out().contains("tg4"), b.out());
    }

    @Test
    void theEmbeddedModelIsFoundWithoutModelOption() throws Exception {
        Path found = ModelArgs.defaultModel(); // the tests run in cli/: found beside the build output
        assertTrue(Files.isRegularFile(found.resolve("config.json")), found.toString());
    }
}

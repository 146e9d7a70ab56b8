package dev.skipllama.cli;

import static dev.skipllama.cli.CliTest.MODEL;
import static dev.skipllama.cli.CliTest.chat;
import static dev.skipllama.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.skip.SkipMethods;
import dev.skipllama.transformer.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What users of llama.cpp expect of a command line: short options, prompts from stdin and files, sampling flags, --json, --version. */
class CliHabitsTest {
    @Test
    void shortOptionsMeanTheLongOnes() {
        CliTest.Run longForm = run("generate", "--model", MODEL, "--prompt", "The cat", "--tokens", "6", "--threads", "2", "--color", "never");
        CliTest.Run shortForm = run("generate", "-m", MODEL, "-p", "The cat", "-n", "6", "-t", "2", "--color", "never");
        assertEquals(0, shortForm.status(), shortForm.err());
        assertEquals(longForm.out(), shortForm.out());
        CliTest.Run bad = run("generate", "-x", "1");
        assertEquals(2, bad.status());
        assertTrue(bad.err().contains("unknown option -x") && bad.err().contains("-p = --prompt"), bad.err());
        assertTrue(run("generate", "--help").out().contains("-n, --tokens N"), "help shows the short forms");
    }

    @Test
    void promptsFromStandardInputAndFiles(@TempDir Path dir) throws Exception {
        CliTest.Run arg = run("generate", "-m", MODEL, "-p", "The dog ran", "-n", "6", "-t", "2", "--color", "never");
        CliTest.Run stdin = chat("The dog ran", "generate", "-m", MODEL, "-p", "-", "-n", "6", "-t", "2", "--color", "never");
        assertEquals(0, stdin.status(), stdin.err());
        assertEquals(arg.out(), stdin.out());
        Path f = Files.writeString(dir.resolve("prompt.txt"), "The dog ran");
        CliTest.Run file = run("generate", "-m", MODEL, "--file", f.toString(), "-n", "6", "-t", "2", "--color", "never");
        assertEquals(arg.out(), file.out());
        CliTest.Run both = run("generate", "-m", MODEL, "--file", f.toString(), "-p", "x");
        assertEquals(2, both.status());
        assertTrue(both.err().contains("--prompt and --file cannot be combined"), both.err());
        CliTest.Run missing = run("generate", "--file", dir.resolve("nope.txt").toString());
        assertEquals(2, missing.status());
        assertTrue(missing.err().contains("nope.txt: no such file"), missing.err());
    }

    @Test
    void samplingFlagsAreCheckedBeforeTheModelLoadsAndStopEndsTheText() {
        CliTest.Run bad = run("generate", "--top-p", "1.5");
        assertEquals(2, bad.status());
        assertTrue(bad.err().contains("--top-p must be in"), bad.err());
        assertFalse(bad.err().contains("loaded"), "nothing loaded for a bad flag");
        CliTest.Run twice = run("generate", "--seed", "1", "--seed", "2");
        assertTrue(twice.err().contains("--seed was given twice"), twice.err());
        String greedy = jsonText(run("generate", "-m", MODEL, "-n", "24", "-t", "2", "--json"));
        String stop = greedy.substring(greedy.length() / 2, greedy.length() / 2 + 3);
        Map<String, Object> cut = Json.parseObject(run("generate", "-m", MODEL, "-n", "24", "-t", "2", "--json", "--stop", "zzqx",
                "--stop", stop).out());
        assertEquals(greedy.substring(0, greedy.indexOf(stop)), cut.get("text"));
        assertEquals("stop_string", cut.get("stop"));
        String a = jsonText(run("generate", "-m", MODEL, "-n", "24", "-t", "2", "--json", "--temperature", "1", "--top-k", "20",
                "--top-p", "0.9", "--min-p", "0.01", "--repeat-penalty", "1.1", "--seed", "5"));
        String b = jsonText(run("generate", "-m", MODEL, "-n", "24", "-t", "2", "--json", "--temperature", "1", "--top-k", "20",
                "--top-p", "0.9", "--min-p", "0.01", "--repeat-penalty", "1.1", "--seed", "5"));
        assertEquals(a, b, "seeded sampling repeats");
        assertFalse(a.equals(greedy));
    }

    static String jsonText(CliTest.Run r) {
        assertEquals(0, r.status(), r.err());
        return (String) Json.parseObject(r.out().strip()).get("text");
    }

    @Test
    void jsonResultsForGenerateBenchAndEval() {
        Map<String, Object> g = Json.parseObject(run("generate", "-m", MODEL, "-n", "8", "-t", "2", "--json", "--skip", "exit:6").out());
        assertEquals("exit:6", g.get("decoding"));
        assertEquals(6.0, ((Number) g.get("layers_per_token")).doubleValue());
        assertEquals(8L, g.get("generated_tokens"));
        CliTest.Run bench = run("bench", "-m", MODEL, "-t", "2", "--prompt", "8", "--gen", "4", "--runs", "1", "--warmup", "0", "--json");
        assertEquals(0, bench.status(), bench.err());
        Map<String, Object> b = Json.parseObject(bench.out());
        assertTrue(((Number) b.get("tokens_per_second")).doubleValue() > 0, bench.out());
        CliTest.Run eval = run("eval", "-m", MODEL, "-t", "2", "--text", CliTest.TEXT, "--max-tokens", "64", "--json");
        assertEquals(0, eval.status(), eval.err());
        Map<String, Object> e = Json.parseObject(eval.out());
        assertTrue(((Number) e.get("perplexity")).doubleValue() > 1, eval.out());
        assertEquals(63L, e.get("tokens"), "64 tokens of text score 63 predictions");
    }

    @Test
    void versionAndTheMethodListComeFromOnePlace() {
        CliTest.Run v = run("--version");
        assertEquals(0, v.status());
        assertTrue(v.out().startsWith("skipllama ") && v.out().contains("Java 25"), v.out());
        assertEquals(v.out(), run("generate", "--version").out());
        String top = run("--help").out(), generate = run("generate", "--help").out();
        for (String spec : SkipMethods.specForms()) {
            assertTrue(top.contains(spec), spec + " in the top-level help");
            assertTrue(generate.contains(spec), spec + " in generate's help");
        }
        assertTrue(top.contains("router:p") && top.contains("last:n"), top);
        assertTrue(top.contains("  serve "), top);
        assertTrue(run("serve", "--help").out().contains("--api-key KEY"));
    }
}

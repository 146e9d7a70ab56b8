package dev.skipllama.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Reader;
import java.io.StringReader;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14 through the command line: every bad input is one line naming the file, the field or byte,
 * what was found and what was expected; exit 2 for a command line to fix (found before the model
 * loads), 1 for anything else, never 0 with output lost.
 */
class CliBadInputTest {
    static final String MODEL = CliTest.MODEL;

    static CliTest.Run run(Reader stdin, PrintStream out, String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(args, new Io(new BufferedReader(stdin), out, new PrintStream(err, true, StandardCharsets.UTF_8), false));
        return new CliTest.Run(status, "", err.toString(StandardCharsets.UTF_8));
    }

    /** One line of error, without a stack trace. */
    static void oneLine(CliTest.Run r) {
        assertEquals(1, r.err().lines().filter(l -> l.contains("error")).count(), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    /** Case 9: a write that fails (disk full, closed pipe) is exit 1 with a message; generation stops. */
    @Test
    void aFailedWriteToStandardOutputIsAnError() {
        PrintStream full = new PrintStream(new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("No space left on device");
            }
        }, true, StandardCharsets.UTF_8);
        CliTest.Run r = run(new StringReader(""), full, "generate", "--model", MODEL, "--tokens", "40", "--threads", "2", "--color", "never");
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().contains("skipllama generate: error: cannot write to standard output"), r.err());
        assertTrue(r.err().contains("stop: caller"), "generation stopped at the first failed write: " + r.err());
    }

    /** Case 9: a bad --skip spec is a usage error found before any model is loaded; so is calibrate --method router. */
    @Test
    void badSpecsAreUsageErrorsBeforeLoading() {
        for (String[] args : new String[][]{
                {"generate", "--model", "/no/such/model", "--skip", "warp:3"},
                {"generate", "--model", "/no/such/model", "--skip", "shortgpt:3"},
                {"chat", "--model", "/no/such/model", "--skip", "exit:x"},
                {"eval", "--model", "/no/such/model", "--text", CliTest.TEXT, "--skip", "d3:7"},
                {"bench", "--model", "/no/such/model", "--skip", "adaskip:0.9,bogus=1"},
                {"generate", "--model", "/no/such/model", "--kv-type", "q8"},
                {"calibrate", "--model", "/no/such/model", "--method", "router:0.5", "--calibration", CliTest.TEXT, "--out", "p.json"},
                {"calibrate", "--model", "/no/such/model", "--method", "exit:3", "--out", "p.json"}}) {
            CliTest.Run r = CliTest.run(args);
            assertEquals(2, r.status(), String.join(" ", args) + ": " + r.err());
            assertFalse(r.err().contains("loaded") || r.err().contains("/no/such/model"), "before loading: " + r.err());
        }
        CliTest.Run r = CliTest.run("generate", "--model", MODEL, "--skip", "exit:13", "--tokens", "2", "--threads", "2");
        assertEquals(2, r.status(), "a spec the model rules out is a usage error too: " + r.err());
        assertTrue(r.err().contains("the number of layers to run must be in [1, 12], got 13"), r.err());
    }

    /** Cases 7 and 8: text inputs that are not UTF-8, or endless, are named with the file and byte offset, quickly. */
    @Test
    void badTextInputsNameTheFileAndTheByte(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("bad.txt");
        Files.write(bad, new byte[]{'H', 'i', '\n', (byte) 0xff, 'x', '\n'});
        CliTest.Run r = CliTest.run("eval", "--model", MODEL, "--text", bad.toString(), "--threads", "2");
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().contains(bad + ": not valid UTF-8 at byte offset 3 (line 2): found the bytes ff 78 0a"), r.err());
        oneLine(r);
        r = CliTest.run("calibrate", "--model", MODEL, "--method", "shortgpt:2", "--calibration", bad.toString(), "--out",
                dir.resolve("p.json").toString(), "--threads", "2");
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().contains(bad + ": not valid UTF-8 at byte offset 3"), r.err());
        oneLine(r);
        Path ckpt = dir.resolve("ckpt");
        Files.createDirectories(ckpt);
        for (String f : new String[]{"config.json", "tokenizer.model", "model.safetensors"}) {
            Files.copy(Path.of(MODEL, f), ckpt.resolve(f));
        }
        Files.write(ckpt.resolve("config.json"), new byte[]{'{', '"', (byte) 0xc3, '"', '}'});
        r = CliTest.run("generate", "--model", ckpt.toString(), "--tokens", "2");
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().contains("config.json: not valid UTF-8 at byte offset 2 (line 1): found the bytes c3 22 7d"), r.err());
        oneLine(r);
        if (Files.exists(Path.of("/dev/zero"))) {
            long t0 = System.nanoTime();
            r = CliTest.run("generate", "--model", MODEL, "--skip", "plan:/dev/zero", "--tokens", "2", "--threads", "2");
            assertEquals(1, r.status(), r.err());
            assertTrue(r.err().contains("/dev/zero: more than 4194304 bytes, the most a static plan file can use"), r.err());
            r = CliTest.run("calibrate", "--model", MODEL, "--method", "shortgpt:2", "--calibration", "/dev/zero", "--out",
                    dir.resolve("p.json").toString(), "--threads", "2");
            assertTrue(r.err().contains("/dev/zero: more than 16777216 bytes, the most calibration text can use"), r.err());
            assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "bounded reads stop at once");
        }
    }

    /** Case 8: chat stops reading a line that cannot fit the context (chat < /dev/zero read gigabytes). */
    @Test
    void anEndlessChatLineIsRefusedAtTheBound() {
        Reader zeros = new Reader() {
            @Override
            public int read(char[] buf, int off, int len) {
                java.util.Arrays.fill(buf, off, off + len, '\0');
                return len;
            }

            @Override
            public void close() {
            }
        };
        CliTest.Run r = run(zeros, new PrintStream(new ByteArrayOutputStream()), "chat", "--model", MODEL, "--tokens", "16",
                "--threads", "2");
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().contains("standard input: a line longer than 8192 characters"), r.err());
    }

    /** Case 3: the model file truncated between two chat turns is named in one line, exit 1. */
    @Test
    void aModelFileTruncatedInUseIsNamed(@TempDir Path dir) throws Exception {
        Path gguf = dir.resolve("m.gguf");
        assertEquals(0, CliTest.run("convert", MODEL, gguf.toString(), "--type", "F16").status());
        long size = Files.size(gguf);
        Reader turns = new Reader() {
            final Reader lines = new StringReader("Hello there\nAnd then?\n");

            @Override
            public int read(char[] buf, int off, int len) throws IOException {
                int c = lines.read();
                if (c == 'A') { // the first turn has been answered: the second finds the file cut, as `truncate -s` does

                    try (FileChannel ch = FileChannel.open(gguf, StandardOpenOption.WRITE)) {
                        ch.truncate(200_000);
                    }
                }
                if (c < 0) {
                    return -1;
                }
                buf[off] = (char) c;
                return 1;
            }

            @Override
            public void close() {
            }
        };
        CliTest.Run r = run(turns, new PrintStream(new ByteArrayOutputStream()), "chat", "--model", gguf.toString(), "--tokens", "8",
                "--threads", "2", "--temperature", "0");
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().contains("skipllama chat: error: " + gguf + " was truncated from " + size
                + " to 200000 bytes while the model was in use"), r.err());
        oneLine(r);
    }

    /** Case 5: rms_norm_eps = 1e99999 (infinity) is refused at load, exit 1, one line. */
    @Test
    void anInfiniteEpsilonIsRefused(@TempDir Path dir) throws Exception {
        Path ckpt = dir.resolve("nan");
        Files.createDirectories(ckpt);
        for (String f : new String[]{"config.json", "tokenizer.model", "model.safetensors"}) {
            Files.copy(Path.of(MODEL, f), ckpt.resolve(f));
        }
        String config = Files.readString(ckpt.resolve("config.json"));
        Files.writeString(ckpt.resolve("config.json"), config.replace("\"rms_norm_eps\": 1e-05", "\"rms_norm_eps\": 1e99999"));
        CliTest.Run r = CliTest.run("generate", "--model", ckpt.toString(), "--tokens", "4");
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().contains("config.json: 'rms_norm_eps' is a number Infinity, expected a finite number"), r.err());
        oneLine(r);
    }

    /** Case 11: SKIPLLAMA_MODEL may name a GGUF file, as the help says. */
    @Test
    void skipllamaModelMayBeAGgufFile(@TempDir Path dir) throws IOException {
        Path gguf = Files.writeString(dir.resolve("m.gguf"), "GGUF...");
        assertEquals(gguf, ModelArgs.defaultModel(gguf.toString()));
        assertTrue(assertThrowsIo(() -> ModelArgs.defaultModel(dir.resolve("none.gguf").toString()))
                .contains("SKIPLLAMA_MODEL=" + dir.resolve("none.gguf") + ": no such model file or directory"));
    }

    /** Case 11: the progress bar erases the rest of a longer line it overwrites. */
    @Test
    void theProgressBarClearsToTheEndOfTheLine() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (Progress p = new Progress("scoring", "tokens", new PrintStream(b, true, StandardCharsets.UTF_8), true)) {
            p.progress(10, 6813);
            p.progress(6813, 6813);
        }
        String s = b.toString(StandardCharsets.UTF_8);
        String[] draws = s.split("\r");
        for (int i = 1; i < draws.length; i++) {
            assertTrue(draws[i].strip().endsWith(Progress.CLEAR_TO_END.strip()) || draws[i].contains(Progress.CLEAR_TO_END), draws[i]);
        }
        assertFalse(draws[draws.length - 1].contains("left"), "the last state has no estimate: " + draws[draws.length - 1]);
    }

    /** Case 9: java -jar without --add-modules says how to run the jar instead of NoClassDefFoundError. */
    @Test
    void theLauncherExplainsAMissingVectorModule() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", Path.of("target/classes").toAbsolutePath().toString(), "dev.skipllama.cli.Launcher",
                "generate").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(2, p.waitFor(), out);
        assertTrue(out.contains("without the Vector API module") && out.contains("--add-modules jdk.incubator.vector"), out);
        assertFalse(out.contains("NoClassDefFoundError"), out);
    }

    private static String assertThrowsIo(org.junit.jupiter.api.function.Executable e) {
        return org.junit.jupiter.api.Assertions.assertThrows(IOException.class, e).getMessage();
    }
}

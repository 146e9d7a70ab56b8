package dev.skipllama.skip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.tensor.cpu.CpuBackend;
import dev.skipllama.transformer.model.Generation;
import dev.skipllama.transformer.model.Model;
import dev.skipllama.transformer.model.Session;
import dev.skipllama.transformer.model.SessionOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, cases 10 and 11, on the embedded model: one method captured in {@code SessionOptions}, as
 * the README's example does, serves many concurrent sessions with the text each gets alone; and the
 * methods that run prompt and generated tokens alike reuse a repeated prefix (a chat turn) with the
 * text of a fresh session.
 */
class SharedMethodSessionsTest {
    static CpuBackend cpu;
    static Model model;

    @BeforeAll
    static void load() throws IOException {
        cpu = new CpuBackend(2);
        model = Model.load(Path.of("../models/tiny-layerskip"), cpu);
    }

    @AfterAll
    static void close() {
        model.close();
        cpu.close();
    }

    static SessionOptions options(SkipMethod m) {
        return SessionOptions.defaults(96).withSkip(m);
    }

    @Test
    void oneMethodCapturedInOptionsServesConcurrentSessions() throws Exception {
        String[] prompts = {"Once upon a time", "The man", "She said that", "In the morning", "It was", "They went to",
                "A small dog", "The king"};
        for (String spec : new String[]{"d3:0.9,min=4", "adaskip:0.9,refresh=3", "confidence:0.5,every=2", "skipdecode:4-12,horizon=8"}) {
            List<String> alone = new ArrayList<>();
            for (String p : prompts) {
                try (Session s = model.newSession(options(SkipMethods.parse(spec, model.llama(), null)))) {
                    alone.add(s.generate(p, 24).text());
                }
            }
            SkipMethod shared = SkipMethods.parse(spec, model.llama(), null);
            SessionOptions options = options(shared);
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<String>> texts = new ArrayList<>();
                for (int round = 0; round < 2; round++) {
                    for (String p : prompts) {
                        texts.add(pool.submit(() -> {
                            try (Session s = model.newSession(options)) {
                                return s.generate(p, 24).text();
                            }
                        }));
                    }
                }
                for (int i = 0; i < texts.size(); i++) {
                    assertEquals(alone.get(i % prompts.length), texts.get(i).get(), spec + ", prompt '" + prompts[i % prompts.length] + "'");
                }
            } finally {
                pool.shutdown();
            }
            assertEquals(2 * prompts.length * 23, shared.stats().generated().tokens(), spec + ": the statistics count every session");
        }
    }

    /** Case 11: chat --skip exit:6 used to process the whole conversation again every turn. */
    @Test
    void fixedExitAndStaticPlansReuseARepeatedPrefix() {
        for (String spec : new String[]{"exit:6", "last:3", "full"}) {
            SkipMethod m = SkipMethods.parse(spec, model.llama(), null);
            int[] first = model.tokenizer().encode("Once upon a time", true);
            try (Session s = model.newSession(options(m)); Session fresh = model.newSession(options(m))) {
                Generation g1 = s.generate(first, 10, (String p) -> true);
                int[] second = IntStream.concat(IntStream.concat(java.util.Arrays.stream(first), java.util.Arrays.stream(g1.tokens())),
                        java.util.Arrays.stream(model.tokenizer().encode(" and then", false))).toArray();
                Generation g2 = s.generate(second, 10, (String p) -> true);
                assertEquals(second.length - (first.length + g1.tokens().length - 1), g2.stats().promptTokens(),
                        spec + ": only the new tokens are processed");
                assertArrayEquals(fresh.generate(second, 10, (String p) -> true).tokens(), g2.tokens(), spec);
            }
        }
        SkipMethod d3 = SkipMethods.parse("d3:0.9", model.llama(), null);
        try (Session s = model.newSession(options(d3))) {
            int[] prompt = model.tokenizer().encode("Once upon a time", true);
            s.generate(prompt, 4, (String p) -> true);
            assertEquals(prompt.length, s.generate(prompt, 4, (String p) -> true).stats().promptTokens(),
                    "a dynamic method computes generated tokens' rows differently from a prefill: no reuse");
        }
    }
}

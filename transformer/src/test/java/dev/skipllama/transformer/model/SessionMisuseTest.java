package dev.skipllama.transformer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.tensor.cpu.CpuBackend;
import dev.skipllama.transformer.generate.StandardDecoder;
import dev.skipllama.transformer.generate.StepHooks;
import dev.skipllama.transformer.generate.TokenDecoder;
import dev.skipllama.transformer.llama.ContextOverflowException;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Issue 14, cases 1 and 10: what a library user can get wrong is an exception, and generated text continues the prompt. */
class SessionMisuseTest {
    static CpuBackend cpu;
    static Model model;

    @BeforeAll
    static void load() throws IOException {
        cpu = new CpuBackend(2);
        model = Model.load(EmbeddedModel.DIR, cpu);
    }

    @AfterAll
    static void close() {
        model.close();
        cpu.close();
    }

    /** Case 1: "The man" + generated text is the decoding of all ids: the first generated piece keeps its space. */
    @Test
    void generatedTextContinuesThePrompt() {
        try (Session s = model.newSession(SessionOptions.defaults(64))) {
            for (String prompt : new String[]{"The man", "Once upon a time", "She said"}) {
                int[] ids = model.tokenizer().encode(prompt, true);
                Generation g = s.generate(prompt, 6);
                int[] all = java.util.stream.IntStream.concat(java.util.Arrays.stream(ids), java.util.Arrays.stream(g.tokens())).toArray();
                assertEquals(model.tokenizer().decode(all), prompt + g.text());
            }
            Generation g = s.generate("The man", 4);
            assertTrue(g.text().startsWith(" "), "'" + g.text() + "' starts with the space of its first piece");
        }
    }

    @Test
    void aSessionUsedByTwoThreadsAtOnceThrows() throws Exception {
        try (Session s = model.newSession(SessionOptions.defaults(128))) {
            CountDownLatch inside = new CountDownLatch(1), release = new CountDownLatch(1);
            AtomicReference<Throwable> first = new AtomicReference<>();
            Thread t = new Thread(() -> {
                try {
                    s.generate("Once upon a time", 8, piece -> {
                        inside.countDown();
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                        return true;
                    });
                } catch (Throwable e) {
                    first.set(e);
                }
            }, "first-user");
            t.start();
            inside.await();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.generate("Hello", 4));
            assertTrue(e.getMessage().contains("in use by thread 'first-user'"), e.getMessage());
            release.countDown();
            t.join();
            assertEquals(null, first.get(), "the first user is not disturbed");
            assertEquals(4, s.generate("Hello", 4).tokens().length, "free again afterwards");
            IllegalStateException again = assertThrows(IllegalStateException.class,
                    () -> s.generate("Hello", 4, piece -> s.generate("x", 1) != null));
            assertTrue(again.getMessage().contains("from inside its own callback"), again.getMessage());
        }
    }

    @Test
    void aHugeTokenBudgetIsAContextOverflowNotAnOutOfMemoryError() {
        try (Session s = model.newSession(SessionOptions.defaults(64))) {
            ContextOverflowException e = assertThrows(ContextOverflowException.class, () -> s.generate("The man", Integer.MAX_VALUE));
            assertTrue(e.getMessage().contains("do not fit the context of 64 positions"), e.getMessage());
        }
    }

    @Test
    void anEmptyStopStringIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SessionOptions.defaults(64).withStopStrings(List.of("\n", "")));
        assertEquals("stop strings must not be empty", e.getMessage());
    }

    /** Sessions never closed are closed once unreachable: the cleaning action must not keep the session alive. */
    @Test
    void unclosedSessionsAreCleanedUp() throws InterruptedException {
        AtomicInteger closed = new AtomicInteger();
        SessionOptions counting = SessionOptions.defaults(32).withDecoder((m, sampling, n, kv) -> {
            TokenDecoder d = new StandardDecoder(m.llama(), sampling, StepHooks.FULL, n, kv);
            return new TokenDecoder() {
                @Override
                public dev.skipllama.transformer.generate.DecodeStats generate(int[] prompt, int max, dev.skipllama.transformer.generate.TokenSink sink) {
                    return d.generate(prompt, max, sink);
                }

                @Override
                public long kvCacheBytes() {
                    return d.kvCacheBytes();
                }

                @Override
                public long workspaceBytes() {
                    return d.workspaceBytes();
                }

                @Override
                public void close() {
                    closed.incrementAndGet();
                    d.close();
                }
            };
        });
        int n = 40;
        for (int i = 0; i < n; i++) {
            model.newSession(counting).generate("Hi", 1); // dropped without close
        }
        for (int i = 0; i < 100 && closed.get() < n; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(n, closed.get());
        Session s = model.newSession(counting);
        s.close();
        s.close();
        assertEquals(n + 1, closed.get(), "close is idempotent: the cleaner runs the action once");
    }
}

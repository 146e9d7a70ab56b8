package dev.skipllama.server;

import dev.skipllama.transformer.model.Model;
import dev.skipllama.transformer.model.Session;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where generations run: {@code parallel} platform threads (generation is CPU work; on virtual
 * threads it would occupy the carriers that serve HTTP), a queue of at most {@code queue} waiting
 * requests beyond them (more is a 503 with Retry-After), and an idle {@link Session} per thread that
 * is reused when the next request decodes the same way, so a chat that continues keeps the KV rows
 * of the conversation so far. Sessions are closed when replaced and when the server closes.
 */
final class Slots implements AutoCloseable {
    private final Model model;
    private final int parallel;
    private final int queue;
    private final ExecutorService threads;
    private final AtomicInteger admitted = new AtomicInteger();
    /** Idle sessions: at most {@code parallel}; one is taken out while it serves a request. */
    private final List<Idle> idle = new ArrayList<>();

    private record Idle(String key, Session session, int[] lastPrompt) {
    }

    /** A session lent to one generation; give it back with its key and the prompt it saw. */
    final class Lease implements AutoCloseable {
        private final String key;
        final Session session;
        int[] prompt = new int[0];
        private boolean broken;
        private boolean returned;

        private Lease(String key, Session session) {
            this.key = key;
            this.session = session;
        }

        /** The session's state is unknown (an error mid-generation): close it instead of keeping it. */
        void discard() {
            broken = true;
        }

        /**
         * Gives the session back (once; later calls do nothing). A generation gives it back as soon as
         * it is done with it, before the response's last bytes: a client that continues the
         * conversation the moment it has the answer must find the session idle, with its KV rows.
         */
        @Override
        public void close() {
            if (!returned) {
                returned = true;
                giveBack(this);
            }
        }
    }

    Slots(Model model, int parallel, int queue) {
        this.model = model;
        this.parallel = parallel;
        this.queue = queue;
        AtomicInteger n = new AtomicInteger();
        this.threads = Executors.newFixedThreadPool(parallel, r -> {
            Thread t = new Thread(r, "skipllama-generation-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Runs {@code work} on a generation thread and waits for it.
     *
     * @throws ApiError 503 when {@code parallel + queue} requests are already admitted
     */
    <T> T run(Callable<T> work) throws Exception {
        if (admitted.incrementAndGet() > parallel + queue) {
            admitted.decrementAndGet();
            throw new ApiError(503, "server_error", null, "server_busy", "the server is busy: " + parallel
                    + " generations are running and " + queue + " requests are waiting; retry later");
        }
        try {
            Future<T> f = threads.submit(work);
            try {
                return f.get();
            } catch (InterruptedException e) {
                f.cancel(true);
                Thread.currentThread().interrupt();
                throw e;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof Exception x) {
                    throw x;
                }
                throw (Error) e.getCause();
            }
        } finally {
            admitted.decrementAndGet();
        }
    }

    /** Requests running or waiting now. */
    int admitted() {
        return admitted.get();
    }

    /**
     * A session for a request decoding as {@code key} with this prompt: the idle one of that key whose
     * last prompt shares the longest prefix with it (its KV rows are reused), else a new one (closing
     * the least useful idle session when all {@code parallel} are kept).
     */
    Lease lease(String key, int[] prompt, java.util.function.Supplier<Session> create) {
        synchronized (idle) {
            int best = -1, bestShared = -1;
            for (int i = 0; i < idle.size(); i++) {
                Idle s = idle.get(i);
                if (s.key.equals(key)) {
                    int shared = sharedPrefix(s.lastPrompt, prompt);
                    if (shared > bestShared) {
                        best = i;
                        bestShared = shared;
                    }
                }
            }
            if (best >= 0) {
                return new Lease(key, idle.remove(best).session);
            }
        }
        return new Lease(key, create.get());
    }

    private void giveBack(Lease l) {
        if (l.broken) {
            l.session.close();
            return;
        }
        Session evicted = null;
        synchronized (idle) {
            idle.add(new Idle(l.key, l.session, l.prompt));
            if (idle.size() > parallel) {
                evicted = idle.remove(0).session(); // the least recently returned
            }
        }
        if (evicted != null) {
            evicted.close();
        }
    }

    private static int sharedPrefix(int[] a, int[] b) {
        int n = Math.min(a.length, b.length), k = 0;
        while (k < n && a[k] == b[k]) {
            k++;
        }
        return k;
    }

    /** Idle sessions kept now (for tests: none leak). */
    int idleSessions() {
        synchronized (idle) {
            return idle.size();
        }
    }

    /** Stops the threads (running generations finish first when the caller drained) and closes every idle session. */
    @Override
    public void close() {
        threads.shutdownNow();
        List<Idle> all;
        synchronized (idle) {
            all = new ArrayList<>(idle);
            idle.clear();
        }
        for (Idle s : all) {
            s.session().close();
        }
    }

    Model model() {
        return model;
    }
}

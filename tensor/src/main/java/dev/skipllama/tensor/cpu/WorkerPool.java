package dev.skipllama.tensor.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed pool of worker threads that run the chunks of one job at a time, the calling thread
 * taking part as worker 0. Threads are created once: a decode step issues hundreds of small jobs,
 * and creating or handing work to an executor for each would cost more than the work.
 *
 * <p><b>Waiting.</b> A small model's token is ~150 jobs of a few microseconds each, so how a job
 * starts and ends decides its speed (as ggml's pool, which spins on an atomic barrier between ops).
 * Idle workers spin for {@link #SPIN_NANOS} before they park, so between the jobs of a token they are
 * always spinning; the caller wakes only workers that have parked (a handshake on {@code parked},
 * below, so that no wake-up is lost), and waits for the job's last chunk by spinning, since the
 * others are running it. Jobs from several caller threads are serialised by a lock; a task must not
 * submit a job itself.
 */
public final class WorkerPool implements AutoCloseable {

    /** One chunk of work; {@code worker} in {@code [0, size())} indexes per-worker scratch. */
    @FunctionalInterface
    public interface Task {
        void run(int chunk, int worker);
    }

    /** How long an idle worker spins before it parks: longer than the gap between two tokens' jobs. */
    private static final long SPIN_NANOS = 2_000_000;
    /** How long the caller spins for the last chunks before it parks between checks (an oversubscribed machine). */
    private static final long CALLER_SPIN_NANOS = 10_000_000;

    private final int size;
    private final Worker[] workers;
    private final ReentrantLock submitLock = new ReentrantLock();
    private volatile Job job;
    private volatile boolean closed;

    /** A job's chunks are claimed from its own counters, so a worker that wakes late finds nothing to do. */
    private static final class Job {
        final Task task;
        final int chunks;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        volatile Throwable failure;

        Job(Task task, int chunks) {
            this.task = task;
            this.chunks = chunks;
        }

        void work(int worker) {
            int c, finished = 0;
            while ((c = next.getAndIncrement()) < chunks) {
                try {
                    task.run(c, worker);
                } catch (Throwable t) {
                    if (failure == null) {
                        failure = t;
                    }
                }
                finished++;
            }
            if (finished > 0) {
                done.addAndGet(finished); // once per worker, not per chunk: the counter's cache line is shared
            }
        }
    }

    private final class Worker implements Runnable {
        final int index;
        final Thread thread;
        /** Set before parking and re-checked against {@link #job}: the submitter unparks when it sees it set. */
        volatile boolean parked;

        Worker(int index) {
            this.index = index;
            this.thread = Thread.ofPlatform().daemon().name("skipllama-worker-" + index).unstarted(this);
        }

        @Override
        public void run() {
            Job last = null;
            long idleSince = System.nanoTime();
            int spins = 0;
            while (!closed) {
                Job j = job;
                if (j != null && j != last) {
                    last = j;
                    j.work(index);
                    idleSince = System.nanoTime();
                    spins = 0;
                } else if (++spins < 1024 || System.nanoTime() - idleSince < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    parked = true;
                    Job again = job; // a job published before the flag was seen: run it instead of sleeping
                    if (again == null || again == last) {
                        LockSupport.park(this);
                    }
                    parked = false;
                    idleSince = System.nanoTime();
                    spins = 0;
                }
            }
        }
    }

    /** @param size total participants including the caller; 1 means the caller does everything. */
    public WorkerPool(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("a worker pool needs at least 1 thread, got " + size);
        }
        this.size = size;
        this.workers = new Worker[size - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].thread.start();
        }
    }

    public int size() {
        return size;
    }

    /** Runs {@code task} for chunks {@code 0..chunks-1} across the pool and returns when all are done. */
    public void run(int chunks, Task task) {
        if (chunks <= 0) {
            return;
        }
        if (closed) {
            throw new IllegalStateException("worker pool is closed");
        }
        for (Worker w : workers) {
            if (w.thread == Thread.currentThread()) {
                throw new IllegalStateException("a worker task submitted a job to its own pool");
            }
        }
        submitLock.lock();
        try {
            if (size == 1 || chunks == 1) {
                for (int c = 0; c < chunks; c++) {
                    task.run(c, 0);
                }
                return;
            }
            Job j = new Job(task, chunks);
            job = j;
            for (Worker w : workers) {
                if (w.parked) {
                    LockSupport.unpark(w.thread);
                }
            }
            j.work(0);
            long start = 0;
            while (j.done.get() < chunks) {
                if (start == 0) {
                    start = System.nanoTime();
                }
                if (System.nanoTime() - start < CALLER_SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(this, 20_000);
                }
            }
            Throwable f = j.failure;
            if (f instanceof RuntimeException re) {
                throw re;
            } else if (f instanceof Error e) {
                throw e;
            } else if (f != null) {
                throw new IllegalStateException(f);
            }
        } finally {
            job = null;
            submitLock.unlock();
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Worker w : workers) {
            LockSupport.unpark(w.thread);
        }
    }
}

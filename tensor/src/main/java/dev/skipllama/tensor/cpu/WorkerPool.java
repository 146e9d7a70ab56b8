package dev.skipllama.tensor.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed pool of worker threads that run the chunks of one job at a time, the calling thread
 * taking part as worker 0. Threads are created once: a decode step issues hundreds of small jobs,
 * and creating or handing work to an executor for each would cost more than the work.
 *
 * <p>Workers spin briefly after a job (the next op usually follows within microseconds) and then
 * park. Jobs from several caller threads are serialised by a lock; a task must not submit a job
 * itself.
 */
public final class WorkerPool implements AutoCloseable {

    /** One chunk of work; {@code worker} in {@code [0, size())} indexes per-worker scratch. */
    @FunctionalInterface
    public interface Task {
        void run(int chunk, int worker);
    }

    private static final int SPIN_ITERATIONS = 2_000;

    private final int size;
    private final Thread[] threads;
    private final ReentrantLock submitLock = new ReentrantLock();
    private volatile Job job;
    private volatile boolean closed;

    /** A job's chunks are claimed from its own counters, so a worker that wakes late finds nothing to do. */
    private static final class Job {
        final Task task;
        final int chunks;
        final Thread caller;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        volatile Throwable failure;

        Job(Task task, int chunks, Thread caller) {
            this.task = task;
            this.chunks = chunks;
            this.caller = caller;
        }

        void work(int worker) {
            int c;
            while ((c = next.getAndIncrement()) < chunks) {
                try {
                    task.run(c, worker);
                } catch (Throwable t) {
                    if (failure == null) {
                        failure = t;
                    }
                }
                if (done.incrementAndGet() == chunks) {
                    LockSupport.unpark(caller);
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
        this.threads = new Thread[size - 1];
        for (int i = 0; i < threads.length; i++) {
            int worker = i + 1;
            threads[i] = Thread.ofPlatform().daemon().name("skipllama-worker-" + worker).unstarted(() -> loop(worker));
            threads[i].start();
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
        for (Thread t : threads) {
            if (t == Thread.currentThread()) {
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
            Job j = new Job(task, chunks, Thread.currentThread());
            job = j;
            for (Thread t : threads) {
                LockSupport.unpark(t);
            }
            j.work(0);
            int spins = 0;
            while (j.done.get() < chunks) {
                if (++spins < SPIN_ITERATIONS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(this, 50_000);
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

    private void loop(int worker) {
        Job last = null;
        int idle = 0;
        while (!closed) {
            Job j = job;
            if (j != null && j != last) {
                last = j;
                idle = 0;
                j.work(worker);
            } else if (++idle < SPIN_ITERATIONS) {
                Thread.onSpinWait();
            } else {
                LockSupport.park(this);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread t : threads) {
            LockSupport.unpark(t);
        }
    }
}

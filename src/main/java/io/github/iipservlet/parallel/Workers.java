package io.github.iipservlet.parallel;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * The bounded pool that lets one large render use several cores (iipsrv's OpenMP threads,
 * {@code OMP_NUM_THREADS}). One per webapp, shared by all requests.
 *
 * <p>A render splits its work into chunks (bands of rows) and calls {@link #run}: the calling
 * request thread works through the chunks itself and asks up to {@code threads - 1} pool threads
 * to help. Helpers claim chunks from the same counter, so when the pool is busy with other
 * requests the caller simply does all the work (no request ever waits for a queued helper), and
 * the machine never runs more than {@code threads} render threads per request nor more than
 * {@code threads - 1} helpers in total. Before each chunk of a run of several that has taken more
 * than 25 ms, the asking thread's {@link Cancellation} is checked: a render for a client that has
 * gone stops there.
 */
public final class Workers implements AutoCloseable {
    /** No helpers: every render runs on its request thread alone. */
    public static final Workers SERIAL = new Workers(1);

    /** Work runs this long before its request's cancellation is checked between chunks. */
    private static final long CHECK_AFTER_NANOS = 25_000_000L;

    private final int threads;
    private final ThreadPoolExecutor pool;

    /** @param threads render threads per request, caller included; {@code <= 0} means the number of cores */
    public Workers(int threads) {
        this.threads = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        if (this.threads <= 1) {
            pool = null;
            return;
        }
        AtomicInteger n = new AtomicInteger();
        pool = new ThreadPoolExecutor(this.threads - 1, this.threads - 1, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "iip-render-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
    }

    /** Render threads one request may use, its own included. */
    public int threads() {
        return threads;
    }

    /** One chunk of work; checked exceptions are passed on to the caller of {@link #run}. */
    @FunctionalInterface
    public interface Chunk {
        void run(int index) throws Exception;
    }

    /**
     * Runs {@code chunk.run(i)} for every i in [0, count), on this thread and on free helpers, and
     * returns when all are done. The first failure is rethrown here (the remaining chunks are
     * skipped); checked exceptions arrive wrapped in {@link ChunkException}.
     */
    public void run(int count, Chunk chunk) {
        if (count <= 0) {
            return;
        }
        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        // The asking thread's request, checked by helpers too, once the work has taken a while:
        // stopping short work saves nothing, and a check costs a look at the connection.
        BooleanSupplier gone = count > 1 ? Cancellation.current() : null;
        long checkFrom = System.nanoTime() + CHECK_AFTER_NANOS;
        Runnable worker = () -> {
            int i;
            while ((i = next.getAndIncrement()) < count) {
                try {
                    if (gone != null && failure.get() == null && System.nanoTime() > checkFrom && gone.getAsBoolean()) {
                        failure.compareAndSet(null, new Cancellation.Cancelled());
                    }
                    if (failure.get() == null) {
                        chunk.run(i);
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    if (done.incrementAndGet() == count) {
                        synchronized (done) {
                            done.notifyAll();
                        }
                    }
                }
            }
        };
        int helpers = pool == null ? 0 : Math.min(threads - 1, count - 1);
        for (int h = 0; h < helpers; h++) {
            try {
                pool.execute(worker);
            } catch (RejectedExecutionException e) {
                break; // shutting down: the caller does the work
            }
        }
        worker.run();
        // Only chunks a helper has claimed and not finished remain. Waited for even when this
        // thread is interrupted: they may still write into memory the caller frees on return.
        boolean interrupted = false;
        synchronized (done) {
            while (done.get() < count) {
                try {
                    done.wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                    failure.compareAndSet(null, e);
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Throwable t = failure.get();
        if (t instanceof RuntimeException r) {
            throw r;
        } else if (t instanceof Error e) {
            throw e;
        } else if (t != null) {
            throw new ChunkException(t);
        }
    }

    /** A checked exception thrown by a chunk. */
    public static final class ChunkException extends RuntimeException {
        ChunkException(Throwable cause) {
            super(cause);
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdown();
        }
    }
}

package io.github.iipservlet.image.jp2;

import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.PixelBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Turns for JPEG2000 decodes: at most {@code concurrency} run at once, oldest first, and a turn
 * decodes its own area together with the waiting areas of the same file, level and layer count
 * that lie next to it, in one call, each request then getting its part (docs/decisions.md
 * Decision 36). Nothing is kept after the turn: this is not a cache.
 *
 * <p>Why: each OpenJPEG decode call parses the headers of every packet of the codestream again
 * and decodes the code-blocks around the area too (the wavelet's margin), so on the 8192x6144
 * untiled file of the benchmark a lone 256x256 area took 28 ms and a 1024x1024 area, sixteen
 * times the pixels, 80 ms. A viewer asks for the tiles of its viewport at once: decoded as one
 * area they cost a fraction of their separate decodes.
 */
final class AreaBatches {
    /** Decodes one area of one file, level and layer count. */
    interface Decode {
        PixelBlock decode(int x, int y, int width, int height) throws ImageException;
    }

    /** What must be equal for two areas to be decoded together. */
    record Key(Object source, int reduce, int layers) {
    }

    /** The area a batch may grow to, in pixels: OpenJPEG holds 4 bytes a sample of it. */
    static final long MAX_PIXELS = 1024L * 1024;

    private final int concurrency;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Requests waiting for a turn, oldest first. */
    private final List<Job> waiting = new ArrayList<>();
    private int running;
    /** Decode calls made, and areas they answered, for tests and the benchmark's note. */
    private long calls;
    private long areas;

    AreaBatches(int concurrency) {
        this.concurrency = Math.max(1, concurrency);
    }

    private static final class Job {
        final Key key;
        final int x;
        final int y;
        final int width;
        final int height;
        /** Set when another request's turn has decoded this area into {@link #result}. */
        boolean done;
        PixelBlock result;
        /** Set while another request's turn decodes it. */
        boolean taken;
        /** Set when a batch it was in failed: then it is decoded on its own. */
        boolean alone;

        Job(Key key, int x, int y, int width, int height) {
            this.key = key;
            this.x = x;
            this.y = y;
            this.width = width;
            this.height = height;
        }
    }

    /** Requests waiting for a turn, for tests. */
    int waitingCount() {
        lock.lock();
        try {
            return waiting.size();
        } finally {
            lock.unlock();
        }
    }

    /** Decode calls made since start, and the areas they answered. */
    long[] counts() {
        lock.lock();
        try {
            return new long[] {calls, areas};
        } finally {
            lock.unlock();
        }
    }

    /**
     * The area decoded, in this thread's turn or within another request's.
     *
     * @param decode decodes an area of {@code key}'s file, level and layers (the batch's bounds)
     */
    PixelBlock decode(Key key, int x, int y, int width, int height, Decode decode) throws ImageException {
        Job job = new Job(key, x, y, width, height);
        List<Job> batch;
        lock.lock();
        try {
            waiting.add(job);
            // A job another turn has taken waits for it to be done (or given back after a failure).
            while (!job.done && (job.taken || running >= concurrency || waiting.get(0) != job)) {
                changed.awaitUninterruptibly();
            }
            if (job.done) {
                return job.result;
            }
            waiting.remove(0);
            batch = neighbours(job);
            running++;
            calls++;
            areas += batch.size();
        } finally {
            lock.unlock();
        }
        try {
            run(batch, decode);
            return job.result;
        } finally {
            lock.lock();
            try {
                running--;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * The job and the waiting jobs of its key that keep the batch's bounds at most half again
     * the pixels its areas need (plus one 256x256 tile, for the wavelet margin the separate
     * decodes would also pay), and within {@link #MAX_PIXELS}. Called with the lock held; the
     * jobs taken leave the queue.
     */
    private List<Job> neighbours(Job first) {
        List<Job> batch = new ArrayList<>();
        batch.add(first);
        if (first.alone) {
            return batch;
        }
        long x0 = first.x;
        long y0 = first.y;
        long x1 = first.x + (long) first.width;
        long y1 = first.y + (long) first.height;
        long needed = (long) first.width * first.height;
        boolean grew = true;
        while (grew) {
            grew = false;
            for (int i = 0; i < waiting.size(); i++) {
                Job j = waiting.get(i);
                if (j.alone || !j.key.equals(first.key)) {
                    continue;
                }
                long nx0 = Math.min(x0, j.x);
                long ny0 = Math.min(y0, j.y);
                long nx1 = Math.max(x1, j.x + (long) j.width);
                long ny1 = Math.max(y1, j.y + (long) j.height);
                long bounds = (nx1 - nx0) * (ny1 - ny0);
                long n = needed + (long) j.width * j.height;
                if (bounds <= MAX_PIXELS && bounds <= n + n / 2 + 65536) {
                    batch.add(j);
                    j.taken = true;
                    waiting.remove(i--);
                    x0 = nx0;
                    y0 = ny0;
                    x1 = nx1;
                    y1 = ny1;
                    needed = n;
                    grew = true;
                }
            }
        }
        return batch;
    }

    /**
     * Decodes the batch's bounds and cuts each job's part from it. When the decode fails, the
     * other jobs go back to the head of the queue to be decoded on their own, and the failure is
     * the first job's alone.
     */
    private void run(List<Job> batch, Decode decode) throws ImageException {
        int x0 = Integer.MAX_VALUE;
        int y0 = Integer.MAX_VALUE;
        int x1 = 0;
        int y1 = 0;
        for (Job j : batch) {
            x0 = Math.min(x0, j.x);
            y0 = Math.min(y0, j.y);
            x1 = Math.max(x1, j.x + j.width);
            y1 = Math.max(y1, j.y + j.height);
        }
        PixelBlock whole;
        try {
            whole = decode.decode(x0, y0, x1 - x0, y1 - y0);
        } catch (ImageException | RuntimeException | Error e) {
            requeue(batch.subList(1, batch.size()));
            throw e;
        }
        for (Job j : batch) {
            j.result = cut(whole, j.x - x0, j.y - y0, j.width, j.height);
        }
        finish(batch);
    }

    private void requeue(List<Job> jobs) {
        if (jobs.isEmpty()) {
            return;
        }
        lock.lock();
        try {
            for (Job j : jobs) {
                j.alone = true;
                j.taken = false;
            }
            waiting.addAll(0, jobs);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void finish(List<Job> jobs) {
        lock.lock();
        try {
            for (Job j : jobs) {
                j.done = true;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The rectangle (x, y, w, h) of a block, in a block of its own. */
    static PixelBlock cut(PixelBlock in, int x, int y, int w, int h) {
        if (x == 0 && y == 0 && w == in.width && h == in.height) {
            return in;
        }
        int ch = in.channels;
        Object out = java.lang.reflect.Array.newInstance(in.data.getClass().getComponentType(), w * h * ch);
        for (int row = 0; row < h; row++) {
            System.arraycopy(in.data, ((y + row) * in.width + x) * ch, out, row * w * ch, w * ch);
        }
        return new PixelBlock(w, h, ch, in.bitsPerSample, in.sampleType, out);
    }
}

package io.github.iipservlet.render;

import io.github.iipservlet.image.ColourSpace;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.image.Level;
import io.github.iipservlet.process.Pipeline;
import io.github.iipservlet.process.Processing;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The pixel memory the renders running at once may hold (half the heap unless told otherwise).
 * A render reserves its estimate before it decodes and waits while the budget is spent, so a burst
 * of large CVTs queues instead of exhausting the heap (measured: three full-size CVTs of an
 * 8192x6144 image at -Xmx512m ran out of memory without it); a render larger than the whole budget
 * can never run here and is refused (docs/decisions.md Decision 15).
 */
public final class MemoryBudget {
    /** The longest a plain image's decode waits for memory. */
    static final int DECODE_WAIT_SECONDS = 30;
    private final int budgetKib;
    private final Semaphore free;
    private final AtomicInteger waiting = new AtomicInteger();

    /** @param bytes pixel memory renders may hold at once (at least 1 MB is used) */
    public MemoryBudget(long bytes) {
        this.budgetKib = (int) Math.max(1024, Math.min(Integer.MAX_VALUE, bytes >> 10));
        this.free = new Semaphore(budgetKib);
    }

    /** Memory held by one render, given back by {@link #close}. */
    public interface Reservation extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Reserves what a render of {@code view} needs, waiting while other renders hold the budget.
     *
     * @throws TooLargeToRender when it needs more than the whole budget
     */
    Reservation reserve(View view, ImageInfo info, int threads) throws TooLargeToRender {
        long kib = (estimatedBytes(view, info, threads) + 1023) >> 10;
        if (kib > budgetKib) {
            throw new TooLargeToRender("Too large to render here: this request needs about " + (kib >> 10)
                    + " MB of memory, and this server lets renders hold " + (budgetKib >> 10)
                    + " MB at once; ask for a smaller region or size");
        }
        int permits = (int) kib;
        waiting.incrementAndGet();
        try {
            free.acquireUninterruptibly(permits);
        } finally {
            waiting.decrementAndGet();
        }
        return () -> free.release(permits);
    }

    /**
     * Holds the working memory of a plain image's decode (docs/architecture.md 2.5): a render
     * already holds its own reservation when its reader finds it must decode a whole level, so this
     * waits at most {@link #DECODE_WAIT_SECONDS} (renders waiting for each other's decodes could
     * otherwise hold the budget among themselves), then answers "busy".
     *
     * @throws ImageException NOT_FOUND when the decode needs more than the whole budget, UNAVAILABLE
     *                        (503) when the budget stays spent
     */
    public Reservation reserveDecode(long bytes) throws ImageException {
        long kib = (bytes + 1023) >> 10;
        if (kib > budgetKib) {
            throw new ImageException(ImageException.Kind.NOT_FOUND, "Image too large to decode here: it needs about "
                    + (kib >> 10) + " MB of memory, and this server lets renders hold " + (budgetKib >> 10)
                    + " MB at once; convert it to a tiled pyramid");
        }
        int permits = (int) kib;
        waiting.incrementAndGet();
        try {
            if (!free.tryAcquire(permits, DECODE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new ImageException(ImageException.Kind.UNAVAILABLE, "Server busy: no memory to decode the image");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImageException(ImageException.Kind.UNAVAILABLE, "Server busy: no memory to decode the image");
        } finally {
            waiting.decrementAndGet();
        }
        return () -> free.release(permits);
    }

    /** The whole budget, in bytes. */
    public long bytes() {
        return (long) budgetKib << 10;
    }

    /** Bytes reserved by the renders running now. */
    public long inUseBytes() {
        return (long) (budgetKib - free.availablePermits()) << 10;
    }

    /** Renders waiting for memory now. */
    public int waiting() {
        return waiting.get();
    }

    /**
     * The most memory a render holds at once, in bytes, from the view alone. Beside the 8-bit frame
     * of the source pixels, either what making it takes (the raw samples being decoded: a whole
     * tile, or a band of tile rows per thread of a large region; the float frames of convolution
     * and height-field hill-shading, on at least three channels) or what follows it (four
     * output-sized arrays: the resized output, one processing copy such as a rotation or the
     * watermark, and the encoder's stream and result), whichever is larger. Generous rather than
     * short, so that a render the budget admits completes.
     */
    static long estimatedBytes(View view, ImageInfo info, int threads) {
        Level level = info.levels.get(view.level());
        long bytesPerSample = Math.max(1, info.bitsPerSample / 8);
        long ch = info.channels;
        long work = Math.max(ch, 3);
        Processing p = view.processing();
        boolean floats = info.colourSpace == ColourSpace.CIELAB || info.bitsPerSample > 8 || !p.isIdentity();
        long frame;
        long raw;
        long out;
        if (view.isTile()) {
            frame = (long) level.tileWidth() * level.tileHeight();
            raw = frame;
            out = frame;
        } else {
            frame = (long) view.width() * view.height();
            raw = frame >= Pipeline.PARALLEL_PIXELS
                    ? Math.min(frame, (long) view.width() * level.tileHeight() * (threads + 1)) : frame;
            out = (long) view.outWidth() * view.outHeight();
        }
        long making = floats || bytesPerSample > 1 ? raw * ch * bytesPerSample : 0;
        if (p.shade() != null && ch < 3) {
            making += frame * 4;
        }
        if (p.kernel() != null) {
            making += frame * 4 * work;
        }
        return frame * ch + Math.max(making, 4 * out * work);
    }
}

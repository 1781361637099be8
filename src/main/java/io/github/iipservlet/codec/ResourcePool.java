package io.github.iipservlet.codec;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Idle resources of one kind (codec handles, native buffers, scratch arrays), kept for the next
 * request within a count and a byte bound, destroyed when idle too long, when over the bounds,
 * when they saw an error, and when the pool closes. Each resource taken must be given back or
 * discarded once; a second return is ignored (and logged as the bug it is), so a resource can
 * never sit in the pool twice and be handed to two requests at once. Thread-safe.
 */
final class ResourcePool<R> {
    private static final Logger LOG = LogManager.getLogger(ResourcePool.class);

    /** How resources of this kind are made, measured, made ready for idleness and destroyed. */
    interface Kind<R> {
        R create();

        /** Lets go of memory it should not keep while idle (e.g. an exceptionally large buffer). */
        default void idle(R resource) {
        }

        /** Memory the resource holds now, in bytes. */
        long bytes(R resource);

        void destroy(R resource);
    }

    private record Idle<R>(R resource, long bytes, long sinceNanos) {
    }

    private final String name;
    private final Kind<R> kind;
    private final int maxIdle;
    private final long maxIdleBytes;
    /** Idle resources, most recently returned first. */
    private final ArrayDeque<Idle<R>> idle = new ArrayDeque<>();
    /** Resources handed out and not yet returned, by identity. */
    private final Set<R> out = Collections.newSetFromMap(new IdentityHashMap<>());
    private long idleBytes;
    private boolean closed;

    ResourcePool(String name, Kind<R> kind, int maxIdle, long maxIdleBytes) {
        this.name = name;
        this.kind = kind;
        this.maxIdle = maxIdle;
        this.maxIdleBytes = maxIdleBytes;
    }

    /** An idle resource, or a new one. */
    R take() {
        return take(r -> true, kind::create);
    }

    /** The most recently used idle resource that {@code fits}, or a new one from {@code create}. */
    R take(Predicate<R> fits, Supplier<R> create) {
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the " + name + " pool is closed");
            }
            for (Iterator<Idle<R>> it = idle.iterator(); it.hasNext();) {
                Idle<R> i = it.next();
                if (fits.test(i.resource)) {
                    it.remove();
                    idleBytes -= i.bytes;
                    out.add(i.resource);
                    return i.resource;
                }
            }
        }
        R r = create.get();
        synchronized (this) {
            out.add(r);
        }
        return r;
    }

    /** Gives a healthy resource back: kept idle within the bounds, else destroyed. */
    void give(R resource) {
        if (!checkIn(resource)) {
            return;
        }
        kind.idle(resource);
        long bytes = kind.bytes(resource);
        boolean kept;
        synchronized (this) {
            kept = !closed && idle.size() < maxIdle && idleBytes + bytes <= maxIdleBytes;
            if (kept) {
                idle.addFirst(new Idle<>(resource, bytes, System.nanoTime()));
                idleBytes += bytes;
            }
        }
        if (!kept) {
            kind.destroy(resource);
        }
    }

    /** Destroys a resource instead of keeping it: it saw an error, so its state is not to be trusted. */
    void discard(R resource) {
        if (checkIn(resource)) {
            kind.destroy(resource);
        }
    }

    private boolean checkIn(R resource) {
        synchronized (this) {
            if (out.remove(resource)) {
                return true;
            }
        }
        LOG.error("a {} was returned to its pool twice (a bug): ignored", name,
                new IllegalStateException("second return"));
        return false;
    }

    /** Destroys the resources idle for longer than {@code maxIdleNanos}. */
    void trim(long maxIdleNanos) {
        long now = System.nanoTime();
        while (true) {
            Idle<R> oldest;
            synchronized (this) {
                oldest = idle.peekLast();
                if (oldest == null || now - oldest.sinceNanos < maxIdleNanos) {
                    return;
                }
                idle.pollLast();
                idleBytes -= oldest.bytes;
            }
            kind.destroy(oldest.resource);
        }
    }

    /** Destroys the idle resources; those still out are destroyed when they come back. */
    void close() {
        synchronized (this) {
            closed = true;
        }
        trim(Long.MIN_VALUE);
    }

    /** Resources alive: idle ones plus those handed out. */
    synchronized int live() {
        return idle.size() + out.size();
    }

    synchronized int idleCount() {
        return idle.size();
    }
}

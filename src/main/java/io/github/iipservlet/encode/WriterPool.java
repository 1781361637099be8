package io.github.iipservlet.encode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageWriter;
import javax.imageio.spi.IIORegistry;
import javax.imageio.spi.ImageWriterSpi;

/**
 * Idle ImageIO writers of one plugin, found by class name (the registry's order is not stable in
 * a WAR). Writers are not thread-safe, so each call takes one and gives it back. A pool rather
 * than a ThreadLocal: these writers are classes of the webapp, and a ThreadLocal value left in a
 * container's pooled threads would keep the webapp's class loader alive after undeploy.
 */
final class WriterPool {
    private final String className;
    private final int maxIdle = Math.max(2, Runtime.getRuntime().availableProcessors() * 2);
    private final ConcurrentLinkedQueue<ImageWriter> idle = new ConcurrentLinkedQueue<>();
    private final AtomicInteger idleCount = new AtomicInteger();
    private volatile ImageWriterSpi spi;

    /** @param className the writer's class name, or its provider's (either matches) */
    WriterPool(String className) {
        this.className = className;
    }

    ImageWriter take() {
        ImageWriter w = idle.poll();
        if (w != null) {
            idleCount.decrementAndGet();
            return w;
        }
        try {
            return spi().createWriterInstance();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Resets the writer and keeps it for the next call (or drops it when enough are idle). */
    void give(ImageWriter w) {
        w.reset();
        if (idleCount.incrementAndGet() <= maxIdle) {
            idle.offer(w);
        } else {
            idleCount.decrementAndGet();
            w.dispose();
        }
    }

    private ImageWriterSpi spi() {
        ImageWriterSpi s = spi;
        if (s == null) {
            Iterator<ImageWriterSpi> it = IIORegistry.getDefaultInstance().getServiceProviders(ImageWriterSpi.class,
                    true);
            while (it.hasNext()) {
                ImageWriterSpi candidate = it.next();
                if (className.equals(candidate.getPluginClassName())
                        || className.equals(candidate.getClass().getName())) {
                    s = candidate;
                    break;
                }
            }
            if (s == null) {
                throw new IllegalStateException("ImageIO writer " + className + " is not registered");
            }
            spi = s;
        }
        return s;
    }
}

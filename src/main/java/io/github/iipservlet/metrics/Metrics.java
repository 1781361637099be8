package io.github.iipservlet.metrics;

import io.github.iipservlet.codec.NativeCodecs;
import io.github.iipservlet.image.ImageStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * The meters of one webapp, in a Prometheus registry of its own (never Micrometer's global one),
 * made when the context starts with METRICS set and closed when it stops, so an undeploy leaves no
 * listener or meter behind (docs/operations.md "Metrics"). Names here are Micrometer's; the
 * Prometheus names they become are in the comments and the documentation.
 *
 * <p>The request path only increments meters made once: a request counter per protocol and status
 * is made on the first such request and kept in an array, never looked up by its tags again.
 */
public final class Metrics implements RenderTimes, AutoCloseable {
    /** Context attribute holding the context's Metrics while METRICS is set. */
    public static final String ATTRIBUTE = Metrics.class.getName();
    /** What {@link #scrape} writes: Prometheus text exposition format 0.0.4. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /** What a request asked for, from the servlet that answered it; its tag is the lower-case name. */
    public enum Protocol {
        IIP, IIIF, DEEPZOOM, ZOOMIFY, OTHER;

        final String tag = name().toLowerCase(Locale.ROOT);
    }

    private static final int FIRST_STATUS = 100;
    private static final int LAST_STATUS = 599;
    /** Counters per protocol: slot 0 for a status outside 100-599, then one per status. */
    private static final int SLOTS = LAST_STATUS - FIRST_STATUS + 2;

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final AtomicReferenceArray<Counter> requests = new AtomicReferenceArray<>(Protocol.values().length * SLOTS);
    private final Counter[] servedBytes = new Counter[Protocol.values().length];
    private final Timer[] renders = new Timer[Kind.values().length];
    /**
     * What the function meters read. Micrometer keeps only weak references to them; these keep them
     * for as long as the registry.
     */
    private final List<Object> sources = new ArrayList<>();

    /** The registry with the JVM's meters and the webapp's own, all at zero. */
    public Metrics() {
        try {
            new JvmMemoryMetrics().bindTo(registry);
            gc.bindTo(registry);
            new JvmThreadMetrics().bindTo(registry);
            new ClassLoaderMetrics().bindTo(registry);
            new ProcessorMetrics().bindTo(registry);
            for (Protocol p : Protocol.values()) {
                // iip_served_bytes_total{protocol}
                servedBytes[p.ordinal()] = Counter.builder("iip.served").baseUnit("bytes")
                        .description("Response body bytes sent (Content-Length of the replies; HEAD sends none)")
                        .tag("protocol", p.tag).register(registry);
            }
            for (Kind k : Kind.values()) {
                // iip_render_seconds{kind} (_bucket, _count, _sum) and iip_render_seconds_max
                renders[k.ordinal()] = Timer.builder("iip.render")
                        .description("Time spent rendering a view the tile store did not hold, once the memory"
                                + " budget admitted it")
                        .tag("kind", k.tag()).publishPercentileHistogram()
                        .minimumExpectedValue(Duration.ofNanos(10_000)).maximumExpectedValue(Duration.ofSeconds(60))
                        .register(registry);
            }
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /** One request answered: iip_requests_total{protocol,status}, and its body in iip_served_bytes_total. */
    public void request(Protocol protocol, int status, long bodyBytes) {
        int slot = protocol.ordinal() * SLOTS + (status < FIRST_STATUS || status > LAST_STATUS ? 0
                : status - FIRST_STATUS + 1);
        Counter counter = requests.get(slot);
        if (counter == null) {
            counter = requestCounter(protocol, status, slot);
        }
        counter.increment();
        if (bodyBytes > 0) {
            servedBytes[protocol.ordinal()].increment(bodyBytes);
        }
    }

    /** Made once per protocol and status (two threads making it at once get the same meter). */
    private Counter requestCounter(Protocol protocol, int status, int slot) {
        String code = status < FIRST_STATUS || status > LAST_STATUS ? "other" : Integer.toString(status);
        Counter counter = Counter.builder("iip.requests").description("Requests answered, by protocol and status")
                .tag("protocol", protocol.tag).tag("status", code).register(registry);
        requests.set(slot, counter);
        return counter;
    }

    @Override
    public void record(Kind kind, long nanos) {
        renders[kind.ordinal()].record(nanos, TimeUnit.NANOSECONDS);
    }

    /** iip_open_images: the image store's entries (MAX_METADATA_CACHE_SIZE). */
    public void openImages(ImageStore images) {
        gauge("iip.open.images", null, "Open images kept (MAX_METADATA_CACHE_SIZE)", images, ImageStore::size);
    }

    /** iip_native_handles, iip_native_buffers, iip_native_memory_bytes: what /health shows as nativeCodecs. */
    public void nativeCodecs(NativeCodecs codecs) {
        gauge("iip.native.handles", null, "libjpeg-turbo and libdeflate handles alive", codecs,
                c -> c.stats().handles());
        gauge("iip.native.buffers", null, "Native image buffers allocated", codecs, c -> c.stats().buffers());
        gauge("iip.native.memory", "bytes", "Bytes of the native image buffers", codecs, c -> c.stats().bytes());
    }

    /**
     * iip_memory_budget_bytes, iip_memory_budget_used_bytes and iip_renders_waiting: the render
     * budget (docs/operations.md "Heap sizing and the memory budget").
     */
    public <T> void memoryBudget(T budget, ToLongFunction<T> bytes, ToLongFunction<T> inUse,
            ToLongFunction<T> waiting) {
        gauge("iip.memory.budget", "bytes", "The memory renders may hold at once", budget,
                b -> bytes.applyAsLong(b));
        gauge("iip.memory.budget.used", "bytes", "Memory reserved by the renders running now", budget,
                b -> inUse.applyAsLong(b));
        gauge("iip.renders.waiting", null, "Renders waiting for the memory budget now", budget,
                b -> waiting.applyAsLong(b));
    }

    /** iip_renders_abandoned_total: renders stopped because their client had gone. */
    public <T> void abandonedRenders(T renderer, ToLongFunction<T> abandoned) {
        sources.add(renderer);
        FunctionCounter.builder("iip.renders.abandoned", renderer, r -> abandoned.applyAsLong(r))
                .description("Renders stopped because their client had closed the connection").register(registry);
    }

    /**
     * One tier of the tile store, read from the counts it keeps itself (nothing counted twice):
     * iip_tile_store_hits_total{tier}, iip_tile_store_misses_total{tier},
     * iip_tile_store_reachable{tier}, and iip_tile_store_entries{tier} and
     * iip_tile_store_bytes{tier} where the tier can tell (not memcached).
     *
     * @param read the tier's figures now, read at each scrape
     */
    public <T> void tileStoreTier(String tier, Supplier<T> read, ToLongFunction<T> hits, ToLongFunction<T> misses,
            ToLongFunction<T> entries, ToLongFunction<T> bytes, Predicate<T> reachable) {
        sources.add(read);
        FunctionCounter.builder("iip.tile.store.hits", read, r -> hits.applyAsLong(r.get()))
                .description("Tile store look-ups answered").tag("tier", tier).register(registry);
        FunctionCounter.builder("iip.tile.store.misses", read, r -> misses.applyAsLong(r.get()))
                .description("Tile store look-ups not answered").tag("tier", tier).register(registry);
        gauge("iip.tile.store.reachable", tier, null, "1 while the tier can be reached", read,
                r -> reachable.test(r.get()) ? 1 : 0);
        T now = read.get();
        if (entries.applyAsLong(now) >= 0) {
            gauge("iip.tile.store.entries", tier, null, "Entries held", read, r -> entries.applyAsLong(r.get()));
        }
        if (bytes.applyAsLong(now) >= 0) {
            gauge("iip.tile.store", tier, "bytes", "Bytes held", read, r -> bytes.applyAsLong(r.get()));
        }
    }

    private <T> void gauge(String name, String baseUnit, String description, T source, ToDoubleFunction<T> value) {
        gauge(name, null, baseUnit, description, source, value);
    }

    private <T> void gauge(String name, String tier, String baseUnit, String description, T source,
            ToDoubleFunction<T> value) {
        sources.add(source);
        Gauge.Builder<T> b = Gauge.builder(name, source, value).description(description).baseUnit(baseUnit);
        if (tier != null) {
            b.tag("tier", tier);
        }
        b.register(registry);
    }

    /** Every meter in Prometheus text format ({@link #CONTENT_TYPE}). */
    public byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(32 * 1024);
        try {
            registry.scrape(out, CONTENT_TYPE);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }

    /** Removes the garbage collectors' notification listeners and closes the registry. */
    @Override
    public void close() {
        try {
            gc.close();
        } finally {
            registry.close();
            sources.clear();
        }
    }
}

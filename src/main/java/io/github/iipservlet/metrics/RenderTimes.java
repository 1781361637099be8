package io.github.iipservlet.metrics;

/**
 * Where the renderer reports how long each render took, by kind (docs/operations.md "Metrics"). Free
 * of any metrics library, so the renderer does not load one while METRICS is off ({@link #NONE}).
 */
public interface RenderTimes {
    /** What a render made: a tile decoded and encoded, a region, or a stored JPEG tile sent as it is. */
    enum Kind {
        TILE, REGION, PASSTHROUGH;

        /** The value of the {@code kind} tag. */
        public String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** One render of that kind took {@code nanos}. */
    void record(Kind kind, long nanos);

    /** Nothing is recorded (METRICS off). */
    RenderTimes NONE = (kind, nanos) -> {
    };
}

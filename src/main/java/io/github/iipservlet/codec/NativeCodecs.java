package io.github.iipservlet.codec;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.zip.Inflater;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;

/**
 * Everything native the codecs of one webapp hold, in one object the context creates at start
 * and closes at undeploy: libjpeg-turbo handles, libdeflate decompressors, zlib inflaters, native
 * image buffers (also the input and output of libzstd and libwebp, which keep no state of their
 * own), the JDK's JPEG readers, and the tile-sized scratch arrays of the TIFF reader. Each kind
 * is pooled so requests reuse them, within bounds (at most {@link #MAX_IDLE} idle of a kind and
 * {@link #MAX_IDLE_BYTES} of idle memory per kind; buffers over 8 MB are never kept); what stays
 * idle for {@link #IDLE_SECONDS} is destroyed by a timer, so memory goes back after a burst; and
 * {@link #close} destroys all of it (handles given back after that are destroyed on return), so a
 * redeployed webapp leaves nothing native behind.
 */
public final class NativeCodecs implements AutoCloseable {
    /**
     * Idle resources kept per kind: enough for the request threads of a busy server to find one.
     * Requests hold a handle through their decode, and with more requests than cores many are
     * preempted holding one: at 4, a 16-connection region load destroyed and re-made handles all
     * the time (measured 7% slower than unbounded pools); the byte bound still holds.
     */
    static final int MAX_IDLE = Math.max(64, 8 * Runtime.getRuntime().availableProcessors());
    /** Idle memory kept per kind. */
    static final long MAX_IDLE_BYTES = 32L << 20;
    /** Resources idle this long are destroyed. */
    static final int IDLE_SECONDS = 60;
    private static final String JDK_JPEG_READER = "com.sun.imageio.plugins.jpeg.JPEGImageReader";

    /** What /health shows: handles alive, native buffers allocated and their bytes. */
    public record Stats(int handles, int buffers, long bytes) {
    }

    private final NativeBuffer.Tally nativeMemory = new NativeBuffer.Tally();
    private final ResourcePool<TurboJpeg.Context> jpegDecoders;
    private final ResourcePool<TurboJpeg.Context> jpegEncoders;
    private final ResourcePool<Inflate.Decompressor> deflateDecompressors;
    private final ResourcePool<Inflater> inflaters;
    private final ResourcePool<NativeBuffer> imageBuffers;
    private final ResourcePool<byte[]> scratch;
    private final ResourcePool<ImageReader> jdkJpegReaders;
    private final List<ResourcePool<?>> pools;
    private final TurboJpeg turboJpeg;
    private final Inflate inflate;
    private final Zstd zstd;
    private final WebpDecoder webp;
    private final ScheduledExecutorService trimmer;
    /** The trim threads made, joined on close. */
    private final List<Thread> trimThreads = new CopyOnWriteArrayList<>();

    public NativeCodecs() {
        jpegDecoders = new ResourcePool<>("TurboJPEG decoder", contexts(true), MAX_IDLE, MAX_IDLE_BYTES);
        jpegEncoders = new ResourcePool<>("TurboJPEG encoder", contexts(false), MAX_IDLE, MAX_IDLE_BYTES);
        deflateDecompressors = new ResourcePool<>("libdeflate decompressor", new ResourcePool.Kind<>() {
            @Override
            public Inflate.Decompressor create() {
                return new Inflate.Decompressor(nativeMemory);
            }

            @Override
            public void idle(Inflate.Decompressor d) {
                d.trim();
            }

            @Override
            public long bytes(Inflate.Decompressor d) {
                return d.bytes();
            }

            @Override
            public void destroy(Inflate.Decompressor d) {
                d.destroy();
            }
        }, MAX_IDLE, MAX_IDLE_BYTES);
        inflaters = new ResourcePool<>("zlib inflater", new ResourcePool.Kind<>() {
            @Override
            public Inflater create() {
                return new Inflater();
            }

            @Override
            public long bytes(Inflater i) {
                return 0;
            }

            @Override
            public void destroy(Inflater i) {
                i.end();
            }
        }, MAX_IDLE, MAX_IDLE_BYTES);
        imageBuffers = new ResourcePool<>("native image buffer", new ResourcePool.Kind<>() {
            @Override
            public NativeBuffer create() {
                return new NativeBuffer(jnr.ffi.Runtime.getSystemRuntime(), nativeMemory);
            }

            @Override
            public void idle(NativeBuffer b) {
                b.trim(NativeBuffer.POOLED_BYTES);
            }

            @Override
            public long bytes(NativeBuffer b) {
                return b.capacity();
            }

            @Override
            public void destroy(NativeBuffer b) {
                b.free();
            }
        }, MAX_IDLE, MAX_IDLE_BYTES);
        scratch = new ResourcePool<>("scratch array", new ResourcePool.Kind<>() {
            @Override
            public byte[] create() {
                throw new UnsupportedOperationException("scratch arrays are made by takeScratch");
            }

            @Override
            public long bytes(byte[] array) {
                return array.length;
            }

            @Override
            public void destroy(byte[] array) {
                // The garbage collector frees heap arrays.
            }
        }, MAX_IDLE, MAX_IDLE_BYTES);
        jdkJpegReaders = new ResourcePool<>("JDK JPEG reader", new ResourcePool.Kind<>() {
            @Override
            public ImageReader create() {
                Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName("jpeg");
                while (it.hasNext()) {
                    ImageReader r = it.next();
                    if (r.getClass().getName().equals(JDK_JPEG_READER)) {
                        return r;
                    }
                    r.dispose();
                }
                throw new IllegalStateException("the JDK's JPEG reader is not registered");
            }

            @Override
            public long bytes(ImageReader r) {
                return 0;
            }

            @Override
            public void destroy(ImageReader r) {
                r.dispose();
            }
        }, MAX_IDLE, MAX_IDLE_BYTES);
        pools = List.of(jpegDecoders, jpegEncoders, deflateDecompressors, inflaters, imageBuffers, scratch,
                jdkJpegReaders);
        turboJpeg = new TurboJpeg(jpegDecoders, jpegEncoders);
        inflate = new Inflate(deflateDecompressors, inflaters);
        zstd = new Zstd(imageBuffers);
        webp = new WebpDecoder(imageBuffers);
        trimmer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "iip-native-trim");
            t.setDaemon(true);
            trimThreads.add(t);
            return t;
        });
        trimmer.scheduleWithFixedDelay(() -> trim(TimeUnit.SECONDS.toNanos(IDLE_SECONDS)), IDLE_SECONDS / 4,
                IDLE_SECONDS / 4, TimeUnit.SECONDS);
    }

    private ResourcePool.Kind<TurboJpeg.Context> contexts(boolean decoder) {
        return new ResourcePool.Kind<>() {
            @Override
            public TurboJpeg.Context create() {
                return new TurboJpeg.Context(decoder ? TurboJpeg.LIB.tjInitDecompress()
                        : TurboJpeg.LIB.tjInitCompress(), nativeMemory);
            }

            @Override
            public void idle(TurboJpeg.Context c) {
                c.trim();
            }

            @Override
            public long bytes(TurboJpeg.Context c) {
                return c.bytes();
            }

            @Override
            public void destroy(TurboJpeg.Context c) {
                c.destroy();
            }
        };
    }

    /**
     * The native code that output bytes depend on, for the output fingerprint (docs/architecture.md
     * 2.6): libturbojpeg (every JPEG encode, and the decoding of JPEG tiles), libdeflate (large PNG
     * outputs), the zlib behind java.util.zip (PNG tiles, Deflate TIFF), libavif with its AV1
     * encoders and libzstd (Zstandard TIFF) by the versions they tell, the others by their file and
     * content as {@link NativeLibraries#mappedFile} gives it; "none" for a library not in use,
     * "loaded" where the file cannot be told, and the JDK's version for a zlib built into the JDK.
     */
    public static Map<String, String> outputLibraries() {
        Map<String, String> libraries = new LinkedHashMap<>();
        libraries.put("libturbojpeg", TurboJpeg.available() ? mapped("turbojpeg", "loaded") : "none");
        libraries.put("libdeflate", Deflate.available() ? mapped("deflate", "loaded") : "none");
        libraries.put("zlib", mapped("z", "JDK " + Runtime.version()));
        libraries.put("libavif", LibAvif.available() ? LibAvif.versions() : "none");
        libraries.put("libzstd", ZstdCompress.version());
        return libraries;
    }

    private static String mapped(String name, String otherwise) {
        String file = NativeLibraries.mappedFile(name);
        return file != null ? file : otherwise;
    }

    /** libjpeg-turbo's codec, or null when libturbojpeg is not installed. */
    public TurboJpeg turboJpeg() {
        return TurboJpeg.available() ? turboJpeg : null;
    }

    public Inflate inflate() {
        return inflate;
    }

    /** libzstd's decoder, or null when libzstd is not installed. */
    public Zstd zstd() {
        return Zstd.available() ? zstd : null;
    }

    /** libwebp's decoder, or null when the system libwebp is not installed. */
    public WebpDecoder webp() {
        return WebpDecoder.available() ? webp : null;
    }

    /** A native image of undefined content; close it to give its memory back. */
    public NativeImage image(int width, int height, int channels) {
        return new NativeImage(width, height, channels, imageBuffers);
    }

    /**
     * A heap array of at least {@code bytes} for work between two calls of one request (a decoded
     * tile); give it back with {@link #giveScratch}. Pooled because region requests decoded
     * hundreds of tiles into fresh tile-sized arrays, half of their garbage.
     */
    public byte[] takeScratch(int bytes) {
        return scratch.take(a -> a.length >= bytes, () -> new byte[bytes]);
    }

    /** Gives back an array from {@link #takeScratch}; it must not be used afterwards. */
    public void giveScratch(byte[] array) {
        scratch.give(array);
    }

    /**
     * The JDK's own JPEG reader (libjpeg in the JDK, with native state of its own), for tiles
     * libjpeg-turbo does not take or machines without it; give it back with {@link #giveJdkJpegReader}.
     */
    public ImageReader takeJdkJpegReader() {
        return jdkJpegReaders.take();
    }

    /** Gives back a reader from {@link #takeJdkJpegReader}; one that failed to read is disposed. */
    public void giveJdkJpegReader(ImageReader reader, boolean healthy) {
        if (healthy) {
            jdkJpegReaders.give(reader);
        } else {
            jdkJpegReaders.discard(reader);
        }
    }

    /** Destroys what has been idle longer than {@code maxIdleNanos}. */
    void trim(long maxIdleNanos) {
        for (ResourcePool<?> p : pools) {
            p.trim(maxIdleNanos);
        }
    }

    public Stats stats() {
        int handles = jpegDecoders.live() + jpegEncoders.live() + deflateDecompressors.live();
        return new Stats(handles, (int) nativeMemory.buffers.get(), nativeMemory.bytes.get());
    }

    @Override
    public void close() {
        trimmer.shutdownNow();
        try {
            // A trim under way finishes first: its thread must be gone when the webapp stops
            // (Tomcat reports a thread still alive then as a leak).
            trimmer.awaitTermination(10, TimeUnit.SECONDS);
            // Terminated is said before the worker thread has ended: wait for the thread itself.
            for (Thread t : trimThreads) {
                t.join(10_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (ResourcePool<?> p : pools) {
            p.close();
        }
    }
}

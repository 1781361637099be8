package io.github.iipservlet.image.jp2;

import de.digitalcollections.openjpeg.OpenJpeg;
import de.digitalcollections.openjpeg.lib.enums.CODEC_FORMAT;
import de.digitalcollections.openjpeg.lib.libopenjp2;
import de.digitalcollections.openjpeg.lib.structs.opj_dparameters;
import de.digitalcollections.openjpeg.lib.structs.opj_image;
import de.digitalcollections.openjpeg.lib.structs.opj_image_comp;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.PixelBlock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import jnr.ffi.Pointer;
import jnr.ffi.byref.PointerByReference;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * JPEG2000 through the system OpenJPEG (libopenjp2), the library iipsrv uses, bound by
 * imageio-openjpeg's JNR interface. Its own {@code OpenJpeg.decode} is not used: it cannot choose
 * quality layers (iipsrv's LYR) and goes through a BufferedImage; the call sequence here is the
 * same (file stream, header, decode area, decode) and writes the planes straight into our samples.
 * imageio-openjpeg's {@code opj_image_comp} names the precision field {@code bpp} (the two are
 * swapped against openjpeg.h 2.x), so precision and signedness come from {@link Jp2Header}.
 *
 * <p>Speed: OpenJPEG can decode several areas with one codec of an untiled (single-tile)
 * codestream, reading the compressed tile once (OpenJPEG 2.3+). Codecs of such files are kept
 * after a request and reused by the next one at the same resolution and layer count: measured on
 * the 8192x6144 untiled JP2 of the benchmark, 25.5 ms for a 256x256 full-resolution area against
 * 36.5 ms with a fresh codec (which is what iipsrv does). The price is native memory: such a codec
 * holds the compressed tile and OpenJPEG's code-block structures, measured at 35-40 MB for that
 * 7.5 MB file after one decode. So a codec decodes for one thread at a time, at most
 * {@code concurrency} decodes run at once (more than the cores would only share them), and as many
 * codecs are kept idle, within an estimated {@link #IDLE_BYTES}. Requests waiting for a decode
 * are decoded together with their neighbours ({@link AreaBatches}).
 *
 * <p>Decodes run on this decoder's own {@code concurrency} threads, not on the request threads:
 * glibc's malloc gives each thread that allocates an arena of its own (up to eight a core), and
 * every arena kept the high-water mark of the OpenJPEG decodes that ran on it. Measured with the
 * benchmark's random JPEG2000 tiles and regions (bench/README.md): peak RSS 621 and 1031 MiB with
 * joint decodes on the request threads, 442 and 442 MiB on these threads (415 and 605 MiB before
 * decodes were joined).
 */
public final class OpenJpegDecoder implements Jp2Decoder {
    private static final Logger LOG = LogManager.getLogger(OpenJpegDecoder.class);
    /** Set to pretend libopenjp2 is missing (tests of the fallback). */
    public static final String DISABLE_PROPERTY = "iipservlet.nolibopenjp2";
    /** Estimated native memory idle codecs may hold between requests. */
    private static final long IDLE_BYTES = 192L << 20;

    private static final class Library {
        static final OpenJpeg OPENJPEG = load();

        private static OpenJpeg load() {
            if (Boolean.getBoolean(DISABLE_PROPERTY)) {
                return null;
            }
            try {
                return new OpenJpeg();
            } catch (Throwable e) { // UnsatisfiedLinkError, or a JNR error without a native stub
                LOG.debug("libopenjp2 does not load: {}", e.toString());
                return null;
            }
        }
    }

    private final libopenjp2 lib;
    private final jnr.ffi.Runtime runtime;
    private final AreaBatches batches;
    /** The threads every OpenJPEG call runs on; at most {@code concurrency} are ever busy. */
    private final java.util.concurrent.ExecutorService threads;
    private final java.util.List<Thread> threadsMade = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final int maxIdle;
    /** Idle codecs, most recently used first. */
    private final java.util.ArrayDeque<Codec> idle = new java.util.ArrayDeque<>();
    private long idleBytes;

    /** True when libopenjp2 loads on this machine. */
    public static boolean available() {
        return Library.OPENJPEG != null;
    }

    /**
     * @param concurrency decodes that may run at once
     * @throws IllegalStateException when libopenjp2 is not available
     */
    public OpenJpegDecoder(int concurrency) {
        OpenJpeg openJpeg = Library.OPENJPEG;
        if (openJpeg == null) {
            throw new IllegalStateException("libopenjp2 is not available");
        }
        this.lib = openJpeg.lib;
        this.runtime = openJpeg.runtime;
        this.batches = new AreaBatches(concurrency);
        this.maxIdle = Math.max(1, concurrency);
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        this.threads = java.util.concurrent.Executors.newFixedThreadPool(Math.max(1, concurrency), r -> {
            Thread t = new Thread(r, "iip-openjpeg-" + n.incrementAndGet());
            t.setDaemon(true);
            threadsMade.add(t);
            return t;
        });
    }

    /**
     * Runs a decode on the decoder's threads, waiting for it: a decode that has started is waited
     * for even when the request's thread is interrupted, since its codec is in use until it ends.
     */
    private PixelBlock onDecoderThread(java.util.concurrent.Callable<PixelBlock> work) throws ImageException {
        java.util.concurrent.Future<PixelBlock> done;
        try {
            done = threads.submit(work);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw new ImageException(ImageException.Kind.UNAVAILABLE, "The JPEG2000 decoder is closed");
        }
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return done.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (java.util.concurrent.ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof ImageException ie) {
                        throw ie;
                    }
                    if (cause instanceof RuntimeException re) {
                        throw re;
                    }
                    if (cause instanceof Error err) {
                        throw err;
                    }
                    throw new IllegalStateException(cause);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String name() {
        return "OpenJPEG " + lib.opj_version() + " (libopenjp2)";
    }

    @Override
    public Source open(Path file, Jp2Header header) throws ImageException {
        long bytes;
        try {
            bytes = Files.size(file);
        } catch (java.io.IOException e) {
            throw new ImageException(ImageException.Kind.NOT_FOUND, "Unable to open image");
        }
        return new FileSource(file, header, bytes);
    }

    @Override
    public void close() {
        threads.shutdown();
        try {
            threads.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
            for (Thread t : threadsMade) {
                t.join(10_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (idle) {
            for (Codec c : idle) {
                c.destroy();
            }
            idle.clear();
            idleBytes = 0;
        }
    }

    /** A codec with its stream and image, positioned after the main header, for one file, level and layer count. */
    private final class Codec {
        final FileSource source;
        final int reduce;
        final int layers;
        Pointer stream;
        Pointer codec;
        Pointer image;

        Codec(FileSource source, int reduce, int layers) {
            this.source = source;
            this.reduce = reduce;
            this.layers = layers;
        }

        void start() throws ImageException {
            stream = lib.opj_stream_create_default_file_stream(source.path, true);
            if (stream == null) {
                throw new ImageException(ImageException.Kind.NOT_FOUND, "Unable to open image");
            }
            codec = lib.opj_create_decompress(source.header.boxed ? CODEC_FORMAT.OPJ_CODEC_JP2
                    : CODEC_FORMAT.OPJ_CODEC_J2K);
            // No message handlers: OpenJPEG's defaults drop its messages (nothing reaches stderr),
            // and a Java callback would be a jnr-ffi closure, which lives in a JNI global reference
            // for ever and keeps the webapp's class loader after an undeploy (seen in a heap dump
            // of Tomcat). A failed decode is reported by the calls' results.
            opj_dparameters params = new opj_dparameters(runtime);
            lib.opj_set_default_decoder_parameters(params);
            params.cp_reduce.set(reduce);
            params.cp_layer.set(layers);
            PointerByReference img = new PointerByReference();
            if (!lib.opj_setup_decoder(codec, params) || !lib.opj_read_header(stream, codec, img)) {
                throw decodeFailure();
            }
            image = img.getValue();
        }

        void destroy() {
            if (image != null) {
                lib.opj_image_destroy(image);
            }
            if (codec != null) {
                lib.opj_destroy_codec(codec);
            }
            if (stream != null) {
                lib.opj_stream_destroy(stream);
            }
            image = codec = stream = null;
        }
    }

    private static ImageException decodeFailure() {
        return new ImageException(ImageException.Kind.CORRUPT, "OpenJPEG could not decode the JPEG2000 image");
    }

    private Codec takeIdle(FileSource source, int reduce, int layers) {
        synchronized (idle) {
            for (Iterator<Codec> it = idle.iterator(); it.hasNext();) {
                Codec c = it.next();
                if (c.source == source && c.reduce == reduce && c.layers == layers) {
                    it.remove();
                    idleBytes -= source.weight;
                    return c;
                }
            }
        }
        return null;
    }

    private void giveBack(Codec c) {
        synchronized (idle) {
            if (!c.source.closed) {
                idle.addFirst(c);
                idleBytes += c.source.weight;
                c = null;
                while (idle.size() > maxIdle || idleBytes > IDLE_BYTES && idle.size() > 1) {
                    Codec old = idle.removeLast();
                    idleBytes -= old.source.weight;
                    old.destroy();
                }
            }
        }
        if (c != null) {
            c.destroy();
        }
    }

    private final class FileSource implements Source {
        final String path;
        final Jp2Header header;
        /**
         * Estimated native memory of a codec that has decoded: the compressed file plus code-block
         * structures, about a quarter byte per sample (measured: 35-40 MB for 8192x6144x3 in 7.5 MB).
         */
        final long weight;
        final Jp2Samples samples;
        /** Single-tile codestreams can be decoded again by the same codec. */
        final boolean reusable;
        volatile boolean closed;

        FileSource(Path file, Jp2Header header, long bytes) {
            this.path = file.toString();
            this.header = header;
            this.weight = bytes + header.width() * header.height() * header.components / 4;
            this.samples = new Jp2Samples(header.precision, header.signed);
            this.reusable = header.tileCount() == 1;
        }

        @Override
        public PixelBlock decode(int reduce, int layers, int x, int y, int width, int height)
                throws ImageException {
            int n = header.layersToDecode(layers);
            return batches.decode(new AreaBatches.Key(this, reduce, n), x, y, width, height,
                    (bx, by, bw, bh) -> onDecoderThread(() -> decodeWithCodec(reduce, n, bx, by, bw, bh)));
        }

        /** One decode call, with an idle codec of this file, level and layer count when there is one. */
        private PixelBlock decodeWithCodec(int reduce, int n, int x, int y, int width, int height)
                throws ImageException {
            Codec c = reusable ? takeIdle(this, reduce, n) : null;
            if (c == null) {
                c = new Codec(this, reduce, n);
            }
            boolean keep = false;
            try {
                if (c.codec == null) {
                    c.start();
                }
                PixelBlock block = decode(c, reduce, x, y, width, height);
                keep = reusable;
                return block;
            } finally {
                if (keep) {
                    giveBack(c);
                } else {
                    c.destroy();
                }
            }
        }

        private PixelBlock decode(Codec c, int reduce, int x, int y, int width, int height) throws ImageException {
            // OpenJPEG takes the area on the reference grid.
            Jp2Header.GridArea a = header.gridArea(reduce, x, y, width, height);
            if (!lib.opj_set_decode_area(c.codec, c.image, (int) a.x0(), (int) a.y0(), (int) a.x1(), (int) a.y1())
                    || !lib.opj_decode(c.codec, c.stream, c.image)) {
                throw decodeFailure();
            }
            opj_image img = new opj_image(runtime);
            img.useMemory(c.image);
            int channels = Math.min(header.components, img.numcomps.intValue());
            opj_image_comp[] comps = img.comps.get(channels);
            PixelBlock block = samples.allocate(width, height, channels);
            int[] plane = new int[width * height];
            for (int ch = 0; ch < channels; ch++) {
                int w = comps[ch].w.intValue();
                int h = comps[ch].h.intValue();
                Pointer data = comps[ch].data.get();
                if (data == null || w < width || h < height) {
                    throw decodeFailure();
                }
                if (w == width) {
                    data.get(0, plane, 0, width * height);
                } else {
                    for (int row = 0; row < height; row++) {
                        data.get(4L * row * w, plane, row * width, width);
                    }
                }
                samples.putPlane(plane, width * height, block, ch);
            }
            return block;
        }

        @Override
        public void close() {
            closed = true;
            synchronized (idle) {
                for (Iterator<Codec> it = idle.iterator(); it.hasNext();) {
                    Codec c = it.next();
                    if (c.source == this) {
                        it.remove();
                        idleBytes -= weight;
                        c.destroy();
                    }
                }
            }
        }
    }
}

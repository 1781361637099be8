package io.github.iipservlet.image.jp2;

import com.github.jaiimageio.jpeg2000.J2KImageReadParam;
import com.github.jaiimageio.jpeg2000.impl.J2KImageReader;
import com.github.jaiimageio.jpeg2000.impl.J2KImageReaderSpi;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.PixelBlock;
import java.awt.Rectangle;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import javax.imageio.stream.FileImageInputStream;
import javax.imageio.stream.ImageInputStream;
import jj2000.j2k.util.FacilityManager;
import jj2000.j2k.util.MsgLogger;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The pure-Java fallback: jai-imageio-jpeg2000 (JJ2000), used when libopenjp2 is not installed or
 * when configured. Measured limits (see the stack notes): it decodes a whole codestream tile at
 * the chosen resolution for any area inside it, so untiled files are slow at full resolution and
 * need memory in proportion to the level's size; it cannot choose quality layers (all are
 * decoded). A reader must not be shared by threads (measured: wrong pixels and EOFExceptions), and
 * a stream cannot be read twice, so readers are pooled per file and each read opens its own stream.
 * Decodes run at most {@code concurrency} at once, and each first reserves its estimated memory
 * from half the heap: a decode larger than that is refused as out of memory (503) before it can
 * exhaust the heap for everybody. Measured on the untiled 8192x6144 RGB JP2: 6.4 s and 2.2 GB
 * resident for one full-resolution tile (OpenJPEG: 25 ms), and out of memory at -Xmx512m.
 */
public final class Jj2000Decoder implements Jp2Decoder {
    private static final Logger LOGGER = LogManager.getLogger(Jj2000Decoder.class);

    /**
     * JJ2000 reports through a process-wide facility, to stderr by default; every new
     * J2KImageReader installs itself there. Decodes register a {@link Messages} for their thread;
     * this one takes whatever else comes.
     */
    private static final MsgLogger QUIET = new Messages();

    /** JJ2000's messages of one decode: logged, and an error or warning marks the data as damaged. */
    private static final class Messages implements MsgLogger {
        boolean damaged;

        @Override
        public void printmsg(int severity, String msg) {
            LOGGER.debug("JJ2000: {}", msg);
            damaged |= severity == MsgLogger.ERROR || severity == MsgLogger.WARNING;
        }

        @Override
        public void println(String str, int flind, int ind) {
            LOGGER.debug("JJ2000: {}", str);
        }

        @Override
        public void flush() {
        }
    }

    private final J2KImageReaderSpi spi = new J2KImageReaderSpi();
    /** Bytes of heap a decode is estimated to need per sample of the codestream tiles it touches. */
    private static final int BYTES_PER_SAMPLE = 8;

    private final Semaphore decodes;
    private final int maxIdle;
    /** Half the heap, in KiB, shared by the decodes running. */
    private final int budgetKib;
    private final Semaphore memory;

    public Jj2000Decoder(int concurrency) {
        this(concurrency, Runtime.getRuntime().maxMemory() / 2);
    }

    /** @param memoryBytes heap the decodes running at once may use */
    public Jj2000Decoder(int concurrency, long memoryBytes) {
        this.decodes = new Semaphore(Math.max(1, concurrency));
        this.maxIdle = Math.max(1, concurrency);
        this.budgetKib = (int) Math.min(Integer.MAX_VALUE, Math.max(1024, memoryBytes >> 10));
        this.memory = new Semaphore(budgetKib);
    }

    @Override
    public String name() {
        return "JJ2000 (jai-imageio-jpeg2000, pure Java)";
    }

    @Override
    public Source open(Path file, Jp2Header header) {
        return new FileSource(file, header, header.boxed || endsWithEoc(file));
    }

    private static boolean endsWithEoc(Path file) {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
            java.nio.ByteBuffer end = java.nio.ByteBuffer.allocate(2);
            long size = ch.size();
            return size >= 2 && ch.read(end, size - 2) == 2 && end.getShort(0) == (short) 0xffd9;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
    }

    private final class FileSource implements Source {
        final Path file;
        final Jp2Header header;
        final Jp2Samples samples;
        final ConcurrentLinkedQueue<J2KImageReader> readers = new ConcurrentLinkedQueue<>();

        /**
         * False for a bare codestream without its end marker: JJ2000 meets the end of such a file
         * by printing a stack trace to stderr and throwing ThreadDeath (JJ2KExceptionHandler), so
         * its pixels are refused as damaged without asking JJ2000.
         */
        final boolean complete;

        FileSource(Path file, Jp2Header header, boolean complete) {
            this.complete = complete;
            this.file = file;
            this.header = header;
            this.samples = new Jp2Samples(header.precision, header.signed);
        }

        @Override
        public PixelBlock decode(int reduce, int layers, int x, int y, int width, int height)
                throws ImageException {
            if (!complete) {
                throw new ImageException(ImageException.Kind.CORRUPT, "Truncated JPEG2000 codestream");
            }
            long kib = estimateKib(reduce, x, y, width, height);
            if (kib > budgetKib) {
                throw new OutOfMemoryError("JJ2000 would need about " + (kib >> 10) + " MB for this area of "
                        + file.getFileName() + " (untiled or large codestream tiles): install libopenjp2");
            }
            memory.acquireUninterruptibly((int) kib);
            decodes.acquireUninterruptibly();
            try {
                return decodeOnce(reduce, x, y, width, height);
            } finally {
                decodes.release();
                memory.release((int) kib);
            }
        }

        /** JJ2000 decodes whole codestream tiles: the full-resolution samples of those the area touches. */
        private long estimateKib(int reduce, int x, int y, int width, int height) {
            Jp2Header.GridArea a = header.gridArea(reduce, x, y, width, height);
            long tx0 = header.tileOffsetX + (a.x0() - header.tileOffsetX) / header.tileWidth * header.tileWidth;
            long ty0 = header.tileOffsetY + (a.y0() - header.tileOffsetY) / header.tileHeight * header.tileHeight;
            long tx1 = Math.min(header.gridWidth, header.tileOffsetX
                    + ((a.x1() - header.tileOffsetX + header.tileWidth - 1) / header.tileWidth) * header.tileWidth);
            long ty1 = Math.min(header.gridHeight, header.tileOffsetY
                    + ((a.y1() - header.tileOffsetY + header.tileHeight - 1) / header.tileHeight) * header.tileHeight);
            long samples = Math.max(1, tx1 - Math.max(tx0, header.offsetX))
                    * Math.max(1, ty1 - Math.max(ty0, header.offsetY)) * header.components;
            return Math.max(1, samples * BYTES_PER_SAMPLE >> 10);
        }

        /**
         * Decodes an area; when JJ2000 cannot read a small resolution (measured: an
         * IllegalArgumentException in FileBitstreamReaderAgent.setTile for 200x200 codestream
         * tiles at 1/16 and 1/32), reads the next larger one and halves it.
         */
        private PixelBlock decodeOnce(int reduce, int x, int y, int width, int height) throws ImageException {
            try {
                return read(reduce, x, y, width, height);
            } catch (IllegalArgumentException e) {
                if (reduce == 0) {
                    throw damaged(e);
                }
                int lw = header.levelWidth(reduce - 1);
                int lh = header.levelHeight(reduce - 1);
                int sx = 2 * x;
                int sy = 2 * y;
                PixelBlock larger = decodeOnce(reduce - 1, sx, sy, Math.min(lw - sx, 2 * width),
                        Math.min(lh - sy, 2 * height));
                return halve(larger, width, height);
            }
        }

        /** The mean of each 2x2 block (of what exists at the edges): near the wavelet's own low-pass. */
        private static PixelBlock halve(PixelBlock in, int width, int height) {
            int ch = in.channels;
            boolean bytes = in.data instanceof byte[];
            Object out = bytes ? new byte[width * height * ch] : new short[width * height * ch];
            for (int y = 0; y < height; y++) {
                int y0 = Math.min(in.height - 1, 2 * y);
                int y1 = Math.min(in.height - 1, 2 * y + 1);
                for (int x = 0; x < width; x++) {
                    int x0 = Math.min(in.width - 1, 2 * x);
                    int x1 = Math.min(in.width - 1, 2 * x + 1);
                    for (int c = 0; c < ch; c++) {
                        double sum = in.sample((y0 * in.width + x0) * ch + c) + in.sample((y0 * in.width + x1) * ch + c)
                                + in.sample((y1 * in.width + x0) * ch + c) + in.sample((y1 * in.width + x1) * ch + c);
                        int v = (int) Math.round(sum / 4);
                        if (bytes) {
                            ((byte[]) out)[(y * width + x) * ch + c] = (byte) v;
                        } else {
                            ((short[]) out)[(y * width + x) * ch + c] = (short) v;
                        }
                    }
                }
            }
            return new PixelBlock(width, height, ch, in.bitsPerSample, in.sampleType, out);
        }

        private ImageException damaged(Throwable e) {
            LOGGER.debug("JJ2000 cannot decode {}: {}", file, e.toString());
            return new ImageException(ImageException.Kind.CORRUPT, "JJ2000 could not decode the JPEG2000 image");
        }

        private PixelBlock read(int reduce, int x, int y, int width, int height) throws ImageException {
            J2KImageReader reader = readers.poll();
            if (reader == null) {
                reader = new J2KImageReader(spi);
                FacilityManager.registerMsgLogger(null, QUIET);
            }
            boolean keep = false;
            Messages messages = new Messages();
            FacilityManager.registerMsgLogger(Thread.currentThread(), messages);
            try (ImageInputStream in = new FileImageInputStream(file.toFile())) {
                // The reader keeps this stream until the next read gives it another: its
                // setInput(null) throws.
                reader.setInput(in, true, true);
                J2KImageReadParam param = (J2KImageReadParam) reader.getDefaultReadParam();
                // Resolution 0 is the smallest; the area is in that resolution's pixels.
                param.setResolution(header.resolutions - 1 - reduce);
                param.setSourceRegion(new Rectangle(x, y, width, height));
                Raster raster = reader.readRaster(0, param);
                if (messages.damaged) {
                    throw damaged(new IOException("JJ2000 reported damaged data"));
                }
                keep = true;
                return toBlock(raster, width, height);
            } catch (IllegalArgumentException e) {
                throw e;
            } catch (IOException | RuntimeException | ThreadDeath e) {
                // ThreadDeath: JJ2000's own handler for a read past the end (JJ2KExceptionHandler).
                throw damaged(e);
            } finally {
                FacilityManager.unregisterMsgLogger(Thread.currentThread());
                if (keep && readers.size() < maxIdle) {
                    readers.offer(reader);
                } else {
                    reader.dispose();
                }
            }
        }

        private PixelBlock toBlock(Raster raster, int width, int height) throws ImageException {
            int channels = Math.min(header.components, raster.getNumBands());
            if (raster.getWidth() < width || raster.getHeight() < height) {
                throw new ImageException(ImageException.Kind.CORRUPT, "JJ2000 decoded less than the area asked");
            }
            PixelBlock block = samples.allocate(width, height, channels);
            int[] plane = new int[width * height];
            for (int c = 0; c < channels; c++) {
                raster.getSamples(raster.getMinX(), raster.getMinY(), width, height, c, plane);
                samples.putPlane(plane, plane.length, block, c);
            }
            return block;
        }

        @Override
        public void close() {
            J2KImageReader r;
            while ((r = readers.poll()) != null) {
                r.dispose();
            }
        }
    }
}

package io.github.iipservlet.testsupport;

import io.github.iipservlet.image.SampleType;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.Deflater;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOInvalidTreeException;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Pure-Java writer of tiled pyramidal TIFF test files (classic or BigTIFF, either byte order,
 * multi-IFD or SubIFD pyramids; none, deflate, LZW or JPEG with libtiff-style abbreviated tile
 * streams plus a JPEGTables tag). Test-only: simple, not fast.
 *
 * <pre>
 * TiffWriter.Written w = TiffWriter.builder().size(1000, 700).tile(256, 256).channels(3)
 *     .compression(TiffWriter.Compression.DEFLATE).levels(3).pixels(TestImages::rgb).write(path);
 * </pre>
 */
public final class TiffWriter {

    public enum Photometric {
        MINISWHITE(0), MINISBLACK(1), RGB(2), PALETTE(3), YCBCR_JPEG(6), CIELAB(8);

        final int code;

        Photometric(int code) {
            this.code = code;
        }
    }

    public enum Compression {
        NONE(1), LZW(5), JPEG(7), DEFLATE(8),
        /** Through the system libzstd ({@link NativeEncoders}). */
        ZSTD(50000),
        /** Through the system libwebp ({@link NativeEncoders}): lossy at {@link Builder#webpQuality}, or lossless. */
        WEBP(50001);

        final int code;

        Compression(int code) {
            this.code = code;
        }
    }

    /** Full-resolution sample function; returns a value in the sample's range. */
    @FunctionalInterface
    public interface PixelFunction {
        double sample(int x, int y, int c);
    }

    private TiffWriter() {
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A stack (an iipsrv multi-page TIFF, docs/protocols.md 9.4): one page per builder, each a top-level IFD
     * with NewSubfileType 2 (page). Pages built with {@code subIfds(true)} keep their reduced
     * levels in SubIFDs; others must have one level (a plain multi-page TIFF). Byte order and
     * BigTIFF come from the first page.
     */
    public static List<Written> writeStack(Path out, Builder... pages) throws IOException {
        Job first = new Job(pages[0]);
        int headerPtr = first.writeHeader();
        List<Written> written = new ArrayList<>();
        List<List<Field>> top = new ArrayList<>();
        for (Builder page : pages) {
            if (page.order != pages[0].order || page.bigTiff != pages[0].bigTiff) {
                throw new IllegalArgumentException("pages of one file share byte order and BigTIFF");
            }
            Job job = new Job(page, first.out);
            job.mainSubfileType = 2;
            Written w = job.render();
            if (!page.subIfds && w.levelCount() > 1) {
                throw new IllegalArgumentException("a page without SubIFDs has one level");
            }
            top.addAll(job.writeImage(w));
            written.add(w);
        }
        first.chain(top, headerPtr);
        Files.write(out, first.out.toArray());
        return written;
    }

    /** The file name of one view of an image sequence (docs/protocols.md 9.5): stem, pattern, HHH_VVV, extension. */
    public static String sequenceName(String stem, String pattern, int horizontal, int vertical, String extension) {
        return String.format(java.util.Locale.ROOT, "%s%s%03d_%03d.%s", stem, pattern, horizontal, vertical,
                extension);
    }

    private static final Map<String, Integer> TEXT_TAGS = Map.ofEntries(
            Map.entry("DocumentName", 269), Map.entry("ImageDescription", 270), Map.entry("Make", 271),
            Map.entry("Model", 272), Map.entry("PageName", 285), Map.entry("Software", 305),
            Map.entry("DateTime", 306), Map.entry("Artist", 315), Map.entry("Copyright", 33432),
            Map.entry("XMLPacket", 700));

    public static final class Builder {
        private int width = 1000;
        private int height = 700;
        private int tileWidth = 256;
        private int tileHeight = 256;
        private int channels = 3;
        private int bits = 8;
        private SampleType sampleType = SampleType.UNSIGNED_INT;
        private Photometric photometric;
        private Compression compression = Compression.NONE;
        private int predictor = 1;
        private boolean bigTiff;
        private boolean subIfds;
        private boolean tiled = true;
        private ByteOrder order = ByteOrder.LITTLE_ENDIAN;
        private int levels = 0;
        private final Map<String, String> tags = new LinkedHashMap<>();
        private double xres;
        private double yres;
        private int resUnit;
        private double[] min;
        private double[] max;
        private Double stonits;
        private byte[] icc;
        private int jpegQuality = 90;
        private int webpQuality = 80;
        private int[] colorMap;
        private PixelFunction pixels = TestImages::rgb;

        public Builder size(int w, int h) {
            width = w;
            height = h;
            return this;
        }

        public Builder tile(int w, int h) {
            tileWidth = w;
            tileHeight = h;
            return this;
        }

        public Builder channels(int n) {
            channels = n;
            return this;
        }

        public Builder bits(int n) {
            bits = n;
            return this;
        }

        public Builder sampleType(SampleType t) {
            sampleType = t;
            return this;
        }

        public Builder photometric(Photometric p) {
            photometric = p;
            return this;
        }

        public Builder compression(Compression c) {
            compression = c;
            return this;
        }

        public Builder predictor(int p) {
            predictor = p;
            return this;
        }

        public Builder bigTiff(boolean b) {
            bigTiff = b;
            return this;
        }

        public Builder subIfds(boolean b) {
            subIfds = b;
            return this;
        }

        /** false: one uncompressed strip, no pyramid (for "not tiled" tests). */
        public Builder tiled(boolean b) {
            tiled = b;
            return this;
        }

        public Builder byteOrder(ByteOrder o) {
            order = o;
            return this;
        }

        /** Number of levels; 0 = halve until the level fits in one tile. */
        public Builder levels(int n) {
            levels = n;
            return this;
        }

        /** A text tag by its TIFF name (Artist, Copyright, DateTime, ImageDescription, ...). */
        public Builder tag(String name, String value) {
            if (!TEXT_TAGS.containsKey(name)) {
                throw new IllegalArgumentException("unknown tag " + name);
            }
            tags.put(name, value);
            return this;
        }

        /** X/Y resolution and TIFF ResolutionUnit (1 none, 2 inch, 3 cm). */
        public Builder resolution(double x, double y, int unit) {
            xres = x;
            yres = y;
            resUnit = unit;
            return this;
        }

        public Builder minMax(double[] minValues, double[] maxValues) {
            min = minValues.clone();
            max = maxValues.clone();
            return this;
        }

        public Builder stonits(double v) {
            stonits = v;
            return this;
        }

        public Builder iccProfile(byte[] profile) {
            icc = profile.clone();
            return this;
        }

        /** WebP tiles' quality, 0-100, or negative for lossless. */
        public Builder webpQuality(int q) {
            webpQuality = q;
            return this;
        }

        public Builder jpegQuality(int q) {
            jpegQuality = q;
            return this;
        }

        /**
         * A palette (Photometric 3, one channel of indices): the TIFF ColorMap, 16-bit values, all
         * reds, then all greens, then all blues ({@code 3 << bits} entries).
         */
        public Builder palette(int[] map) {
            colorMap = map.clone();
            photometric = Photometric.PALETTE;
            channels = 1;
            return this;
        }

        public Builder pixels(PixelFunction f) {
            pixels = f;
            return this;
        }

        public Written write(Path out) throws IOException {
            return new Job(this).write(out);
        }
    }

    /** What was written: the exact (quantised) sample values of every level. */
    public static final class Written {
        private final List<int[]> sizes;
        private final List<double[]> data;
        private final int channels;

        Written(List<int[]> sizes, List<double[]> data, int channels) {
            this.sizes = sizes;
            this.data = data;
            this.channels = channels;
        }

        public int levelCount() {
            return sizes.size();
        }

        public int width(int level) {
            return sizes.get(level)[0];
        }

        public int height(int level) {
            return sizes.get(level)[1];
        }

        /** The stored sample (before lossy JPEG compression) at level {@code level}. */
        public double sample(int level, int x, int y, int c) {
            return data.get(level)[(y * width(level) + x) * channels + c];
        }
    }

    // ------------------------------------------------------------------------------------------

    private static final class Field {
        final int tag;
        final int type;
        final long count;
        final byte[] value;

        Field(int tag, int type, long count, byte[] value) {
            this.tag = tag;
            this.type = type;
            this.count = count;
            this.value = value;
        }
    }

    private static final int BYTE = 1;
    private static final int ASCII = 2;
    private static final int SHORT = 3;
    private static final int LONG = 4;
    private static final int RATIONAL = 5;
    private static final int UNDEFINED = 7;
    private static final int DOUBLE = 12;
    private static final int LONG8 = 16;

    private static final class Job {
        final Builder b;
        final Photometric photometric;
        final Buf out;
        final int spp;
        /** NewSubfileType of the full-resolution IFD: 0, or 2 for the pages of a stack. */
        int mainSubfileType;

        Job(Builder b) {
            this(b, new Buf(b.order));
        }

        /** A job writing into a file shared with other jobs (the pages of a stack). */
        Job(Builder b, Buf out) {
            this.b = b;
            this.spp = b.channels;
            this.photometric = b.photometric != null ? b.photometric
                    : b.channels >= 3 ? (b.compression == Compression.JPEG ? Photometric.YCBCR_JPEG : Photometric.RGB)
                    : Photometric.MINISBLACK;
            this.out = out;
        }

        Written write(Path path) throws IOException {
            int headerPtr = writeHeader();
            Written w = render();
            chain(writeImage(w), headerPtr);
            Files.write(path, out.toArray());
            return w;
        }

        /** The levels' samples, quantised as they will be stored. */
        Written render() {
            List<int[]> sizes = new ArrayList<>();
            List<double[]> data = new ArrayList<>();
            int w = b.width;
            int h = b.height;
            double[] level0 = new double[w * h * spp];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    for (int c = 0; c < spp; c++) {
                        level0[(y * w + x) * spp + c] = quantise(b.pixels.sample(x, y, c));
                    }
                }
            }
            sizes.add(new int[] {w, h});
            data.add(level0);
            if (b.tiled) {
                while (b.levels > 0 ? sizes.size() < b.levels : (w > b.tileWidth || h > b.tileHeight)) {
                    double[] prev = data.get(data.size() - 1);
                    int nw = (w + 1) / 2;
                    int nh = (h + 1) / 2;
                    double[] next = new double[nw * nh * spp];
                    for (int y = 0; y < nh; y++) {
                        for (int x = 0; x < nw; x++) {
                            for (int c = 0; c < spp; c++) {
                                double sum = 0;
                                int n = 0;
                                for (int dy = 0; dy < 2; dy++) {
                                    for (int dx = 0; dx < 2; dx++) {
                                        int sx = 2 * x + dx;
                                        int sy = 2 * y + dy;
                                        if (sx < w && sy < h) {
                                            sum += prev[(sy * w + sx) * spp + c];
                                            n++;
                                        }
                                    }
                                }
                                next[(y * nw + x) * spp + c] = quantise(sum / n);
                            }
                        }
                    }
                    w = nw;
                    h = nh;
                    sizes.add(new int[] {w, h});
                    data.add(next);
                }
            }
            return new Written(sizes, data, spp);
        }

        /** The file header; returns where the first IFD's offset goes. */
        int writeHeader() {
            if (b.order == ByteOrder.LITTLE_ENDIAN) {
                out.u8('I');
                out.u8('I');
            } else {
                out.u8('M');
                out.u8('M');
            }
            int headerPtr;
            if (b.bigTiff) {
                out.u16(43);
                out.u16(8);
                out.u16(0);
                headerPtr = out.len;
                out.u64(0);
            } else {
                out.u16(42);
                headerPtr = out.len;
                out.u32(0);
            }
            return headerPtr;
        }

        /**
         * Writes the tiles of every level (and the SubIFDs holding the reduced levels when asked
         * for); returns the fields of the top-level IFDs still to be written.
         */
        List<List<Field>> writeImage(Written written) throws IOException {
            List<int[]> sizes = written.sizes;
            List<double[]> data = written.data;
            List<List<Field>> ifds = new ArrayList<>();
            for (int l = 0; l < sizes.size(); l++) {
                ifds.add(b.tiled ? writeLevel(l, sizes.get(l)[0], sizes.get(l)[1], data.get(l))
                        : writeStrip(sizes.get(0)[0], sizes.get(0)[1], data.get(0)));
            }

            if (b.subIfds && ifds.size() > 1) {
                long[] subOffsets = new long[ifds.size() - 1];
                for (int l = 1; l < ifds.size(); l++) {
                    int[] res = writeIfd(ifds.get(l));
                    subOffsets[l - 1] = res[0];
                }
                List<Field> f0 = ifds.get(0);
                f0.add(b.bigTiff ? longs8(330, subOffsets) : longs(330, subOffsets));
                return List.of(f0);
            }
            return ifds;
        }

        /** Writes top-level IFDs, each pointing to the next, the first from {@code headerPtr}. */
        void chain(List<List<Field>> ifds, int headerPtr) {
            int prevNext = headerPtr;
            for (List<Field> f : ifds) {
                int[] res = writeIfd(f);
                patch(prevNext, res[0]);
                prevNext = res[1];
            }
        }

        private void patch(int at, long value) {
            if (b.bigTiff) {
                out.set64(at, value);
            } else {
                out.set32(at, value);
            }
        }

        private double quantise(double v) {
            if (b.sampleType == SampleType.FLOAT) {
                return (float) v;
            }
            double max = b.bits == 32 ? 4294967295.0 : (1L << b.bits) - 1;
            double r = Math.rint(v);
            return r < 0 ? 0 : r > max ? max : r;
        }

        private List<Field> commonFields(int w, int h, int level) {
            List<Field> f = new ArrayList<>();
            f.add(longs(254, new long[] {level == 0 ? mainSubfileType : 1}));
            f.add(longs(256, new long[] {w}));
            f.add(longs(257, new long[] {h}));
            f.add(shorts(258, repeat(b.bits, spp)));
            f.add(shorts(259, new int[] {b.compression.code}));
            f.add(shorts(262, new int[] {photometric.code}));
            f.add(shorts(277, new int[] {spp}));
            f.add(shorts(284, new int[] {1}));
            if (b.predictor != 1) {
                f.add(shorts(317, new int[] {b.predictor}));
            }
            int fmt = b.sampleType == SampleType.FLOAT ? 3 : b.sampleType == SampleType.SIGNED_INT ? 2 : 1;
            f.add(shorts(339, repeat(fmt, spp)));
            if (level == 0) {
                for (Map.Entry<String, String> e : b.tags.entrySet()) {
                    int tag = TEXT_TAGS.get(e.getKey());
                    if (tag == 700) {
                        byte[] v = e.getValue().getBytes(StandardCharsets.UTF_8);
                        f.add(new Field(tag, BYTE, v.length, v));
                    } else {
                        byte[] s = e.getValue().getBytes(StandardCharsets.UTF_8);
                        byte[] v = new byte[s.length + 1];
                        System.arraycopy(s, 0, v, 0, s.length);
                        f.add(new Field(tag, ASCII, v.length, v));
                    }
                }
                if (b.resUnit != 0) {
                    f.add(rational(282, b.xres));
                    f.add(rational(283, b.yres));
                    f.add(shorts(296, new int[] {b.resUnit}));
                }
                if (b.min != null) {
                    f.add(doubles(340, b.min));
                    f.add(doubles(341, b.max));
                }
                if (b.stonits != null) {
                    f.add(doubles(33423, new double[] {b.stonits}));
                }
                if (b.icc != null) {
                    f.add(new Field(34675, UNDEFINED, b.icc.length, b.icc));
                }
            }
            if (b.colorMap != null) {
                f.add(shorts(320, b.colorMap));
            }
            return f;
        }

        private List<Field> writeStrip(int w, int h, double[] samples) {
            List<Field> f = commonFields(w, h, 0);
            f.removeIf(x -> x.tag == 259 || x.tag == 317);
            f.add(shorts(259, new int[] {1}));
            byte[] raw = new byte[(int) ((long) w * h * spp * b.bits / 8)];
            Buf tmp = new Buf(b.order);
            for (double v : samples) {
                putSample(tmp, v);
            }
            System.arraycopy(tmp.a, 0, raw, 0, Math.min(raw.length, tmp.len));
            out.align();
            long off = out.len;
            out.bytes(raw);
            f.add(longs(273, new long[] {off}));
            f.add(shorts(278, new int[] {h}));
            f.add(longs(279, new long[] {raw.length}));
            return f;
        }

        private List<Field> writeLevel(int level, int w, int h, double[] samples) throws IOException {
            List<Field> f = commonFields(w, h, level);
            int tw = b.tileWidth;
            int th = b.tileHeight;
            int across = (w + tw - 1) / tw;
            int down = (h + th - 1) / th;
            long[] offsets = new long[across * down];
            long[] counts = new long[across * down];
            byte[] tables = null;
            for (int row = 0; row < down; row++) {
                for (int col = 0; col < across; col++) {
                    byte[] stored;
                    if (b.compression == Compression.JPEG) {
                        byte[][] split = splitJpeg(encodeJpeg(samples, w, h, col * tw, row * th));
                        tables = split[0];
                        stored = split[1];
                    } else {
                        byte[] raw = rawTile(samples, w, h, col * tw, row * th);
                        stored = compress(raw);
                    }
                    int t = row * across + col;
                    out.align();
                    offsets[t] = out.len;
                    counts[t] = stored.length;
                    out.bytes(stored);
                }
            }
            f.add(longs(322, new long[] {tw}));
            f.add(longs(323, new long[] {th}));
            f.add(b.bigTiff ? longs8(324, offsets) : longs(324, offsets));
            f.add(b.bigTiff ? longs8(325, counts) : longs(325, counts));
            if (tables != null) {
                f.add(new Field(347, UNDEFINED, tables.length, tables));
            }
            if (b.compression == Compression.JPEG && photometric == Photometric.YCBCR_JPEG) {
                f.add(shorts(530, new int[] {2, 2}));
            }
            return f;
        }

        /** Tile samples, zero-padded, predictor applied, serialised in the file's byte order. */
        private byte[] rawTile(double[] samples, int w, int h, int x0, int y0) {
            int tw = b.tileWidth;
            int th = b.tileHeight;
            int rowLen = tw * spp;
            Buf buf = new Buf(b.order);
            for (int y = 0; y < th; y++) {
                double[] row = new double[rowLen];
                for (int x = 0; x < tw; x++) {
                    for (int c = 0; c < spp; c++) {
                        int sx = x0 + x;
                        int sy = y0 + y;
                        row[x * spp + c] = sx < w && sy < h ? samples[(sy * w + sx) * spp + c] : 0;
                    }
                }
                if (b.bits == 1) {
                    byte[] packed = new byte[(tw + 7) / 8 * spp];
                    for (int i = 0; i < rowLen; i++) {
                        if (row[i] != 0) {
                            packed[i >> 3] |= (byte) (0x80 >>> (i & 7));
                        }
                    }
                    buf.bytes(packed);
                    continue;
                }
                if (b.bits != 8 && b.bits != 16 && b.bits != 32) {
                    // 2 to 15 bits, most significant bit first whatever the byte order (a sample may
                    // straddle bytes), each row padded to a byte
                    byte[] packed = new byte[(int) (((long) rowLen * b.bits + 7) / 8)];
                    for (int i = 0; i < rowLen; i++) {
                        int v = (int) row[i];
                        for (int k = 0; k < b.bits; k++) {
                            if ((v >>> (b.bits - 1 - k) & 1) != 0) {
                                long bit = (long) i * b.bits + k;
                                packed[(int) (bit >> 3)] |= (byte) (0x80 >>> (bit & 7));
                            }
                        }
                    }
                    buf.bytes(packed);
                    continue;
                }
                if (b.predictor == 3) {
                    int n = rowLen * 4;
                    byte[] tmp = new byte[n];
                    for (int i = 0; i < rowLen; i++) {
                        int bitsV = Float.floatToIntBits((float) row[i]);
                        for (int k = 0; k < 4; k++) {
                            tmp[k * rowLen + i] = (byte) (bitsV >>> (24 - 8 * k));
                        }
                    }
                    for (int i = n - 1; i >= spp; i--) {
                        tmp[i] -= tmp[i - spp];
                    }
                    buf.bytes(tmp);
                    continue;
                }
                if (b.predictor == 2) {
                    long[] ints = new long[rowLen];
                    for (int i = 0; i < rowLen; i++) {
                        ints[i] = b.sampleType == SampleType.FLOAT ? Float.floatToIntBits((float) row[i])
                                : (long) row[i];
                    }
                    long mask = b.bits == 32 ? 0xffffffffL : (1L << b.bits) - 1;
                    for (int i = rowLen - 1; i >= spp; i--) {
                        ints[i] = (ints[i] - ints[i - spp]) & mask;
                    }
                    for (long v : ints) {
                        putRaw(buf, v);
                    }
                    continue;
                }
                for (double v : row) {
                    putSample(buf, v);
                }
            }
            return buf.toArray();
        }

        private void putSample(Buf buf, double v) {
            if (b.sampleType == SampleType.FLOAT) {
                putRaw(buf, Float.floatToIntBits((float) v) & 0xffffffffL);
            } else {
                putRaw(buf, (long) v);
            }
        }

        private void putRaw(Buf buf, long v) {
            switch (b.bits) {
                case 8 -> buf.u8((int) v);
                case 16 -> buf.u16((int) v);
                case 32 -> buf.u32(v);
                default -> throw new IllegalArgumentException("bits " + b.bits);
            }
        }

        private byte[] compress(byte[] raw) {
            switch (b.compression) {
                case NONE:
                    return raw;
                case DEFLATE: {
                    Deflater d = new Deflater(6);
                    d.setInput(raw);
                    d.finish();
                    ByteArrayOutputStream bos = new ByteArrayOutputStream();
                    byte[] tmp = new byte[65536];
                    while (!d.finished()) {
                        int n = d.deflate(tmp);
                        bos.write(tmp, 0, n);
                    }
                    d.end();
                    return bos.toByteArray();
                }
                case LZW:
                    return lzw(raw);
                case ZSTD:
                    return NativeEncoders.zstd(raw, 3);
                case WEBP:
                    return NativeEncoders.webp(raw, b.tileWidth, b.tileHeight, spp, b.webpQuality);
                default:
                    throw new IllegalStateException();
            }
        }

        private byte[] encodeJpeg(double[] samples, int w, int h, int x0, int y0) throws IOException {
            int tw = b.tileWidth;
            int th = b.tileHeight;
            boolean grey = spp == 1;
            BufferedImage img = new BufferedImage(tw, th, grey ? BufferedImage.TYPE_BYTE_GRAY
                    : BufferedImage.TYPE_3BYTE_BGR);
            byte[] px = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
            for (int y = 0; y < th; y++) {
                for (int x = 0; x < tw; x++) {
                    int sx = x0 + x;
                    int sy = y0 + y;
                    for (int c = 0; c < spp; c++) {
                        double v = sx < w && sy < h ? samples[(sy * w + sx) * spp + c] : 0;
                        int dst = grey ? y * tw + x : (y * tw + x) * 3 + (2 - c);
                        px[dst] = (byte) (int) v;
                    }
                }
            }
            ImageWriter writer = jdkJpegWriter();
            try {
                ImageWriteParam param = writer.getDefaultWriteParam();
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionQuality(b.jpegQuality / 100f);
                IIOMetadata meta = writer.getDefaultImageMetadata(new ImageTypeSpecifier(img), param);
                if (photometric == Photometric.RGB && !grey) {
                    makeRgbNoTransform(meta);
                }
                ByteArrayOutputStream bos = new ByteArrayOutputStream();
                try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(bos)) {
                    writer.setOutput(ios);
                    writer.write(null, new IIOImage(img, null, meta), param);
                }
                return bos.toByteArray();
            } finally {
                writer.dispose();
            }
        }

        private byte[] lzw(byte[] in) {
            BitOut bits = new BitOut();
            Map<Integer, Integer> table = new HashMap<>();
            int nbits = 9;
            int next = 258;
            bits.put(256, nbits);
            int w = -1;
            for (byte by : in) {
                int k = by & 0xff;
                if (w == -1) {
                    w = k;
                    continue;
                }
                int key = w << 8 | k;
                Integer code = table.get(key);
                if (code != null) {
                    w = code;
                    continue;
                }
                bits.put(w, nbits);
                table.put(key, next++);
                if (next > (1 << nbits) - 1 && nbits < 12) {
                    nbits++;
                }
                w = k;
                if (next == 4094) {
                    bits.put(256, nbits);
                    table.clear();
                    nbits = 9;
                    next = 258;
                }
            }
            if (w != -1) {
                bits.put(w, nbits);
                next++;
                if (next > (1 << nbits) - 1 && nbits < 12) {
                    nbits++;
                }
            }
            bits.put(257, nbits);
            return bits.toArray();
        }

        /** Writes an IFD; returns {its offset, the offset of its next-IFD pointer}. */
        private int[] writeIfd(List<Field> fields) {
            TreeMap<Integer, Field> sorted = new TreeMap<>();
            for (Field f : fields) {
                sorted.put(f.tag, f);
            }
            out.align();
            int start = out.len;
            int n = sorted.size();
            int inline = b.bigTiff ? 8 : 4;
            int size = b.bigTiff ? 8 + 20 * n + 8 : 2 + 12 * n + 4;
            long extra = start + size;
            List<byte[]> extras = new ArrayList<>();
            if (b.bigTiff) {
                out.u64(n);
            } else {
                out.u16(n);
            }
            for (Field f : sorted.values()) {
                out.u16(f.tag);
                out.u16(f.type);
                if (b.bigTiff) {
                    out.u64(f.count);
                } else {
                    out.u32(f.count);
                }
                if (f.value.length <= inline) {
                    byte[] v = new byte[inline];
                    System.arraycopy(f.value, 0, v, 0, f.value.length);
                    out.bytes(v);
                } else {
                    if (b.bigTiff) {
                        out.u64(extra);
                    } else {
                        out.u32(extra);
                    }
                    extras.add(f.value);
                    extra += f.value.length + (f.value.length & 1);
                }
            }
            int nextPtr = out.len;
            if (b.bigTiff) {
                out.u64(0);
            } else {
                out.u32(0);
            }
            for (byte[] e : extras) {
                out.bytes(e);
                out.align();
            }
            return new int[] {start, nextPtr};
        }

        private Field shorts(int tag, int[] v) {
            Buf t = new Buf(b.order);
            for (int x : v) {
                t.u16(x);
            }
            return new Field(tag, SHORT, v.length, t.toArray());
        }

        private Field longs(int tag, long[] v) {
            Buf t = new Buf(b.order);
            for (long x : v) {
                t.u32(x);
            }
            return new Field(tag, LONG, v.length, t.toArray());
        }

        private Field longs8(int tag, long[] v) {
            Buf t = new Buf(b.order);
            for (long x : v) {
                t.u64(x);
            }
            return new Field(tag, LONG8, v.length, t.toArray());
        }

        private Field doubles(int tag, double[] v) {
            Buf t = new Buf(b.order);
            for (double x : v) {
                t.u64(Double.doubleToLongBits(x));
            }
            return new Field(tag, DOUBLE, v.length, t.toArray());
        }

        private Field rational(int tag, double v) {
            Buf t = new Buf(b.order);
            t.u32(Math.round(v * 10000));
            t.u32(10000);
            return new Field(tag, RATIONAL, 1, t.toArray());
        }
    }

    private static int[] repeat(int v, int n) {
        int[] a = new int[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    private static ImageWriter jdkJpegWriter() {
        Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName("jpeg");
        while (it.hasNext()) {
            ImageWriter w = it.next();
            if (w.getClass().getName().equals("com.sun.imageio.plugins.jpeg.JPEGImageWriter")) {
                return w;
            }
        }
        throw new IllegalStateException("no JDK JPEG writer");
    }

    /** Drops JFIF, adds an Adobe APP14 marker with transform 0 and turns off chroma subsampling. */
    private static void makeRgbNoTransform(IIOMetadata meta) throws IIOInvalidTreeException {
        String fmt = "javax_imageio_jpeg_image_1.0";
        IIOMetadataNode root = (IIOMetadataNode) meta.getAsTree(fmt);
        IIOMetadataNode variety = (IIOMetadataNode) root.getElementsByTagName("JPEGvariety").item(0);
        while (variety.getFirstChild() != null) {
            variety.removeChild(variety.getFirstChild());
        }
        IIOMetadataNode markers = (IIOMetadataNode) root.getElementsByTagName("markerSequence").item(0);
        IIOMetadataNode adobe = new IIOMetadataNode("app14Adobe");
        adobe.setAttribute("version", "100");
        adobe.setAttribute("flags0", "0");
        adobe.setAttribute("flags1", "0");
        adobe.setAttribute("transform", "0");
        markers.insertBefore(adobe, markers.getFirstChild());
        NodeList specs = root.getElementsByTagName("componentSpec");
        for (int i = 0; i < specs.getLength(); i++) {
            IIOMetadataNode spec = (IIOMetadataNode) specs.item(i);
            spec.setAttribute("HsamplingFactor", "1");
            spec.setAttribute("VsamplingFactor", "1");
        }
        meta.setFromTree(fmt, root);
    }

    /**
     * Splits a complete JPEG into {JPEGTables (SOI + DQT/DHT + EOI), abbreviated tile stream (SOI +
     * the rest without APPn/COM/DQT/DHT)}, as libtiff stores JPEG tiles.
     */
    static byte[][] splitJpeg(byte[] jpeg) {
        ByteArrayOutputStream tables = new ByteArrayOutputStream();
        ByteArrayOutputStream tile = new ByteArrayOutputStream();
        tables.write(0xFF);
        tables.write(0xD8);
        tile.write(0xFF);
        tile.write(0xD8);
        int p = 2;
        while (p < jpeg.length) {
            int marker = jpeg[p + 1] & 0xff;
            int len = (jpeg[p + 2] & 0xff) << 8 | (jpeg[p + 3] & 0xff);
            if (marker == 0xDB || marker == 0xC4) {
                tables.write(jpeg, p, len + 2);
            } else if (marker >= 0xE0 && marker <= 0xEF || marker == 0xFE) {
                // dropped
            } else if (marker == 0xDA) {
                tile.write(jpeg, p, jpeg.length - p);
                break;
            } else {
                tile.write(jpeg, p, len + 2);
            }
            p += len + 2;
        }
        tables.write(0xFF);
        tables.write(0xD9);
        return new byte[][] {tables.toByteArray(), tile.toByteArray()};
    }

    private static final class BitOut {
        private final ByteArrayOutputStream bos = new ByteArrayOutputStream();
        private long acc;
        private int n;

        void put(int code, int bits) {
            acc = acc << bits | code;
            n += bits;
            while (n >= 8) {
                bos.write((int) (acc >>> (n - 8)));
                n -= 8;
            }
            acc &= (1L << n) - 1;
        }

        byte[] toArray() {
            if (n > 0) {
                bos.write((int) (acc << (8 - n)));
                n = 0;
            }
            return bos.toByteArray();
        }
    }

    private static final class Buf {
        byte[] a = new byte[1024];
        int len;
        final boolean big;

        Buf(ByteOrder order) {
            big = order == ByteOrder.BIG_ENDIAN;
        }

        private void ensure(int n) {
            if (len + n > a.length) {
                a = java.util.Arrays.copyOf(a, Math.max(a.length * 2, len + n));
            }
        }

        void u8(int v) {
            ensure(1);
            a[len++] = (byte) v;
        }

        void u16(int v) {
            put(v & 0xffffL, 2);
        }

        void u32(long v) {
            put(v & 0xffffffffL, 4);
        }

        void u64(long v) {
            put(v, 8);
        }

        private void put(long v, int n) {
            ensure(n);
            set(len, v, n);
            len += n;
        }

        private void set(int at, long v, int n) {
            for (int i = 0; i < n; i++) {
                int shift = big ? 8 * (n - 1 - i) : 8 * i;
                a[at + i] = (byte) (v >>> shift);
            }
        }

        void set32(int at, long v) {
            set(at, v, 4);
        }

        void set64(int at, long v) {
            set(at, v, 8);
        }

        void bytes(byte[] b) {
            ensure(b.length);
            System.arraycopy(b, 0, a, len, b.length);
            len += b.length;
        }

        void align() {
            if ((len & 1) != 0) {
                u8(0);
            }
        }

        byte[] toArray() {
            return java.util.Arrays.copyOf(a, len);
        }
    }
}

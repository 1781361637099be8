package io.github.iipservlet.encode;

import io.github.iipservlet.codec.Deflate;
import io.github.iipservlet.image.PixelBlock;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * PNG (docs/protocols.md 10): grey, grey+alpha, RGB or RGBA, 8- or 16-bit, written here rather than through
 * the JDK's ImageIO writer. Measured on a 256x256 RGB tile: the JDK writer tries all five filters
 * on every row (5.2 ms) and, because it truncates {@code 9 * (1 - quality)}, turns zlib level 1
 * into level 0 (no compression: 184 KB); this writer takes 2.0 ms and 58 KB at level 1.
 *
 * <p>PNG_QUALITY (or QLT) is the zlib level 0-9. Rows are filtered with iipsrv's "fast filters"
 * (None, Sub, Up: the one with the smallest sum of absolute differences, libpng's heuristic); at
 * level 0 nothing is compressed, so nothing is filtered. Chunks, all before IDAT: iCCP (when the
 * profile fits the channels), pHYs, tEXt {@code Software}, iTXt {@code Title}, {@code Author},
 * {@code Description}, {@code Copyright}, tEXt {@code Creation Time}.
 *
 * <p>pHYs is in pixels per metre from pixels per centimetre or inch (x100, /0.0254). iipsrv writes
 * x10 and x25.4, a tenth of the true density; we write the true one. An unknown unit gives pHYs
 * with unit 0 (aspect ratio only).
 */
public final class PngEncoder implements ImageEncoder {
    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    /** Deflater per thread: native zlib state is costly to create for every tile. */
    private static final ThreadLocal<Deflater> DEFLATERS = ThreadLocal.withInitial(Deflater::new);
    /** iCCP data (compressed profile) per profile array; the arrays live in the image metadata cache. */
    private static final Map<byte[], byte[]> ICCP = Collections.synchronizedMap(new WeakHashMap<>());
    /** Largest IDAT chunk written; any size is valid, this keeps chunks a readable size. */
    private static final int IDAT_MAX = 1 << 20;
    /**
     * Filtered rows from this size on go to libdeflate in one buffer when it is installed (four
     * to six times faster than zlib at the same level, see {@link Deflate}); below it, the
     * per-thread Deflater row by row, with no full-size copy (a 256x256 tile is 197 KB).
     */
    static final int WHOLE_BUFFER_BYTES = 1 << 19;

    private final String software;

    public PngEncoder() {
        this(null);
    }

    /** @param software the tEXt {@code Software} value (the server's Version string), or null */
    public PngEncoder(String software) {
        this.software = software == null || software.isEmpty() ? null : software;
    }

    @Override
    public OutputFormat format() {
        return OutputFormat.PNG;
    }

    @Override
    public int maxChannels() {
        return 4;
    }

    @Override
    public boolean keepsSixteenBit() {
        return true;
    }

    @Override
    public byte[] encode(PixelBlock block, int quality, OutputMetadata metadata) {
        boolean sixteen = ImageEncoder.requireUpToFourChannels(block, "PNG");
        int ch = block.channels;
        int w = block.width;
        int h = block.height;
        int level = Math.max(0, Math.min(9, quality));
        Buffer out = new Buffer(Math.max(1024, w * h * ch / 3));
        out.write(SIGNATURE);

        Buffer ihdr = new Buffer(13);
        ihdr.int32(w);
        ihdr.int32(h);
        ihdr.write(sixteen ? 16 : 8);
        ihdr.write(switch (ch) {
            case 1 -> 0; // greyscale
            case 2 -> 4; // greyscale with alpha
            case 3 -> 2; // truecolour
            default -> 6; // truecolour with alpha
        });
        ihdr.write(0); // deflate
        ihdr.write(0); // adaptive filtering
        ihdr.write(0); // no interlace
        chunk(out, "IHDR", ihdr);

        byte[] icc = IccEmbedding.forChannels(metadata, ch);
        if (icc != null) {
            Buffer iccp = new Buffer(icc.length / 2 + 16);
            iccp.write("ICC profile".getBytes(StandardCharsets.ISO_8859_1));
            iccp.write(0);
            iccp.write(0); // compression method: deflate
            iccp.write(ICCP.computeIfAbsent(icc, PngEncoder::deflate));
            chunk(out, "iCCP", iccp);
        }
        physicalSize(out, metadata);
        if (software != null) {
            text(out, "Software", software);
        }
        internationalText(out, "Title", metadata.text("title"));
        internationalText(out, "Author", metadata.text("creator"));
        internationalText(out, "Description", metadata.text("description"));
        internationalText(out, "Copyright", metadata.text("rights"));
        if (metadata.exif() != null) {
            // eXIf (PNG 1.5 extensions): the Exif block as JPEG's APP1 holds it after Exif\0\0.
            chunk(out, "eXIf", metadata.exif(), 0, metadata.exif().length);
        }
        if (metadata.xmp() != null) {
            // The XMP packet as the XMP specification (Part 3, 1.1.5) puts it in PNG.
            internationalText(out, "XML:com.adobe.xmp", new String(metadata.xmp(), StandardCharsets.UTF_8));
        }
        String date = metadata.text("date");
        if (date != null) {
            text(out, "Creation Time", date);
        }

        byte[] idat = compress(block, w, h, ch, sixteen, level);
        int pos = 0;
        do {
            int n = Math.min(IDAT_MAX, idat.length - pos);
            chunk(out, "IDAT", idat, pos, n);
            pos += n;
        } while (pos < idat.length);
        chunk(out, "IEND", new byte[0], 0, 0);
        return out.toByteArray();
    }

    /** Filters and deflates the rows: large images with libdeflate, others one row at a time. */
    private static byte[] compress(PixelBlock block, int w, int h, int ch, boolean sixteen, int level) {
        int bpp = ch * (sixteen ? 2 : 1);
        int stride = w * bpp;
        long whole = (long) (stride + 1) * h;
        if (level > 0 && whole >= WHOLE_BUFFER_BYTES && whole <= Integer.MAX_VALUE - 64 && Deflate.available()) {
            FilteredRows rows = new FilteredRows(block, stride, bpp, sixteen, true);
            byte[] all = new byte[(int) whole];
            for (int y = 0; y < h; y++) {
                System.arraycopy(rows.filtered, rows.next(y), all, y * (stride + 1), stride + 1);
            }
            byte[] idat = Deflate.zlib(all, all.length, level);
            if (idat != null) {
                return idat;
            }
        }
        // At level 0 nothing is compressed, so nothing is filtered.
        FilteredRows rows = new FilteredRows(block, stride, bpp, sixteen, level > 0);
        Deflater deflater = DEFLATERS.get();
        deflater.reset();
        deflater.setLevel(level);
        Buffer out = new Buffer(level == 0 ? (stride + 1) * h + 64 : Math.max(256, (stride + 1) * h / 3));
        try {
            for (int y = 0; y < h; y++) {
                deflater.setInput(rows.filtered, rows.next(y), stride + 1);
                while (!deflater.needsInput()) {
                    out.deflateFrom(deflater);
                }
            }
            deflater.finish();
            while (!deflater.finished()) {
                out.deflateFrom(deflater);
            }
        } finally {
            deflater.reset();
        }
        return out.toByteArray();
    }

    /**
     * The rows of a block as PNG filters them, one at a time: {@link #next} leaves row y, its
     * filter type byte first, in {@link #filtered} (None, Sub and Up slots of stride + 1 bytes)
     * and returns where it starts.
     */
    private static final class FilteredRows {
        final byte[] filtered;
        private final PixelBlock block;
        private final int stride;
        private final int bpp;
        private final boolean sixteen;
        private final boolean filter;
        private byte[] prior;
        private byte[] raw;

        FilteredRows(PixelBlock block, int stride, int bpp, boolean sixteen, boolean filter) {
            this.block = block;
            this.stride = stride;
            this.bpp = bpp;
            this.sixteen = sixteen;
            this.filter = filter;
            prior = new byte[stride];
            raw = new byte[stride];
            filtered = new byte[(stride + 1) * 3];
        }

        /** Rows are asked for in order, from 0. */
        int next(int y) {
            row(block, y, stride, sixteen, raw);
            int type = filter ? filter(raw, prior, stride, bpp, filtered, y > 0) : 0;
            int base = type * (stride + 1);
            filtered[base] = (byte) type;
            if (type == 0) {
                System.arraycopy(raw, 0, filtered, base + 1, stride);
            }
            byte[] t = prior;
            prior = raw;
            raw = t;
            return base;
        }
    }

    /** Row y as PNG sample bytes (16-bit big-endian). */
    private static void row(PixelBlock block, int y, int stride, boolean sixteen, byte[] raw) {
        if (!sixteen) {
            System.arraycopy((byte[]) block.data, y * stride, raw, 0, stride);
            return;
        }
        short[] s = (short[]) block.data;
        int n = stride / 2;
        for (int i = 0, o = y * n; i < n; i++, o++) {
            raw[2 * i] = (byte) (s[o] >> 8);
            raw[2 * i + 1] = (byte) s[o];
        }
    }

    /**
     * Writes Sub and Up filtered copies of the row after the None slot of {@code filtered} and
     * returns the filter type whose bytes have the smallest sum of absolute (signed) values.
     */
    private static int filter(byte[] raw, byte[] prior, int stride, int bpp, byte[] filtered, boolean hasPrior) {
        long none = 0;
        long sub = 0;
        long up = 0;
        int subBase = stride + 2;
        int upBase = 2 * (stride + 1) + 1;
        for (int i = 0; i < stride; i++) {
            int v = raw[i];
            byte s = (byte) (i >= bpp ? v - raw[i - bpp] : v);
            byte u = (byte) (hasPrior ? v - prior[i] : v);
            filtered[subBase + i] = s;
            filtered[upBase + i] = u;
            none += Math.abs((byte) v);
            sub += Math.abs(s);
            up += Math.abs(u);
        }
        if (none <= sub && none <= up) {
            return 0;
        }
        return sub <= up ? 1 : 2;
    }

    /** pHYs in pixels per metre (unit 1), or an aspect ratio (unit 0) when the unit is unknown. */
    private static void physicalSize(Buffer out, OutputMetadata m) {
        if (!(m.dpiX() > 0) || !(m.dpiY() > 0)) {
            return;
        }
        long x;
        long y;
        int unit;
        if (m.resolutionUnit() == 1 || m.resolutionUnit() == 2) {
            x = Math.round(m.pixelsPerCm(m.dpiX()) * 100);
            y = Math.round(m.pixelsPerCm(m.dpiY()) * 100);
            unit = 1;
        } else {
            x = Math.round(m.dpiX());
            y = Math.round(m.dpiY());
            unit = 0;
        }
        if (x < 1 || y < 1 || x > Integer.MAX_VALUE || y > Integer.MAX_VALUE) {
            return;
        }
        Buffer phys = new Buffer(9);
        phys.int32((int) x);
        phys.int32((int) y);
        phys.write(unit);
        chunk(out, "pHYs", phys);
    }

    /** tEXt: keyword, NUL, Latin-1 text (characters outside Latin-1 become '?', NULs are dropped). */
    private static void text(Buffer out, String keyword, String value) {
        Buffer t = new Buffer(keyword.length() + value.length() + 1);
        t.write(keyword.getBytes(StandardCharsets.ISO_8859_1));
        t.write(0);
        t.write(value.replace("\0", "").getBytes(StandardCharsets.ISO_8859_1));
        chunk(out, "tEXt", t);
    }

    /** iTXt, uncompressed, no language tag: keyword, NUL, 0, 0, NUL, NUL, UTF-8 text. */
    private static void internationalText(Buffer out, String keyword, String value) {
        if (value == null) {
            return;
        }
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        Buffer t = new Buffer(keyword.length() + utf8.length + 5);
        t.write(keyword.getBytes(StandardCharsets.ISO_8859_1));
        t.write(0);
        t.write(0); // not compressed
        t.write(0); // compression method
        t.write(0); // empty language tag
        t.write(0); // empty translated keyword
        t.write(utf8);
        chunk(out, "iTXt", t);
    }

    private static void chunk(Buffer out, String type, Buffer data) {
        chunk(out, type, data.array(), 0, data.size());
    }

    /** Length, type, data, CRC-32 of type and data. */
    private static void chunk(Buffer out, String type, byte[] data, int off, int len) {
        byte[] t = type.getBytes(StandardCharsets.ISO_8859_1);
        out.int32(len);
        out.write(t);
        out.write(data, off, len);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data, off, len);
        out.int32((int) crc.getValue());
    }

    private static byte[] deflate(byte[] data) {
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION);
        try {
            d.setInput(data);
            d.finish();
            Buffer out = new Buffer(data.length / 2 + 64);
            while (!d.finished()) {
                out.deflateFrom(d);
            }
            return out.toByteArray();
        } finally {
            d.end();
        }
    }

    /** A growable byte buffer with big-endian integers and direct deflate output. */
    static final class Buffer {
        private byte[] buf;
        private int count;

        Buffer(int size) {
            buf = new byte[Math.max(16, size)];
        }

        private void ensure(int extra) {
            if (count + extra > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(count + extra, buf.length * 2));
            }
        }

        void write(int b) {
            ensure(1);
            buf[count++] = (byte) b;
        }

        void write(byte[] b) {
            write(b, 0, b.length);
        }

        void write(byte[] b, int off, int len) {
            ensure(len);
            System.arraycopy(b, off, buf, count, len);
            count += len;
        }

        void int32(int v) {
            ensure(4);
            buf[count++] = (byte) (v >>> 24);
            buf[count++] = (byte) (v >>> 16);
            buf[count++] = (byte) (v >>> 8);
            buf[count++] = (byte) v;
        }

        void deflateFrom(Deflater d) {
            ensure(8192);
            count += d.deflate(buf, count, buf.length - count);
        }

        byte[] array() {
            return buf;
        }

        int size() {
            return count;
        }

        byte[] toByteArray() {
            return count == buf.length ? buf : Arrays.copyOf(buf, count);
        }
    }
}

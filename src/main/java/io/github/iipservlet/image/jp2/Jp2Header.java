package io.github.iipservlet.image.jp2;

import io.github.iipservlet.image.ImageBytes;
import io.github.iipservlet.image.ImageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * What a JPEG2000 file says about itself before any pixel is decoded: the JP2 boxes (colour
 * specification, ICC profile) and the codestream's main header (SIZ and COD markers, ISO/IEC
 * 15444-1 annex A). Read here, in Java, rather than through a decoder because neither decoder
 * reports the number of quality layers, and both decoders then share one description of the file.
 */
public final class Jp2Header {
    /** Whether the file is a JP2 box file or a bare codestream (.j2k, .j2c). */
    public final boolean boxed;
    /** Reference grid size (Xsiz, Ysiz) and image offset (XOsiz, YOsiz). */
    public final long gridWidth;
    public final long gridHeight;
    public final long offsetX;
    public final long offsetY;
    /** Codestream tile size and tile grid offset. */
    public final long tileWidth;
    public final long tileHeight;
    public final long tileOffsetX;
    public final long tileOffsetY;
    public final int components;
    /** Bit depth of the first component (1..38). */
    public final int precision;
    public final boolean signed;
    /** True when a component is subsampled on the grid (XRsiz or YRsiz above 1). */
    public final boolean subsampled;
    /** Resolutions in the codestream: decomposition levels + 1. */
    public final int resolutions;
    public final int qualityLayers;
    /** JP2 enumerated colour space (16 sRGB, 17 grey, 18 sYCC), or 0 when none is given. */
    public final int enumeratedColourSpace;
    /** ICC profile of a restricted or any-ICC colour specification, or null. */
    public final byte[] iccProfile;
    /**
     * The Exif block of a {@code uuid} box "JpgTiffExif->JP2" before the codestream (a TIFF header
     * and its IFDs), or null (docs/protocols.md 10).
     */
    public final byte[] exif;

    /** The UUID of JP2's Exif box, "JpgTiffExif->JP2" in ASCII. */
    private static final byte[] EXIF_UUID = "JpgTiffExif->JP2".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);

    private Jp2Header(boolean boxed, ByteBuffer siz, ByteBuffer cod, int enumCs, byte[] icc, byte[] exif)
            throws ImageException {
        this.boxed = boxed;
        this.exif = exif;
        siz.getShort(); // Rsiz: capabilities
        gridWidth = Integer.toUnsignedLong(siz.getInt());
        gridHeight = Integer.toUnsignedLong(siz.getInt());
        offsetX = Integer.toUnsignedLong(siz.getInt());
        offsetY = Integer.toUnsignedLong(siz.getInt());
        tileWidth = Integer.toUnsignedLong(siz.getInt());
        tileHeight = Integer.toUnsignedLong(siz.getInt());
        tileOffsetX = Integer.toUnsignedLong(siz.getInt());
        tileOffsetY = Integer.toUnsignedLong(siz.getInt());
        components = siz.getShort() & 0xffff;
        if (components == 0 || siz.remaining() < 3 * components) {
            throw corrupt();
        }
        int ssiz = siz.get() & 0xff;
        precision = (ssiz & 0x7f) + 1;
        signed = (ssiz & 0x80) != 0;
        boolean sub = false;
        siz.position(siz.position() - 1);
        for (int c = 0; c < components; c++) {
            siz.get();
            int dx = siz.get() & 0xff;
            int dy = siz.get() & 0xff;
            sub |= dx != 1 || dy != 1;
        }
        subsampled = sub;
        // COD: Scod, progression order, layers (2 bytes), multiple component transform, then SPcod
        // starting with the number of decomposition levels.
        cod.get();
        cod.get();
        qualityLayers = cod.getShort() & 0xffff;
        cod.get();
        resolutions = (cod.get() & 0xff) + 1;
        enumeratedColourSpace = enumCs;
        iccProfile = icc;
        if (gridWidth <= offsetX || gridHeight <= offsetY || tileWidth == 0 || tileHeight == 0
                || qualityLayers == 0 || resolutions > 33) {
            throw corrupt();
        }
    }

    /** Image width: the reference grid minus its offset. */
    public long width() {
        return gridWidth - offsetX;
    }

    public long height() {
        return gridHeight - offsetY;
    }

    /** Width of resolution level {@code reduce} (0 = full): ceil(Xsiz / 2^r) - ceil(XOsiz / 2^r). */
    public int levelWidth(int reduce) {
        return (int) (ceilShift(gridWidth, reduce) - ceilShift(offsetX, reduce));
    }

    public int levelHeight(int reduce) {
        return (int) (ceilShift(gridHeight, reduce) - ceilShift(offsetY, reduce));
    }

    /** A rectangle on the reference grid: left, top, right and bottom (exclusive). */
    public record GridArea(long x0, long y0, long x1, long y1) {
    }

    /**
     * Where a rectangle of resolution level {@code reduce} (in that level's pixels) lies on the
     * reference grid: scaled back up by 2^reduce from the level's own origin, clipped to the grid.
     */
    public GridArea gridArea(int reduce, int x, int y, int width, int height) {
        long ox = ceilShift(offsetX, reduce);
        long oy = ceilShift(offsetY, reduce);
        return new GridArea((x + ox) << reduce, (y + oy) << reduce, Math.min(gridWidth, (x + width + ox) << reduce),
                Math.min(gridHeight, (y + height + oy) << reduce));
    }

    /** Codestream tiles: a single-tile (untiled) codestream can be decoded repeatedly by OpenJPEG. */
    public long tileCount() {
        long across = (gridWidth - tileOffsetX + tileWidth - 1) / tileWidth;
        long down = (gridHeight - tileOffsetY + tileHeight - 1) / tileHeight;
        return across * down;
    }

    /**
     * The layers a request decodes, from iipsrv's layer value (docs/protocols.md 3.9): negative means all, 0
     * half of them rounded up (iipsrv's default), else that many; never fewer than one nor more
     * than the file has.
     */
    public int layersToDecode(int requested) {
        int n = requested < 0 ? qualityLayers : requested == 0 ? (qualityLayers + 1) / 2 : requested;
        return Math.max(1, Math.min(qualityLayers, n));
    }

    private static long ceilShift(long v, int shift) {
        return (v + (1L << shift) - 1) >> shift;
    }

    private static ImageException corrupt() {
        return new ImageException(ImageException.Kind.CORRUPT, "Invalid JPEG2000 header");
    }

    /**
     * Reads the header of a JP2 file or a bare codestream.
     *
     * @throws ImageException CORRUPT when the boxes or markers are not what the format requires
     */
    public static Jp2Header read(Path file) throws ImageException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(ch.size(), (pos, n) -> readAt(ch, pos, n));
        } catch (IOException e) {
            throw corrupt();
        }
    }

    /**
     * Reads the header of a JP2 file or a bare codestream through positional reads: a remote
     * file's header is read without fetching the file (its first 64 KB usually hold it).
     *
     * @throws ImageException CORRUPT as {@link #read(Path)}, or what a read of the bytes threw
     */
    public static Jp2Header read(ImageBytes bytes) throws ImageException {
        try {
            return read(bytes.size(), (pos, n) -> {
                try {
                    return ByteBuffer.wrap(bytes.read(pos, n));
                } catch (ImageException e) {
                    throw new ReadFailure(e);
                }
            });
        } catch (ReadFailure e) {
            throw e.failure.kind() == ImageException.Kind.CORRUPT ? corrupt() : e.failure;
        }
    }

    /** A failed read of {@link ImageBytes}, carried through the parser's IOExceptions. */
    private static final class ReadFailure extends RuntimeException {
        final ImageException failure;

        ReadFailure(ImageException failure) {
            super(failure.getMessage(), null, false, false);
            this.failure = failure;
        }
    }

    /** Positional reads of exactly {@code n} bytes. */
    @FunctionalInterface
    private interface Bytes {
        ByteBuffer readAt(long pos, int n) throws IOException;
    }

    private static Jp2Header read(long size, Bytes ch) throws ImageException {
        try {
            ByteBuffer start = ch.readAt(0, 12);
            if (start.getInt(0) == 0xff4fff51) {
                return codestream(ch, 0, size, false, 0, null, null);
            }
            if (start.getInt(0) != 12 || start.getInt(4) != 0x6a502020 || start.getInt(8) != 0x0d0a870a) {
                throw corrupt();
            }
            int enumCs = 0;
            byte[] icc = null;
            byte[] exif = null;
            long pos = 12;
            while (pos + 8 <= size) {
                ByteBuffer head = ch.readAt(pos, 8);
                long length = Integer.toUnsignedLong(head.getInt(0));
                int type = head.getInt(4);
                long body = pos + 8;
                if (length == 1) {
                    length = ch.readAt(pos + 8, 8).getLong(0);
                    body = pos + 16;
                } else if (length == 0) {
                    length = size - pos;
                }
                if (length < body - pos || pos + length > size) {
                    throw corrupt();
                }
                long end = pos + length;
                if (type == 0x6a703263) { // jp2c: the codestream
                    return codestream(ch, body, end, true, enumCs, icc, exif);
                }
                if (type == 0x75756964 && exif == null && end - body > 16 + 8 && end - body <= 16 + 65000) { // uuid
                    exif = exifBlock(ch.readAt(body, (int) (end - body)));
                }
                if (type == 0x6a703268) { // jp2h: header superbox; its colr box tells the colour space
                    long p = body;
                    while (p + 8 <= end) {
                        ByteBuffer sub = ch.readAt(p, 8);
                        long subLength = Integer.toUnsignedLong(sub.getInt(0));
                        if (subLength < 8 || p + subLength > end) {
                            throw corrupt();
                        }
                        if (sub.getInt(4) == 0x636f6c72 && enumCs == 0 && icc == null && subLength >= 11) { // colr
                            ByteBuffer colr = ch.readAt(p + 8, (int) Math.min(subLength - 8, 1 << 24));
                            int method = colr.get(0) & 0xff;
                            if (method == 1 && colr.limit() >= 7) {
                                enumCs = colr.getInt(3);
                            } else if (method == 2 || method == 3) {
                                icc = new byte[colr.limit() - 3];
                                colr.position(3);
                                colr.get(icc);
                            }
                        }
                        p += subLength;
                    }
                }
                pos = end;
            }
            throw corrupt();
        } catch (ReadFailure e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw corrupt();
        }
    }

    /** The Exif block of a uuid box's body when its UUID is JP2's Exif one, else null. */
    private static byte[] exifBlock(ByteBuffer uuidBox) {
        byte[] b = new byte[uuidBox.remaining()];
        uuidBox.get(b);
        if (!java.util.Arrays.equals(b, 0, 16, EXIF_UUID, 0, 16)) {
            return null;
        }
        int start = 16;
        if (b.length >= start + 6 && b[start] == 'E' && b[start + 1] == 'x' && b[start + 2] == 'i'
                && b[start + 3] == 'f' && b[start + 4] == 0 && b[start + 5] == 0) {
            start += 6;
        }
        boolean tiff = b.length >= start + 8 && (b[start] == 'I' && b[start + 1] == 'I' && b[start + 2] == 42
                || b[start] == 'M' && b[start + 1] == 'M' && b[start + 3] == 42);
        return tiff ? java.util.Arrays.copyOfRange(b, start, b.length) : null;
    }

    private static Jp2Header codestream(Bytes ch, long pos, long end, boolean boxed, int enumCs, byte[] icc,
            byte[] exif)
            throws IOException, ImageException {
        if (ch.readAt(pos, 2).getShort(0) != (short) 0xff4f) {
            throw corrupt();
        }
        pos += 2;
        ByteBuffer siz = null;
        ByteBuffer cod = null;
        // Main header markers up to the first tile-part (SOT): each is a marker and a length.
        while (pos + 4 <= end && (siz == null || cod == null)) {
            ByteBuffer m = ch.readAt(pos, 4);
            int marker = m.getShort(0) & 0xffff;
            int length = m.getShort(2) & 0xffff;
            if (marker == 0xff90 || marker == 0xffd9 || length < 2 || (marker & 0xff00) != 0xff00) {
                break;
            }
            if (marker == 0xff51) {
                siz = ch.readAt(pos + 4, length - 2);
            } else if (marker == 0xff52) {
                cod = ch.readAt(pos + 4, length - 2);
            }
            pos += 2 + length;
        }
        if (siz == null || cod == null || siz.limit() < 38 || cod.limit() < 6) {
            throw corrupt();
        }
        return new Jp2Header(boxed, siz, cod, enumCs, icc, exif);
    }

    private static ByteBuffer readAt(FileChannel ch, long pos, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b, pos + b.position()) < 0) {
                throw new IOException("short file");
            }
        }
        return b.flip();
    }
}

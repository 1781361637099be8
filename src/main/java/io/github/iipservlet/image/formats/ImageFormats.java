package io.github.iipservlet.image.formats;

import io.github.iipservlet.codec.NativeCodecs;
import io.github.iipservlet.image.ImageBytes;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.ImageSource;
import io.github.iipservlet.image.StoredObject;
import io.github.iipservlet.image.PyramidReader;
import io.github.iipservlet.image.jp2.Jp2Decoder;
import io.github.iipservlet.image.jp2.Jp2Header;
import io.github.iipservlet.image.jp2.Jp2PyramidReader;
import io.github.iipservlet.image.jp2.LazySource;
import io.github.iipservlet.image.raster.RasterCache;
import io.github.iipservlet.image.raster.RasterReader;
import io.github.iipservlet.image.tiff.TiffPyramidReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Recognises an image by its first bytes (docs/protocols.md 9.1) and opens the matching pyramid reader: tiled TIFF,
 * JPEG2000 (JP2 files and bare codestreams) through the context's decoder, and the plain images served as
 * pyramids through the context's decoded-level cache (docs/protocols.md 9.6): JPEG, PNG, and a TIFF whose first
 * image is in strips.
 */
public final class ImageFormats {
    private final Jp2Decoder jpeg2000;
    private final NativeCodecs codecs;
    private final RasterCache raster;

    /** Without a decoded-level cache: every tile of a plain image decodes it (tests). */
    public ImageFormats(Jp2Decoder jpeg2000, NativeCodecs codecs) {
        this(jpeg2000, codecs, new RasterCache(0, RasterCache.Memory.NONE));
    }

    /**
     * @param jpeg2000 the JPEG2000 decoder, or null to refuse JPEG2000 as an unsupported type
     * @param codecs   the context's native codecs, which TIFF readers decode their tiles with
     * @param raster   the context's decoded levels of plain images
     */
    public ImageFormats(Jp2Decoder jpeg2000, NativeCodecs codecs, RasterCache raster) {
        this.jpeg2000 = jpeg2000;
        this.codecs = codecs;
        this.raster = raster;
    }

    /**
     * Opens the reader of an object of a source: TIFF read through the source's positional reads
     * (ranged requests for a remote one), JPEG2000 from a local file (the file itself, or a copy in
     * the remote disk cache: OpenJPEG reads files by name).
     */
    public PyramidReader open(ImageSource source, StoredObject object) throws ImageException {
        ImageBytes bytes = source.open(object);
        boolean handedOver = false;
        try {
            byte[] start = object.head() != null ? object.head() : bytes.read(0, (int) Math.min(12, bytes.size()));
            byte[] magic = java.util.Arrays.copyOf(start, 12);
            if (start.length < 4) {
                throw new ImageException(ImageException.Kind.NOT_FOUND,
                        "Unable to read initial byte sequence of image");
            }
            if (isJpeg2000(magic) && jpeg2000 != null) {
                // Described from its header; the file (a remote one's local copy) is opened on the first decode.
                Jp2Header header = Jp2Header.read(withHead(bytes, object.head()));
                StoredObject kept = object.withoutHead();
                return Jp2PyramidReader.open(header, object.lastModified(),
                        new LazySource(() -> source.localFile(kept), jpeg2000, header));
            }
            if (isTiff(magic)) {
                handedOver = true;
                try {
                    return TiffPyramidReader.open(bytes, object, codecs);
                } catch (TiffPyramidReader.Untiled e) {
                    // The TIFF reader closed the bytes: the plain image's reader opens them again.
                    return RasterReader.openStripedTiff(source.open(object), object, raster);
                }
            }
            if (RasterReader.isJpeg(magic)) {
                handedOver = true;
                return RasterReader.openJpeg(bytes, object, raster, codecs);
            }
            if (RasterReader.isPng(magic)) {
                handedOver = true;
                return RasterReader.openPng(bytes, object, raster);
            }
            throw new ImageException(ImageException.Kind.UNSUPPORTED, "Unsupported image type");
        } finally {
            if (!handedOver) {
                bytes.close();
            }
        }
    }

    /** Reads of an object that take what lies in its first bytes, when known, from them. */
    private static ImageBytes withHead(ImageBytes bytes, byte[] head) {
        if (head == null) {
            return bytes;
        }
        return new ImageBytes() {
            @Override
            public long size() {
                return bytes.size();
            }

            @Override
            public void read(long position, byte[] into, int offset, int length) throws ImageException {
                if (position >= 0 && position + length <= head.length) {
                    System.arraycopy(head, (int) position, into, offset, length);
                } else {
                    bytes.read(position, into, offset, length);
                }
            }

            @Override
            public void close() {
                // the caller closes bytes
            }
        };
    }

    /** True when an object's first bytes are those of a format {@link #open} reads. */
    public static boolean recognises(byte[] start) {
        byte[] magic = java.util.Arrays.copyOf(start, 12);
        return start.length >= 4 && known(magic);
    }

    /**
     * True when a file starts like a format {@link #open} reads, without parsing further: lets a
     * folder listing pick out images without opening every file it holds.
     */
    public static boolean recognises(Path file) {
        byte[] magic = new byte[12];
        try {
            return readStart(file, magic) >= 4 && known(magic);
        } catch (IOException e) {
            return false;
        }
    }

    /** Reads up to {@code magic.length} bytes from the start of a file; returns how many were read. */
    private static int readStart(Path file, byte[] magic) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.wrap(magic);
            int n = 0;
            while (n < magic.length) {
                int r = ch.read(buf, n);
                if (r < 0) {
                    break;
                }
                n += r;
            }
            return n;
        }
    }

    /** TIFF (tiled or not), JPEG2000, JPEG or PNG. */
    private static boolean known(byte[] magic) {
        return isTiff(magic) || isJpeg2000(magic) || RasterReader.isJpeg(magic) || RasterReader.isPng(magic);
    }

    /** A JP2 signature box, or a codestream's SOC and SIZ markers. */
    static boolean isJpeg2000(byte[] m) {
        return m[0] == 0 && m[1] == 0 && m[2] == 0 && m[3] == 12 && m[4] == 'j' && m[5] == 'P' && m[6] == ' '
                && m[7] == ' ' && m[8] == 13 && m[9] == 10 && (m[10] & 0xff) == 0x87 && m[11] == 10
                || (m[0] & 0xff) == 0xff && (m[1] & 0xff) == 0x4f && (m[2] & 0xff) == 0xff && (m[3] & 0xff) == 0x51;
    }

    static boolean isTiff(byte[] m) {
        return (m[0] == 'I' && m[1] == 'I' && (m[2] == 42 || m[2] == 43) && m[3] == 0)
                || (m[0] == 'M' && m[1] == 'M' && m[2] == 0 && (m[3] == 42 || m[3] == 43))
                || (m[0] == 'I' && m[1] == ' ' && m[2] == 'I');
    }
}

package io.github.iipservlet.image.formats;

import io.github.iipservlet.codec.NativeCodecs;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.PyramidReader;
import io.github.iipservlet.image.jp2.Jp2Decoder;
import io.github.iipservlet.image.jp2.Jp2PyramidReader;
import io.github.iipservlet.image.tiff.TiffPyramidReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Recognises a file by its first bytes (docs/protocols.md 9.1) and opens the matching pyramid reader: TIFF, and
 * JPEG2000 (JP2 files and bare codestreams) through the context's decoder.
 */
public final class ImageFormats {
    private final Jp2Decoder jpeg2000;
    private final NativeCodecs codecs;

    /**
     * @param jpeg2000 the JPEG2000 decoder, or null to refuse JPEG2000 as an unsupported type
     * @param codecs   the context's native codecs, which TIFF readers decode their tiles with
     */
    public ImageFormats(Jp2Decoder jpeg2000, NativeCodecs codecs) {
        this.jpeg2000 = jpeg2000;
        this.codecs = codecs;
    }

    public PyramidReader open(Path file) throws ImageException {
        byte[] magic = new byte[12];
        int n;
        try {
            n = readStart(file, magic);
        } catch (IOException e) {
            throw new ImageException(ImageException.Kind.NOT_FOUND, "Unable to open image");
        }
        if (n < 4) {
            throw new ImageException(ImageException.Kind.NOT_FOUND, "Unable to read initial byte sequence of image");
        }
        if (isTiff(magic)) {
            return TiffPyramidReader.open(file, codecs);
        }
        if (isJpeg2000(magic) && jpeg2000 != null) {
            return Jp2PyramidReader.open(file, jpeg2000);
        }
        throw new ImageException(ImageException.Kind.UNSUPPORTED, "Unsupported image type");
    }

    /**
     * True when a file starts like a format {@link #open} reads, without parsing further: lets a
     * folder listing pick out images without opening every file it holds.
     */
    public static boolean recognises(Path file) {
        byte[] magic = new byte[12];
        try {
            return readStart(file, magic) >= 4 && (isTiff(magic) || isJpeg2000(magic));
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

package io.github.iipservlet.image.raster;

import io.github.iipservlet.image.ImageBytes;
import io.github.iipservlet.image.ImageBytesStream;
import io.github.iipservlet.image.ImageException;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.TreeMap;

/**
 * The markers of a plain JPEG file up to its first scan (docs/protocols.md 9.6): size, components,
 * the frame type, the ICC profile (APP2 chunks), the JFIF density and the EXIF orientation (read,
 * not applied). Read through the object's positional reads in 64 KB blocks.
 */
final class JpegHeader {
    final int width;
    final int height;
    final int components;
    final boolean progressive;
    final byte[] iccProfile;
    /** JFIF density: 0 unknown, 1 per inch, 2 per centimetre (iipsrv's numbering), and its values. */
    final int densityUnit;
    final double dpiX;
    final double dpiY;
    /** EXIF orientation, 1 (none) when absent: recorded, never applied. */
    final int orientation;
    /** The APP1 Exif block after {@code Exif\0\0}, or null. */
    final byte[] exif;
    /** The APP1 XMP packet (after {@code http://ns.adobe.com/xap/1.0/\0}), or null. */
    String xmp;

    private JpegHeader(int width, int height, int components, boolean progressive, byte[] iccProfile,
            int densityUnit, double dpiX, double dpiY, int orientation, byte[] exif) {
        this.width = width;
        this.height = height;
        this.components = components;
        this.progressive = progressive;
        this.iccProfile = iccProfile;
        this.densityUnit = densityUnit;
        this.dpiX = dpiX;
        this.dpiY = dpiY;
        this.orientation = orientation;
        this.exif = exif;
    }

    /**
     * @throws ImageException CORRUPT for damaged markers, UNSUPPORTED for lossless, hierarchical,
     *                        12-bit or CMYK/YCCK files
     */
    static JpegHeader read(ImageBytes bytes, byte[] head) throws ImageException {
        try (ImageBytesStream in = new ImageBytesStream(bytes, head)) {
            if (in.readUnsignedShort() != 0xFFD8) {
                throw corrupt("no start of image");
            }
            TreeMap<Integer, byte[]> icc = new TreeMap<>();
            int unit = 0;
            double dx = 0;
            double dy = 0;
            int orientation = 1;
            byte[] exif = null;
            String xmp = null;
            while (true) {
                int b = in.readUnsignedByte();
                if (b != 0xFF) {
                    throw corrupt("marker expected");
                }
                int marker = in.readUnsignedByte();
                while (marker == 0xFF) {
                    marker = in.readUnsignedByte();
                }
                if (marker == 0xD8 || marker >= 0xD0 && marker <= 0xD7 || marker == 0x01) {
                    continue;
                }
                if (marker == 0xD9 || marker == 0xDA) {
                    throw corrupt("no frame header");
                }
                int length = in.readUnsignedShort() - 2;
                if (length < 0) {
                    throw corrupt("bad marker length");
                }
                if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
                    byte[] sof = new byte[length];
                    in.readFully(sof);
                    JpegHeader h = frame(marker, sof, icc, unit, dx, dy, orientation, exif);
                    h.xmp = xmp;
                    return h;
                }
                byte[] segment = new byte[length];
                in.readFully(segment);
                if (marker == 0xE0 && startsWith(segment, "JFIF\0") && length >= 12) {
                    unit = segment[7] & 0xff;
                    dx = u16(segment, 8, true);
                    dy = u16(segment, 10, true);
                    if (unit < 1 || unit > 2) {
                        unit = 0;
                    }
                } else if (marker == 0xE2 && startsWith(segment, "ICC_PROFILE\0") && length >= 14) {
                    icc.put(segment[12] & 0xff, java.util.Arrays.copyOfRange(segment, 14, length));
                } else if (marker == 0xE1 && startsWith(segment, "Exif\0\0")) {
                    orientation = exifOrientation(segment, 6);
                    exif = java.util.Arrays.copyOfRange(segment, 6, length);
                } else if (marker == 0xE1 && startsWith(segment, "http://ns.adobe.com/xap/1.0/\0") && xmp == null) {
                    xmp = new String(segment, 29, length - 29, java.nio.charset.StandardCharsets.UTF_8);
                }
            }
        } catch (ImageBytesStream.Failure e) {
            throw e.image;
        } catch (EOFException e) {
            throw corrupt("file ends in the header");
        } catch (IOException e) {
            throw corrupt(e.getMessage());
        }
    }

    private static JpegHeader frame(int marker, byte[] sof, TreeMap<Integer, byte[]> icc, int unit, double dx,
            double dy, int orientation, byte[] exif) throws ImageException {
        if (sof.length < 6) {
            throw corrupt("short frame header");
        }
        if (marker != 0xC0 && marker != 0xC1 && marker != 0xC2) {
            throw new ImageException(ImageException.Kind.UNSUPPORTED, "Unsupported JPEG: lossless, hierarchical or "
                    + "arithmetic-coded");
        }
        int precision = sof[0] & 0xff;
        int height = u16(sof, 1, true);
        int width = u16(sof, 3, true);
        int components = sof[5] & 0xff;
        if (width == 0 || height == 0 || sof.length < 6 + 3 * components) {
            throw corrupt("bad frame header");
        }
        if (precision != 8) {
            throw new ImageException(ImageException.Kind.UNSUPPORTED, "Unsupported JPEG sample size: " + precision);
        }
        if (components != 1 && components != 3) {
            throw new ImageException(ImageException.Kind.UNSUPPORTED, "Unsupported JPEG: " + components
                    + " components (CMYK)");
        }
        byte[] profile = null;
        if (!icc.isEmpty()) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            icc.values().forEach(all::writeBytes);
            profile = all.toByteArray();
        }
        return new JpegHeader(width, height, components, marker == 0xC2, profile, unit, unit == 0 && dx == 0 ? 0 : dx,
                dy, orientation, exif);
    }

    /** The Orientation (274) of IFD0 of a TIFF structure at {@code start}, or 1. */
    private static int exifOrientation(byte[] s, int start) {
        if (s.length < start + 8) {
            return 1;
        }
        boolean big = s[start] == 'M';
        long ifd = start + u32(s, start + 4, big);
        if (ifd + 2 > s.length) {
            return 1;
        }
        int count = u16(s, (int) ifd, big);
        for (int i = 0; i < count; i++) {
            int e = (int) ifd + 2 + 12 * i;
            if (e + 12 > s.length) {
                break;
            }
            if (u16(s, e, big) == 274) {
                int v = u16(s, e + 8, big);
                return v >= 1 && v <= 8 ? v : 1;
            }
        }
        return 1;
    }

    private static boolean startsWith(byte[] s, String prefix) {
        if (s.length < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (s[i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static int u16(byte[] s, int at, boolean big) {
        int a = s[at] & 0xff;
        int b = s[at + 1] & 0xff;
        return big ? a << 8 | b : b << 8 | a;
    }

    private static long u32(byte[] s, int at, boolean big) {
        long hi = u16(s, big ? at : at + 2, big);
        long lo = u16(s, big ? at + 2 : at, big);
        return hi << 16 | lo;
    }

    private static ImageException corrupt(String what) {
        return new ImageException(ImageException.Kind.CORRUPT, "JPEG error: " + what);
    }
}

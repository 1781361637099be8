package io.github.iipservlet.image.tiff;

import com.twelvemonkeys.imageio.metadata.Directory;
import com.twelvemonkeys.imageio.metadata.Entry;
import com.twelvemonkeys.imageio.metadata.tiff.IFD;
import io.github.iipservlet.image.ColourSpace;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.image.Level;
import io.github.iipservlet.image.SampleType;
import io.github.iipservlet.image.StackItem;
import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a TIFF file holds, read from its directories once when it is opened: the pyramid of each
 * page (docs/protocols.md 9.2, 9.4), each level checked against what a file can hold and what the
 * decoders take, and the image's metadata. Everything here is about the file's layout; decoding
 * its tiles is {@link TileDecoder}'s and {@link JpegTiles}'s.
 */
final class TiffLayout {
    // Tags
    private static final int NEW_SUBFILE_TYPE = 254;
    private static final int IMAGE_WIDTH = 256;
    private static final int IMAGE_LENGTH = 257;
    private static final int BITS_PER_SAMPLE = 258;
    private static final int COMPRESSION = 259;
    /** libtiff's numbers for Zstandard and WebP (vips and GDAL write them). */
    static final int COMPRESSION_ZSTD = 50000;
    static final int COMPRESSION_WEBP = 50001;
    private static final int PHOTOMETRIC = 262;
    private static final int DOCUMENT_NAME = 269;
    private static final int IMAGE_DESCRIPTION = 270;
    private static final int MAKE = 271;
    private static final int MODEL = 272;
    private static final int SAMPLES_PER_PIXEL = 277;
    private static final int X_RESOLUTION = 282;
    private static final int Y_RESOLUTION = 283;
    private static final int PLANAR_CONFIGURATION = 284;
    private static final int PAGE_NAME = 285;
    private static final int RESOLUTION_UNIT = 296;
    private static final int SOFTWARE = 305;
    private static final int DATE_TIME = 306;
    private static final int ARTIST = 315;
    private static final int PREDICTOR = 317;
    private static final int TILE_WIDTH = 322;
    private static final int TILE_LENGTH = 323;
    private static final int TILE_OFFSETS = 324;
    private static final int TILE_BYTE_COUNTS = 325;
    private static final int SUB_IFDS = 330;
    private static final int COLOR_MAP = 320;
    private static final int SAMPLE_FORMAT = 339;
    private static final int S_MIN_SAMPLE_VALUE = 340;
    private static final int S_MAX_SAMPLE_VALUE = 341;
    private static final int JPEG_TABLES = 347;
    private static final int YCBCR_SUBSAMPLING = 530;
    private static final int XML_PACKET = 700;
    private static final int COPYRIGHT = 33432;
    private static final int STONITS = 33423;
    private static final int ICC_PROFILE = 34675;

    /** Largest tile side read (TIFF allows 2^32 - 1; writers use up to a few thousand). */
    private static final int MAX_TILE_SIDE = 65536;
    /** Largest decoded tile, in bytes: a 4096x4096 RGBA 8-bit tile. */
    private static final long MAX_TILE_BYTES = 64L << 20;
    /** Most channels per pixel read (multispectral bands come as separate files, docs/protocols.md 9.5). */
    private static final int MAX_CHANNELS = 64;

    // Photometric interpretations
    static final int PHOTO_MINISWHITE = 0;
    static final int PHOTO_MINISBLACK = 1;
    static final int PHOTO_RGB = 2;
    static final int PHOTO_PALETTE = 3;
    static final int PHOTO_YCBCR = 6;
    static final int PHOTO_CIELAB = 8;

    /** Adobe APP14, version 100, no flags, transform 0 (no colour conversion). */
    private static final byte[] ADOBE_RGB = {
        (byte) 0xFF, (byte) 0xEE, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0
    };

    /** One page's levels and what the protocols see of it. */
    record Pyramid(ImageInfo info, TiffLevel[] levels) {
    }

    /**
     * The pages of a file: one pyramid for a single image; for a stack, the items and, per page,
     * its pyramid or the reason it cannot be read (one damaged page must not hide the others).
     */
    record Pages(List<StackItem> items, Object[] pyramids) {
        boolean stack() {
            return !items.isEmpty();
        }
    }

    private TiffLayout() {
    }

    /**
     * Finds the pyramid (docs/protocols.md 9.2) or the stack of pyramids (docs/protocols.md 9.4) in the top-level IFDs:
     * <ul>
     * <li>a first IFD with reduced-resolution SubIFDs is a SubIFD pyramid; when it is also a page
     * (NewSubfileType 2), every top-level page is a stack page with its own SubIFD levels;</li>
     * <li>a first IFD that is a page, followed by one of exactly its size, starts a stack of
     * single-level pages (a plain multi-page TIFF);</li>
     * <li>otherwise every later tiled top-level IFD is a further level (untiled thumbnails and
     * labels are skipped), largest first.</li>
     * </ul>
     */
    static Pages read(List<Directory> top, long lastModified) throws ImageException {
        Directory ifd0 = top.get(0);
        if (!hasTiles(ifd0)) {
            throw new TiffPyramidReader.Untiled();
        }
        List<Directory> subLevels = reducedSubIfds(ifd0);
        boolean subIfdPyramid = !subLevels.isEmpty();
        boolean stack = isPage(ifd0) && (subIfdPyramid || top.size() > 1 && sameSize(ifd0, top.get(1)));
        if (!stack) {
            List<Directory> dirs = new ArrayList<>();
            dirs.add(ifd0);
            if (subIfdPyramid) {
                dirs.addAll(subLevels);
            } else {
                for (int i = 1; i < top.size(); i++) {
                    if (isTiled(top.get(i))) {
                        dirs.add(top.get(i));
                    }
                }
            }
            return new Pages(List.of(), new Object[] {pyramid(dirs, lastModified)});
        }
        List<Directory> pageDirs = new ArrayList<>();
        List<StackItem> items = new ArrayList<>();
        for (Directory d : top) {
            if (isPage(d)) {
                pageDirs.add(d);
                String name = text(value(d, DOCUMENT_NAME));
                double[] scale = numbers(value(d, STONITS));
                items.add(new StackItem(name == null ? "" : name, scale.length > 0 ? scale[0] : 1));
            }
        }
        Object[] pyramids = new Object[pageDirs.size()];
        for (int i = 0; i < pageDirs.size(); i++) {
            Directory d = pageDirs.get(i);
            try {
                if (!hasTiles(d)) {
                    throw new ImageException(ImageException.Kind.UNSUPPORTED, "Image page " + i + " is not tiled");
                }
                List<Directory> dirs = new ArrayList<>();
                dirs.add(d);
                if (subIfdPyramid) {
                    dirs.addAll(reducedSubIfds(d));
                }
                pyramids[i] = pyramid(dirs, lastModified);
            } catch (ImageException e) {
                if (i == 0) {
                    throw e;
                }
                // One damaged page must not hide the others: it fails when it is asked for.
                pyramids[i] = e;
            }
        }
        return new Pages(List.copyOf(items), pyramids);
    }

    private static boolean isPage(Directory d) {
        return intValue(d, NEW_SUBFILE_TYPE, 0) == 2;
    }

    private static boolean sameSize(Directory a, Directory b) {
        return intValue(a, IMAGE_WIDTH, -1) == intValue(b, IMAGE_WIDTH, -2)
                && intValue(a, IMAGE_LENGTH, -1) == intValue(b, IMAGE_LENGTH, -2);
    }

    private static boolean hasTiles(Directory d) {
        return d.getEntryById(TILE_WIDTH) != null && d.getEntryById(TILE_LENGTH) != null;
    }

    /** The tiled SubIFDs of an IFD that are reduced-resolution versions of it (NewSubfileType 1). */
    private static List<Directory> reducedSubIfds(Directory d) {
        Object subs = value(d, SUB_IFDS);
        List<Directory> out = new ArrayList<>();
        if (subs instanceof IFD[] arr) {
            for (IFD sub : arr) {
                if (intValue(sub, NEW_SUBFILE_TYPE, 0) == 1 && isTiled(sub)) {
                    out.add(sub);
                }
            }
        } else if (subs instanceof IFD sub && intValue(sub, NEW_SUBFILE_TYPE, 0) == 1 && isTiled(sub)) {
            out.add(sub);
        }
        return out;
    }

    /** One pyramid from its level IFDs (the first is full resolution and carries the metadata). */
    static Pyramid pyramid(List<Directory> dirs, long lastModified) throws ImageException {
        Directory ifd0 = dirs.get(0);
        TiffLevel[] levels = new TiffLevel[dirs.size()];
        for (int i = 0; i < levels.length; i++) {
            // vips writes SampleFormat on the first directory only: the other levels inherit it (as iipsrv reads it once).
            levels[i] = parseLevel(dirs.get(i), intValue(dirs.get(0), SAMPLE_FORMAT, 1));
            if (i > 0 && !fitsBelow(levels[i], levels[i - 1])) {
                throw new ImageException(ImageException.Kind.CORRUPT, "TIFF error: inconsistent pyramid levels");
            }
        }
        TiffLevel first = levels[0];
        int photometric = first.photometric;
        // Palette images are served expanded to 8-bit RGB.
        int bits = first.palette != null ? 8 : first.bits;
        int channels = first.outChannels;
        ColourSpace cs;
        if (photometric == PHOTO_CIELAB) {
            cs = ColourSpace.CIELAB;
        } else if (photometric == PHOTO_MINISBLACK || photometric == PHOTO_MINISWHITE) {
            cs = bits == 1 ? ColourSpace.BINARY : ColourSpace.GREYSCALE;
        } else {
            cs = channels == 1 ? ColourSpace.GREYSCALE : ColourSpace.SRGB;
        }
        double defaultMax;
        if (first.sampleType == SampleType.FLOAT) {
            defaultMax = 1.0;
        } else if (bits <= 8) {
            defaultMax = 255;
        } else if (bits == 12) {
            defaultMax = 4095;
        } else if (bits == 16) {
            defaultMax = 65535;
        } else if (bits == 32) {
            defaultMax = 4294967295.0;
        } else {
            defaultMax = 0;
        }
        // A palette image's SMin/SMaxSampleValue describe its indices, not the colours served.
        boolean palette = first.palette != null;
        double[] min = perChannel(palette ? new double[0] : numbers(value(ifd0, S_MIN_SAMPLE_VALUE)), channels, 0);
        double[] max = perChannel(palette ? new double[0] : numbers(value(ifd0, S_MAX_SAMPLE_VALUE)), channels,
                defaultMax);

        Map<String, String> metadata = new HashMap<>();
        putText(metadata, "creator", value(ifd0, ARTIST));
        putText(metadata, "rights", value(ifd0, COPYRIGHT));
        putText(metadata, "date", value(ifd0, DATE_TIME));
        putText(metadata, "description", value(ifd0, IMAGE_DESCRIPTION));
        putText(metadata, "title", value(ifd0, DOCUMENT_NAME));
        putText(metadata, "pagename", value(ifd0, PAGE_NAME));
        putText(metadata, "software", value(ifd0, SOFTWARE));
        putText(metadata, "make", value(ifd0, MAKE));
        putText(metadata, "model", value(ifd0, MODEL));
        putText(metadata, "xmp", value(ifd0, XML_PACKET));
        double[] scale = numbers(value(ifd0, STONITS));
        if (scale.length > 0) {
            metadata.put("scale", formatG(scale[0]));
        }
        Object icc = value(ifd0, ICC_PROFILE);
        byte[] iccProfile = icc instanceof byte[] b && b.length > 0 ? b.clone() : null;

        double[] xres = numbers(value(ifd0, X_RESOLUTION));
        double[] yres = numbers(value(ifd0, Y_RESOLUTION));
        int unit = intValue(ifd0, RESOLUTION_UNIT, 2);
        int iipUnit = unit == 2 ? 1 : unit == 3 ? 2 : 0;

        List<Level> levelList = new ArrayList<>(levels.length);
        for (TiffLevel l : levels) {
            levelList.add(l.level);
        }
        ImageInfo info = new ImageInfo("tiff", levelList, channels, bits, first.sampleType, cs, min, max, metadata,
                xres.length > 0 ? xres[0] : 0, yres.length > 0 ? yres[0] : 0, iipUnit, iccProfile, lastModified,
                exifBlock(ifd0));
        return new Pyramid(info, levels);
    }

    /** A level can follow another in a pyramid: no larger, with the same kind of samples. */
    private static boolean fitsBelow(TiffLevel l, TiffLevel above) {
        return l.level.width() <= above.level.width() && l.level.height() <= above.level.height()
                && l.outChannels == above.outChannels && l.bits == above.bits && l.sampleType == above.sampleType
                && (l.palette == null) == (above.palette == null);
    }

    /**
     * One level's layout, checked against what a file can hold and what we decode before anything
     * is allocated from it: a damaged file is refused here, never by an exception at render time.
     */
    private static TiffLevel parseLevel(Directory d, int defaultSampleFormat) throws ImageException {
        TiffLevel l = new TiffLevel();
        double width = number(d, IMAGE_WIDTH);
        double height = number(d, IMAGE_LENGTH);
        double tw = number(d, TILE_WIDTH);
        double th = number(d, TILE_LENGTH);
        if (!(width >= 1 && height >= 1 && tw >= 1 && th >= 1)) {
            throw new ImageException(ImageException.Kind.CORRUPT, "TIFF error: bad image or tile size");
        }
        if (width > Integer.MAX_VALUE || height > Integer.MAX_VALUE || tw > MAX_TILE_SIDE || th > MAX_TILE_SIDE) {
            throw new ImageException(ImageException.Kind.UNSUPPORTED, "Unsupported image or tile size");
        }
        try {
            l.level = new Level((int) width, (int) height, (int) tw, (int) th);
        } catch (IllegalArgumentException e) {
            throw new ImageException(ImageException.Kind.UNSUPPORTED, "Unsupported image or tile size");
        }
        l.compression = intValue(d, COMPRESSION, 1);
        l.predictor = intValue(d, PREDICTOR, 1);
        l.photometric = intValue(d, PHOTOMETRIC, PHOTO_MINISBLACK);
        int spp = intValue(d, SAMPLES_PER_PIXEL, 1);
        int planar = intValue(d, PLANAR_CONFIGURATION, 1);
        if (spp < 1 || planar != 1 && planar != 2) {
            throw new ImageException(ImageException.Kind.CORRUPT, "TIFF error: bad samples per pixel");
        }
        if (spp > MAX_CHANNELS || planar == 2 && spp > 1) {
            throw new ImageException(ImageException.Kind.UNSUPPORTED, planar == 2 ? "Unsupported TIFF layout: "
                    + "separate colour planes" : "Unsupported number of channels: " + spp);
        }
        boolean colour = l.photometric == PHOTO_RGB || l.photometric == PHOTO_YCBCR || l.photometric == PHOTO_CIELAB;
        if (colour && spp < 3) {
            throw new ImageException(ImageException.Kind.CORRUPT, "TIFF error: " + spp + " channels for colour");
        }
        l.samplesInTile = spp;
        l.outChannels = l.samplesInTile;
        double[] bits = numbers(value(d, BITS_PER_SAMPLE));
        l.bits = bits.length == 0 ? 1 : (int) Math.min(Integer.MAX_VALUE, bits[0]);
        for (double b : bits) {
            if (b != l.bits) {
                throw new ImageException(ImageException.Kind.UNSUPPORTED, "Unsupported TIFF layout: channels of "
                        + "different bit depths");
            }
        }
        int sampleFormat = intValue(d, SAMPLE_FORMAT, defaultSampleFormat);
        l.sampleType = sampleFormat == 3 ? SampleType.FLOAT : sampleFormat == 2 ? SampleType.SIGNED_INT
                : SampleType.UNSIGNED_INT;
        if (l.sampleType == SampleType.FLOAT && l.bits != 32) {
            throw new ImageException(ImageException.Kind.UNSUPPORTED, "Unsupported floating-point sample size");
        }
        if (l.bits > 32 || l.bits < 1 || l.bits > 16 && l.bits != 32) {
            throw new ImageException(ImageException.Kind.UNSUPPORTED, "Unsupported bits per sample: " + l.bits);
        }
        if (l.bits != 1 && l.bits != 8 && l.samplesInTile > 1 && l.bits < 8) {
            throw new ImageException(ImageException.Kind.UNSUPPORTED, "Unsupported bits per sample: " + l.bits);
        }
        if (l.predictor == 2 && l.bits != 8 && l.bits != 16 && l.bits != 32 || l.predictor < 1 || l.predictor > 3) {
            throw new ImageException(ImageException.Kind.UNSUPPORTED, "Unsupported TIFF predictor: " + l.predictor);
        }
        long rowBytes = ((long) l.level.tileWidth() * spp * l.bits + 7) / 8;
        l.tileBytes = rowBytes * l.level.tileHeight();
        if (l.tileBytes > MAX_TILE_BYTES) {
            throw new ImageException(ImageException.Kind.UNSUPPORTED, "Unsupported TIFF layout: tiles of "
                    + (l.tileBytes >> 20) + " MB");
        }
        if (l.photometric == PHOTO_PALETTE) {
            l.palette = palette(d, l);
            l.outChannels = 3;
        }
        switch (l.compression) {
            case 1, 5, 7, 8, 32946, COMPRESSION_ZSTD -> { }
            case COMPRESSION_WEBP -> {
                // As libtiff's WebP codec: 8-bit RGB or RGBA, whole tiles as WebP files.
                if (l.bits != 8 || l.sampleType != SampleType.UNSIGNED_INT || l.samplesInTile < 3
                        || l.samplesInTile > 4 || l.palette != null || planar != 1) {
                    throw new ImageException(ImageException.Kind.UNSUPPORTED, "Unsupported WebP-compressed TIFF "
                            + "layout");
                }
                l.passThroughAllowed = true;
            }
            default -> throw new ImageException(ImageException.Kind.UNSUPPORTED,
                    "Unsupported TIFF compression: " + l.compression);
        }
        l.offsets = longs(value(d, TILE_OFFSETS));
        l.byteCounts = longs(value(d, TILE_BYTE_COUNTS));
        long needed = (long) l.level.tilesAcross() * l.level.tilesDown();
        if (l.offsets.length < needed || l.byteCounts.length < needed) {
            throw new ImageException(ImageException.Kind.CORRUPT, "TIFF error: missing tile offsets");
        }
        if (l.compression == 7) {
            if (l.bits != 8) {
                throw new ImageException(ImageException.Kind.UNSUPPORTED, "Unsupported JPEG sample size");
            }
            boolean rgb = l.photometric == PHOTO_RGB;
            Object tables = value(d, JPEG_TABLES);
            byte[] prefix;
            if (tables instanceof byte[] t && t.length >= 4) {
                int body = t.length - 4; // without SOI and EOI
                int extra = rgb ? ADOBE_RGB.length : 0;
                prefix = new byte[2 + extra + body];
                prefix[0] = (byte) 0xFF;
                prefix[1] = (byte) 0xD8;
                if (rgb) {
                    System.arraycopy(ADOBE_RGB, 0, prefix, 2, extra);
                }
                System.arraycopy(t, 2, prefix, 2 + extra, body);
            } else {
                prefix = new byte[2 + (rgb ? ADOBE_RGB.length : 0)];
                prefix[0] = (byte) 0xFF;
                prefix[1] = (byte) 0xD8;
                if (rgb) {
                    System.arraycopy(ADOBE_RGB, 0, prefix, 2, ADOBE_RGB.length);
                }
            }
            l.jpegPrefix = prefix;
            boolean photoOk = l.photometric == PHOTO_MINISBLACK || l.photometric == PHOTO_RGB
                    || l.photometric == PHOTO_YCBCR;
            boolean channelsOk = l.samplesInTile == 1 || l.samplesInTile == 3;
            boolean subsampledRgb = rgb && d.getEntryById(YCBCR_SUBSAMPLING) != null;
            l.passThroughAllowed = photoOk && channelsOk && !subsampledRgb && planar == 1;
        }
        return l;
    }

    /**
     * The ColorMap of a palette image as 8-bit RGB per index. iipsrv serves palette images as their
     * raw indices (grey noise to a viewer); expanding them is a deliberate improvement. ColorMap
     * entries are 16-bit (65535 = full); files whose entries all fit in 8 bits were written by
     * tools that stored 8-bit values, and libtiff reads those as they are, so we do too.
     */
    private static byte[] palette(Directory d, TiffLevel l) throws ImageException {
        if (l.samplesInTile != 1 || l.bits > 8 || l.sampleType != SampleType.UNSIGNED_INT || l.compression == 7) {
            throw new ImageException(ImageException.Kind.UNSUPPORTED, "Unsupported palette image");
        }
        double[] map = numbers(value(d, COLOR_MAP));
        int entries = 1 << l.bits;
        if (map.length < 3 * entries) {
            throw new ImageException(ImageException.Kind.CORRUPT, "TIFF error: palette image without a full ColorMap");
        }
        boolean eightBit = true;
        for (int i = 0; i < 3 * entries; i++) {
            eightBit &= map[i] <= 255;
        }
        byte[] rgb = new byte[3 * entries];
        for (int i = 0; i < entries; i++) {
            for (int c = 0; c < 3; c++) {
                int v = (int) map[c * entries + i];
                rgb[3 * i + c] = (byte) (eightBit ? v : (v + 128) / 257);
            }
        }
        return rgb;
    }

    /**
     * The EXIF IFD of a page (tag 34665), as an Exif block the outputs embed (docs/protocols.md 10):
     * a TIFF header and an IFD0 that holds only the pointer to the EXIF IFD, written by TwelveMonkeys'
     * TIFF writer, which lays out the sub-IFD and its values itself. Null when there is none, it does
     * not fit one JPEG segment, or it cannot be written.
     */
    static byte[] exifBlock(Directory ifd0) {
        Entry exif = ifd0.getEntryById(com.twelvemonkeys.imageio.metadata.tiff.TIFF.TAG_EXIF_IFD);
        if (exif == null || !(exif.getValue() instanceof Directory)) {
            return null;
        }
        try {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            try (javax.imageio.stream.MemoryCacheImageOutputStream stream =
                    new javax.imageio.stream.MemoryCacheImageOutputStream(out)) {
                new com.twelvemonkeys.imageio.metadata.tiff.TIFFWriter().write(List.of(exif), stream);
            }
            byte[] block = out.toByteArray();
            return block.length > 8 && block.length <= 65000 ? block : null;
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    private static boolean isTiled(Directory d) {
        return d.getEntryById(TILE_WIDTH) != null && d.getEntryById(TILE_LENGTH) != null
                && d.getEntryById(TILE_OFFSETS) != null;
    }

    private static Object value(Directory d, int tag) {
        Entry e = d.getEntryById(tag);
        return e == null ? null : e.getValue();
    }

    /** The first value of a numeric tag, or NaN when absent or not a number. */
    private static double number(Directory d, int tag) {
        double[] v = numbers(value(d, tag));
        return v.length == 0 ? Double.NaN : v[0];
    }

    private static int intValue(Directory d, int tag, int dflt) {
        double[] v = numbers(value(d, tag));
        return v.length == 0 ? dflt : (int) v[0];
    }

    private static double[] numbers(Object v) {
        if (v == null) {
            return new double[0];
        }
        if (v instanceof Number n) {
            return new double[] {n.doubleValue()};
        }
        if (v.getClass().isArray()) {
            int len = Array.getLength(v);
            double[] out = new double[len];
            for (int i = 0; i < len; i++) {
                Object o = Array.get(v, i);
                if (o instanceof Number n) {
                    out[i] = n.doubleValue();
                } else {
                    return new double[0];
                }
            }
            if (v instanceof byte[]) {
                for (int i = 0; i < len; i++) {
                    out[i] = ((byte[]) v)[i] & 0xff;
                }
            }
            return out;
        }
        return new double[0];
    }

    private static long[] longs(Object v) throws ImageException {
        if (v instanceof long[] a) {
            return a;
        }
        if (v instanceof int[] a) {
            long[] out = new long[a.length];
            for (int i = 0; i < a.length; i++) {
                out[i] = a[i] & 0xffffffffL;
            }
            return out;
        }
        if (v instanceof Number n) {
            return new long[] {n.longValue()};
        }
        if (v != null && v.getClass().isArray()) {
            double[] d = numbers(v);
            long[] out = new long[d.length];
            for (int i = 0; i < d.length; i++) {
                out[i] = (long) d[i];
            }
            return out;
        }
        throw new ImageException(ImageException.Kind.CORRUPT, "TIFF error: missing tile offsets");
    }

    private static double[] perChannel(double[] values, int channels, double dflt) {
        double[] out = new double[channels];
        for (int c = 0; c < channels; c++) {
            out[c] = values.length == 0 ? dflt : values.length > c ? values[c] : values[0];
        }
        return out;
    }

    /** A text tag's value without trailing NULs, or null when absent or empty. */
    private static String text(Object v) {
        Map<String, String> one = new HashMap<>(1);
        putText(one, "v", v);
        return one.get("v");
    }

    private static void putText(Map<String, String> metadata, String key, Object v) {
        String s;
        if (v instanceof String str) {
            s = str;
        } else if (v instanceof String[] arr) {
            s = String.join("\n", arr);
        } else if (v instanceof byte[] b) {
            s = new String(b, StandardCharsets.UTF_8);
        } else {
            return;
        }
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == '\0') {
            end--;
        }
        s = s.substring(0, end);
        if (!s.isEmpty()) {
            metadata.put(key, s);
        }
    }

    /** C printf {@code %g}. */
    static String formatG(double v) {
        if (v == 0) {
            return "0";
        }
        if (Double.isNaN(v)) {
            return "nan";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        BigDecimal bd = new BigDecimal(v).round(new MathContext(6));
        int exp = bd.precision() - bd.scale() - 1;
        if (exp < -4 || exp >= 6) {
            BigDecimal mant = bd.movePointLeft(exp).stripTrailingZeros();
            String m = mant.toPlainString();
            return m + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
        }
        String s = bd.stripTrailingZeros().toPlainString();
        return s;
    }
}

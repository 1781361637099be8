package io.github.iipservlet.image.tiff;

import io.github.iipservlet.codec.NativeCodecs;
import io.github.iipservlet.codec.NativeImage;
import io.github.iipservlet.codec.TurboJpeg;
import com.twelvemonkeys.imageio.metadata.CompoundDirectory;
import com.twelvemonkeys.imageio.metadata.Directory;
import com.twelvemonkeys.imageio.metadata.Entry;
import com.twelvemonkeys.imageio.metadata.tiff.IFD;
import com.twelvemonkeys.imageio.metadata.tiff.TIFFReader;
import com.twelvemonkeys.imageio.stream.ByteArrayImageInputStream;
import io.github.iipservlet.image.ColourSpace;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.image.Level;
import io.github.iipservlet.image.PixelBlock;
import io.github.iipservlet.image.PyramidReader;
import io.github.iipservlet.image.SampleType;
import io.github.iipservlet.image.StackItem;
import io.github.iipservlet.parallel.Workers;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.io.IOException;
import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.DataFormatException;
import javax.imageio.ImageReader;
import javax.imageio.stream.FileImageInputStream;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Tiled pyramidal TIFF (classic or BigTIFF, either byte order, multi-IFD or SubIFD pyramids)
 * read with an own tile decoder. IFDs are parsed once at open; tiles are read with positional
 * reads on one {@link FileChannel}, so one instance serves many threads at once.
 */
public final class TiffPyramidReader implements PyramidReader {
    private static final Logger LOG = LogManager.getLogger(TiffPyramidReader.class);

    // Tags
    private static final int NEW_SUBFILE_TYPE = 254;
    private static final int IMAGE_WIDTH = 256;
    private static final int IMAGE_LENGTH = 257;
    private static final int BITS_PER_SAMPLE = 258;
    private static final int COMPRESSION = 259;
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
    /** Most channels per pixel read (multispectral bands come as separate files, spec 9.5). */
    private static final int MAX_CHANNELS = 64;

    // Photometric interpretations
    private static final int PHOTO_MINISWHITE = 0;
    private static final int PHOTO_MINISBLACK = 1;
    private static final int PHOTO_RGB = 2;
    private static final int PHOTO_PALETTE = 3;
    private static final int PHOTO_YCBCR = 6;
    private static final int PHOTO_CIELAB = 8;

    /** Adobe APP14, version 100, no flags, transform 0 (no colour conversion). */
    private static final byte[] ADOBE_RGB = {
        (byte) 0xFF, (byte) 0xEE, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0
    };


    /** Everything needed to decode the tiles of one pyramid level, parsed once. */
    private static final class LevelData {
        Level level;
        long[] offsets;
        long[] byteCounts;
        int compression;
        int predictor;
        int photometric;
        /** Samples per pixel as stored in one tile (1 for planar-separate). */
        int samplesInTile;
        /** Samples we hand out per pixel. */
        int outChannels;
        int bits;
        SampleType sampleType;
        /** SOI (+ Adobe marker) + JPEGTables without its SOI and EOI; null unless JPEG. */
        byte[] jpegPrefix;
        boolean passThroughAllowed;
        /** Palette images: RGB of each index, 3 bytes per entry; null otherwise. */
        byte[] palette;
        /** Bytes of one decoded tile as stored (before unpacking). */
        long tileBytes;

        /**
         * The most a stored tile may take: twice its decoded size and some, far beyond what any
         * compression makes of real data, so a damaged byte count is refused before it is allocated.
         */
        long maxStoredBytes() {
            return 2 * tileBytes + 65536;
        }
    }

    private final FileChannel channel;
    /** The file's size when it was opened: no tile reaches past it. */
    private final long fileSize;
    /** The context's codecs: libjpeg-turbo and libdeflate handles, native buffers, scratch arrays. */
    private final NativeCodecs codecs;
    private final ImageInfo info;
    private final LevelData[] levels;
    private final boolean bigEndian;
    /** The pages of a stack, shared by the readers of all its pages; null for a single image. */
    private final Pages pages;
    /** Only the reader of page 0 closes the file; the other pages' readers share it. */
    private final boolean ownsChannel;

    /** A stack's items and, per page, its reader or the reason it cannot be read. */
    private static final class Pages {
        final List<StackItem> items;
        final Object[] readers;

        Pages(List<StackItem> items, int count) {
            this.items = items;
            this.readers = new Object[count];
        }
    }

    /** One page's levels and what the protocols see of it. */
    private record Pyramid(ImageInfo info, LevelData[] levels) {
    }

    private TiffPyramidReader(FileChannel channel, NativeCodecs codecs, Pyramid pyramid, boolean bigEndian,
            Pages pages, boolean ownsChannel) throws IOException {
        this.channel = channel;
        this.fileSize = channel.size();
        this.codecs = codecs;
        this.info = pyramid.info;
        this.levels = pyramid.levels;
        this.bigEndian = bigEndian;
        this.pages = pages;
        this.ownsChannel = ownsChannel;
    }

    /** Opens a tiled TIFF; parses all IFDs once. Tiles are decoded with the context's codecs. */
    public static TiffPyramidReader open(Path file, NativeCodecs codecs) throws ImageException {
        FileChannel channel;
        long lastModified;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
            lastModified = Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            LOG.debug("Cannot open {}: {}", file, e.toString());
            throw new ImageException(ImageException.Kind.NOT_FOUND, "Unable to open file", e);
        }
        try {
            ByteBuffer head = ByteBuffer.allocate(4);
            readFully(channel, head, 0);
            byte b0 = head.get(0);
            byte b1 = head.get(1);
            boolean bigEndian;
            if (b0 == 'I' && b1 == 'I') {
                bigEndian = false;
            } else if (b0 == 'M' && b1 == 'M') {
                bigEndian = true;
            } else {
                throw new ImageException(ImageException.Kind.UNSUPPORTED, "Not a TIFF file");
            }
            Directory root;
            try (FileImageInputStream in = new FileImageInputStream(file.toFile())) {
                root = new TIFFReader().read(in);
            }
            List<Directory> top = new ArrayList<>();
            if (root instanceof CompoundDirectory c) {
                for (int i = 0; i < c.directoryCount(); i++) {
                    top.add(c.getDirectory(i));
                }
            } else {
                top.add(root);
            }
            TiffPyramidReader reader = build(channel, codecs, top, bigEndian, lastModified);
            LOG.debug("Opened {}: {} levels, {} stack pages", file, reader.levels.length, reader.stack().size());
            return reader;
        } catch (ImageException e) {
            closeQuietly(channel);
            LOG.debug("Cannot read {}: {}", file, e.getMessage());
            throw e;
        } catch (IOException | RuntimeException | StackOverflowError e) {
            // A stack overflow: SubIFDs nested deeper than any writer nests them.
            closeQuietly(channel);
            LOG.debug("Cannot parse {}", file, e);
            throw new ImageException(ImageException.Kind.CORRUPT, "TIFF error: unreadable file structure", e);
        }
    }

    /**
     * Finds the pyramid (spec 9.2) or the stack of pyramids (spec 9.4) in the top-level IFDs:
     * <ul>
     * <li>a first IFD with reduced-resolution SubIFDs is a SubIFD pyramid; when it is also a page
     * (NewSubfileType 2), every top-level page is a stack page with its own SubIFD levels;</li>
     * <li>a first IFD that is a page, followed by one of exactly its size, starts a stack of
     * single-level pages (a plain multi-page TIFF);</li>
     * <li>otherwise every later tiled top-level IFD is a further level (untiled thumbnails and
     * labels are skipped), largest first.</li>
     * </ul>
     */
    private static TiffPyramidReader build(FileChannel channel, NativeCodecs codecs, List<Directory> top,
            boolean bigEndian, long lastModified) throws ImageException, IOException {
        Directory ifd0 = top.get(0);
        if (!hasTiles(ifd0)) {
            throw new ImageException(ImageException.Kind.UNSUPPORTED, "Image is not tiled");
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
            return new TiffPyramidReader(channel, codecs, pyramid(dirs, lastModified), bigEndian, null, true);
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
        Pages pages = new Pages(List.copyOf(items), pageDirs.size());
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
                pages.readers[i] = new TiffPyramidReader(channel, codecs, pyramid(dirs, lastModified), bigEndian, pages,
                        i == 0);
            } catch (ImageException e) {
                if (i == 0) {
                    throw e;
                }
                // One damaged page must not hide the others: it fails when it is asked for.
                pages.readers[i] = e;
            }
        }
        return (TiffPyramidReader) pages.readers[0];
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
    private static Pyramid pyramid(List<Directory> dirs, long lastModified) throws ImageException {
        Directory ifd0 = dirs.get(0);
        LevelData[] levels = new LevelData[dirs.size()];
        for (int i = 0; i < levels.length; i++) {
            // vips writes SampleFormat on the first directory only: the other levels inherit it (as iipsrv reads it once).
            levels[i] = parseLevel(dirs.get(i), intValue(dirs.get(0), SAMPLE_FORMAT, 1));
            if (i > 0 && !fitsBelow(levels[i], levels[i - 1])) {
                throw new ImageException(ImageException.Kind.CORRUPT, "TIFF error: inconsistent pyramid levels");
            }
        }
        LevelData first = levels[0];
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
        for (LevelData l : levels) {
            levelList.add(l.level);
        }
        ImageInfo info = new ImageInfo("tiff", levelList, channels, bits, first.sampleType, cs, min, max, metadata,
                xres.length > 0 ? xres[0] : 0, yres.length > 0 ? yres[0] : 0, iipUnit, iccProfile, lastModified);
        return new Pyramid(info, levels);
    }

    /** A level can follow another in a pyramid: no larger, with the same kind of samples. */
    private static boolean fitsBelow(LevelData l, LevelData above) {
        return l.level.width() <= above.level.width() && l.level.height() <= above.level.height()
                && l.outChannels == above.outChannels && l.bits == above.bits && l.sampleType == above.sampleType
                && (l.palette == null) == (above.palette == null);
    }

    /**
     * One level's layout, checked against what a file can hold and what we decode before anything
     * is allocated from it: a damaged file is refused here, never by an exception at render time.
     */
    private static LevelData parseLevel(Directory d, int defaultSampleFormat) throws ImageException {
        LevelData l = new LevelData();
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
            case 1, 5, 7, 8, 32946 -> { }
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
    private static byte[] palette(Directory d, LevelData l) throws ImageException {
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

    @Override
    public ImageInfo info() {
        return info;
    }

    private LevelData level(int level) throws ImageException {
        if (level < 0 || level >= levels.length) {
            throw new ImageException(ImageException.Kind.NOT_FOUND, "Asked for non-existent resolution: " + level);
        }
        return levels[level];
    }

    private static void checkTile(LevelData l, int tile) throws ImageException {
        if (tile < 0 || tile >= l.level.tileCount()) {
            throw new ImageException(ImageException.Kind.NOT_FOUND, "Asked for non-existent tile: " + tile);
        }
    }

    @Override
    public byte[] readJpegTile(int level, int tile) throws ImageException {
        LevelData l = level(level);
        checkTile(l, tile);
        if (l.compression != 7 || !l.passThroughAllowed) {
            return null;
        }
        Level lv = l.level;
        int col = tile % lv.tilesAcross();
        int row = tile / lv.tilesAcross();
        if (col == lv.tilesAcross() - 1 && lv.width() % lv.tileWidth() != 0
                || row == lv.tilesDown() - 1 && lv.height() % lv.tileHeight() != 0) {
            return null;
        }
        byte[] raw = readRaw(l, tile);
        if (raw.length == 0) {
            return null;
        }
        return jpegStream(l, raw);
    }

    /** The tile's complete JPEG stream (shared tables and its own), checked to be one (JpegTileCheck). */
    private static byte[] jpegStream(LevelData l, byte[] raw) throws ImageException {
        checkJpegTile(l, raw);
        byte[] prefix = l.jpegPrefix;
        byte[] out = new byte[prefix.length + raw.length - 2];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        System.arraycopy(raw, 2, out, prefix.length, raw.length - 2);
        return out;
    }

    @Override
    public PixelBlock readTile(int level, int tile) throws ImageException {
        LevelData l = level(level);
        checkTile(l, tile);
        Level lv = l.level;
        int col = tile % lv.tilesAcross();
        int row = tile / lv.tilesAcross();
        int outW = lv.tileWidthAt(col);
        int outH = lv.tileHeightAt(row);
        byte[] raw = readRaw(l, tile);
        if (l.compression == 7) {
            return decodeJpeg(l, raw, outW, outH);
        }
        int tw = lv.tileWidth();
        int th = lv.tileHeight();
        int spp = l.samplesInTile;
        int rowBytes = (int) (((long) tw * spp * l.bits + 7) / 8);
        long size = (long) rowBytes * th;
        if (size > Integer.MAX_VALUE - 16) {
            throw new ImageException(ImageException.Kind.UNSUPPORTED, "Tile too large");
        }
        byte[] data;
        if (raw.length == 0) {
            data = new byte[(int) size];
        } else {
            data = decompress(l.compression, raw, (int) size);
        }
        return unpack(l, data, tw, th, rowBytes, outW, outH);
    }

    private byte[] readRaw(LevelData l, int tile) throws ImageException {
        long offset = l.offsets[tile];
        long count = l.byteCounts[tile];
        // Checked before anything is allocated: a damaged count claimed hundreds of MB.
        if (count < 0 || offset < 0 || count > fileSize - offset || count > l.maxStoredBytes()) {
            throw new ImageException(ImageException.Kind.CORRUPT, "TIFF error: bad tile byte count");
        }
        byte[] buf = new byte[(int) count];
        try {
            readFully(channel, ByteBuffer.wrap(buf), offset);
        } catch (IOException e) {
            throw new ImageException(ImageException.Kind.CORRUPT, "TIFF error: cannot read tile " + tile, e);
        }
        return buf;
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            pos += n;
        }
    }

    private byte[] decompress(int compression, byte[] raw, int size) throws ImageException {
        switch (compression) {
            case 1:
                if (raw.length >= size) {
                    return raw;
                }
                throw new ImageException(ImageException.Kind.CORRUPT, "TIFF error: short tile");
            case 8:
            case 32946: {
                byte[] out = new byte[size];
                try {
                    codecs.inflate().decompress(raw, out);
                } catch (DataFormatException e) {
                    throw new ImageException(ImageException.Kind.CORRUPT, "TIFF error: bad deflate data", e);
                }
                return out;
            }
            case 5: {
                byte[] out = new byte[size];
                try {
                    int n = Lzw.decode(raw, out);
                    if (n < size) {
                        throw new ImageException(ImageException.Kind.CORRUPT, "TIFF error: short LZW tile");
                    }
                } catch (IllegalStateException e) {
                    throw new ImageException(ImageException.Kind.CORRUPT, "TIFF error: " + e.getMessage(), e);
                }
                return out;
            }
            default:
                throw new ImageException(ImageException.Kind.UNSUPPORTED, "Unsupported TIFF compression");
        }
    }

    /** Turns decompressed bytes of a full stored tile into a cropped pixel block. */
    private PixelBlock unpack(LevelData l, byte[] data, int tw, int th, int rowBytes, int outW, int outH)
            throws ImageException {
        int spp = l.samplesInTile;
        int bits = l.bits;
        boolean minIsWhite = l.photometric == PHOTO_MINISWHITE;
        if (l.palette != null) {
            return expandPalette(l, data, tw, th, rowBytes, outW, outH);
        }
        if (bits == 8) {
            if (l.predictor == 2) {
                undoBytePredictor(data, tw, th, spp, rowBytes);
            }
            byte[] out = cropBytes(data, tw, th, spp, outW, outH);
            if (minIsWhite) {
                for (int i = 0; i < out.length; i++) {
                    out[i] = (byte) ~out[i];
                }
            }
            return new PixelBlock(outW, outH, spp, 8, l.sampleType == SampleType.FLOAT ? SampleType.UNSIGNED_INT
                    : l.sampleType, out);
        }
        if (bits == 16) {
            int n = tw * th * spp;
            short[] s = new short[n];
            ByteBuffer.wrap(data).order(bigEndian ? java.nio.ByteOrder.BIG_ENDIAN : java.nio.ByteOrder.LITTLE_ENDIAN)
                    .asShortBuffer().get(s, 0, n);
            if (l.predictor == 2) {
                int rowLen = tw * spp;
                for (int y = 0; y < th; y++) {
                    int base = y * rowLen;
                    int end = base + rowLen;
                    for (int i = base + spp; i < end; i++) {
                        s[i] += s[i - spp];
                    }
                }
            }
            if (minIsWhite) {
                for (int i = 0; i < n; i++) {
                    s[i] = (short) ~s[i];
                }
            }
            short[] out = (short[]) crop(s, tw, th, spp, outW, outH);
            return new PixelBlock(outW, outH, spp, 16, l.sampleType, out);
        }
        if (bits == 32) {
            int n = tw * th * spp;
            int[] v = new int[n];
            if (l.predictor == 3) {
                if (l.sampleType != SampleType.FLOAT) {
                    throw new ImageException(ImageException.Kind.UNSUPPORTED, "Predictor 3 needs float samples");
                }
                int rowLen = tw * spp;
                int rowB = rowLen * 4;
                for (int y = 0; y < th; y++) {
                    int base = y * rowB;
                    int end = base + rowB;
                    for (int i = base + spp; i < end; i++) {
                        data[i] += data[i - spp];
                    }
                    int o = y * rowLen;
                    for (int i = 0; i < rowLen; i++) {
                        v[o + i] = (data[base + i] & 0xff) << 24 | (data[base + rowLen + i] & 0xff) << 16
                                | (data[base + 2 * rowLen + i] & 0xff) << 8 | (data[base + 3 * rowLen + i] & 0xff);
                    }
                }
            } else {
                ByteBuffer.wrap(data).order(bigEndian ? java.nio.ByteOrder.BIG_ENDIAN
                        : java.nio.ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(v, 0, n);
                if (l.predictor == 2) {
                    int rowLen = tw * spp;
                    for (int y = 0; y < th; y++) {
                        int base = y * rowLen;
                        int end = base + rowLen;
                        for (int i = base + spp; i < end; i++) {
                            v[i] += v[i - spp];
                        }
                    }
                }
            }
            if (l.sampleType == SampleType.FLOAT) {
                float[] out = new float[outW * outH * spp];
                int rowLen = outW * spp;
                for (int y = 0; y < outH; y++) {
                    int src = y * tw * spp;
                    int dst = y * rowLen;
                    for (int i = 0; i < rowLen; i++) {
                        out[dst + i] = Float.intBitsToFloat(v[src + i]);
                    }
                }
                return new PixelBlock(outW, outH, spp, 32, SampleType.FLOAT, out);
            }
            if (minIsWhite) {
                for (int i = 0; i < n; i++) {
                    v[i] = ~v[i];
                }
            }
            int[] out = (int[]) crop(v, tw, th, spp, outW, outH);
            return new PixelBlock(outW, outH, spp, 32, l.sampleType, out);
        }
        // Odd depths: 1, 2, 4, 6 bit (one channel, or several for 1 bit) to 8 bit; 9 to 15 bit to 16 bit.
        int n = outW * outH * spp;
        int maxIn = (1 << bits) - 1;
        if (bits < 8) {
            byte[] out = new byte[n];
            int o = 0;
            for (int y = 0; y < outH; y++) {
                long bitPos = (long) y * rowBytes * 8;
                for (int i = 0; i < outW * spp; i++) {
                    int v = readBits(data, bitPos, bits);
                    bitPos += bits;
                    if (minIsWhite) {
                        v = maxIn - v;
                    }
                    out[o++] = (byte) (v * 255 / maxIn);
                }
            }
            return new PixelBlock(outW, outH, spp, 8, SampleType.UNSIGNED_INT, out);
        }
        short[] out = new short[n];
        int o = 0;
        for (int y = 0; y < outH; y++) {
            long bitPos = (long) y * rowBytes * 8;
            for (int i = 0; i < outW * spp; i++) {
                int v = readBits(data, bitPos, bits);
                bitPos += bits;
                if (minIsWhite) {
                    v = maxIn - v;
                }
                // bit replication to 16 bits
                int r = v << (16 - bits) | v >>> (2 * bits - 16);
                out[o++] = (short) r;
            }
        }
        return new PixelBlock(outW, outH, spp, 16, SampleType.UNSIGNED_INT, out);
    }

    /** The indices of a palette tile (1 to 8 bits) looked up as 8-bit RGB. */
    private static PixelBlock expandPalette(LevelData l, byte[] data, int tw, int th, int rowBytes, int outW,
            int outH) {
        if (l.bits == 8 && l.predictor == 2) {
            undoBytePredictor(data, tw, th, 1, rowBytes);
        }
        byte[] lut = l.palette;
        byte[] out = new byte[outW * outH * 3];
        int o = 0;
        for (int y = 0; y < outH; y++) {
            long bitPos = (long) y * rowBytes * 8;
            for (int x = 0; x < outW; x++) {
                int index = l.bits == 8 ? data[y * rowBytes + x] & 0xff : readBits(data, bitPos, l.bits);
                bitPos += l.bits;
                out[o++] = lut[3 * index];
                out[o++] = lut[3 * index + 1];
                out[o++] = lut[3 * index + 2];
            }
        }
        return PixelBlock.ofBytes(outW, outH, 3, out);
    }

    private static int readBits(byte[] data, long bitPos, int bits) {
        int v = 0;
        for (int k = 0; k < bits; k++) {
            long p = bitPos + k;
            int b = (data[(int) (p >>> 3)] >>> (7 - (int) (p & 7))) & 1;
            v = v << 1 | b;
        }
        return v;
    }

    /**
     * Horizontal differencing of 8-bit samples undone in place. RGB keeps one running sum per channel
     * in a register rather than re-reading the previous pixel: three times faster than the plain loop.
     */
    static void undoBytePredictor(byte[] data, int tw, int th, int spp, int rowBytes) {
        for (int y = 0; y < th; y++) {
            int base = y * rowBytes;
            int end = base + tw * spp;
            if (spp == 3) {
                byte r = data[base];
                byte g = data[base + 1];
                byte b = data[base + 2];
                for (int i = base + 3; i < end; i += 3) {
                    r += data[i];
                    g += data[i + 1];
                    b += data[i + 2];
                    data[i] = r;
                    data[i + 1] = g;
                    data[i + 2] = b;
                }
            } else if (spp == 1) {
                byte v = data[base];
                for (int i = base + 1; i < end; i++) {
                    v += data[i];
                    data[i] = v;
                }
            } else {
                for (int i = base + spp; i < end; i++) {
                    data[i] += data[i - spp];
                }
            }
        }
    }

    private static byte[] cropBytes(byte[] data, int tw, int th, int spp, int outW, int outH) {
        int n = outW * outH * spp;
        if (outW == tw && data.length == n) {
            return data;
        }
        if (outW == tw) {
            return java.util.Arrays.copyOf(data, n);
        }
        byte[] out = new byte[n];
        int run = outW * spp;
        int stride = tw * spp;
        for (int y = 0; y < outH; y++) {
            System.arraycopy(data, y * stride, out, y * run, run);
        }
        return out;
    }

    private static Object crop(Object data, int tw, int th, int spp, int outW, int outH) {
        if (outW == tw && outH == th) {
            return data;
        }
        int n = outW * outH * spp;
        Object out = Array.newInstance(data.getClass().getComponentType(), n);
        int run = outW * spp;
        int stride = tw * spp;
        if (outW == tw) {
            System.arraycopy(data, 0, out, 0, n);
            return out;
        }
        for (int y = 0; y < outH; y++) {
            System.arraycopy(data, y * stride, out, y * run, run);
        }
        return out;
    }

    /**
     * Regions of JPEG-compressed 8-bit levels: each tile is decoded by libjpeg-turbo into a reused
     * scratch buffer and only the rows the region needs are copied out, so a region request
     * allocates its own pixels and nothing per tile (measured: the per-tile buffers were half the
     * garbage of a 512x512 region request, and G1's work on them about a tenth of its CPU).
     * Other levels, and tiles libjpeg-turbo does not take, go through {@link #readTile}.
     */
    @Override
    public PixelBlock readRegion(int level, int x, int y, int width, int height) throws ImageException {
        LevelData l = level(level);
        Level lv = l.level;
        TurboJpeg turbo = codecs.turboJpeg();
        if (l.compression != 7 || l.bits != 8 || turbo == null) {
            return PyramidReader.super.readRegion(level, x, y, width, height);
        }
        List<Level.TilePart> parts = lv.cover(x, y, width, height);
        int ch = l.samplesInTile;
        int tw = lv.tileWidth();
        int th = lv.tileHeight();
        byte[] out = new byte[width * height * ch];
        byte[] scratch = codecs.takeScratch(tw * th * ch);
        try {
            for (Level.TilePart part : parts) {
                byte[] src = scratch;
                int srcWidth = tw;
                byte[] raw = readRaw(l, part.tile());
                boolean decoded;
                try {
                    decoded = raw.length > 0 && turbo.decodeInto(jpegStream(l, raw), scratch, tw, th, ch);
                } catch (IllegalArgumentException e) {
                    throw new ImageException(ImageException.Kind.CORRUPT, "TIFF error: bad JPEG tile", e);
                }
                if (!decoded) {
                    PixelBlock t = readTile(level, part.tile());
                    src = t.bytes();
                    srcWidth = t.width;
                }
                for (int r = 0; r < part.h(); r++) {
                    System.arraycopy(src, ((part.sy() + r) * srcWidth + part.sx()) * ch, out,
                            ((part.dy() + r) * width + part.dx()) * ch, part.w() * ch);
                }
            }
        } finally {
            codecs.giveScratch(scratch);
        }
        return PixelBlock.ofBytes(width, height, ch, out);
    }

    /**
     * 8-bit levels stored as JPEG (decoded by libjpeg-turbo) or deflate (inflated by libdeflate,
     * predictor undone in place), grey or RGB: the region assembled in native memory for an
     * encoder that reads it there, each tile decoded straight into its place, a row of tiles per
     * chunk of {@code workers}. Null for other levels, without the native libraries, or when a
     * tile is of a kind these decoders do not take (a sparse tile, another size): the caller then
     * reads the region through {@link #readRegion}.
     */
    @Override
    public NativeImage readRegionNative(int level, int x, int y, int width, int height, Workers workers)
            throws ImageException {
        LevelData l = level(level);
        Level lv = l.level;
        TurboJpeg turbo = codecs.turboJpeg();
        boolean jpeg = l.compression == 7;
        boolean deflate = (l.compression == 8 || l.compression == 32946)
                && (l.photometric == PHOTO_MINISBLACK || l.photometric == PHOTO_RGB) && l.predictor != 3;
        if (!(jpeg || deflate) || l.bits != 8 || l.samplesInTile != 1 && l.samplesInTile != 3 || turbo == null) {
            return null;
        }
        List<List<Level.TilePart>> rows = tileRows(lv.cover(x, y, width, height));
        int ch = l.samplesInTile;
        NativeImage image = codecs.image(width, height, ch);
        boolean done = false;
        try {
            java.util.concurrent.atomic.AtomicBoolean unsupported = new java.util.concurrent.atomic.AtomicBoolean();
            workers.run(rows.size(), i -> {
                try (NativeImage tile = deflate ? codecs.image(lv.tileWidth(), lv.tileHeight(), ch) : null) {
                    for (Level.TilePart p : rows.get(i)) {
                        if (unsupported.get()) {
                            return;
                        }
                        byte[] raw = readRaw(l, p.tile());
                        boolean decoded = jpeg ? decodeJpegRect(turbo, l, raw, p, image)
                                : inflateRect(l, raw, tile, p, image);
                        if (!decoded) {
                            unsupported.set(true);
                        }
                    }
                }
            });
            if (unsupported.get()) {
                return null;
            }
            done = true;
            return image;
        } catch (Workers.ChunkException e) {
            if (e.getCause() instanceof ImageException ie) {
                throw ie;
            }
            throw e;
        } finally {
            if (!done) {
                image.close();
            }
        }
    }

    /** The parts of a cover grouped by tile row (a cover lists them row by row). */
    private static List<List<Level.TilePart>> tileRows(List<Level.TilePart> parts) {
        List<List<Level.TilePart>> rows = new ArrayList<>();
        List<Level.TilePart> row = null;
        for (Level.TilePart p : parts) {
            if (row == null || row.get(0).dy() != p.dy()) {
                row = new ArrayList<>();
                rows.add(row);
            }
            row.add(p);
        }
        return rows;
    }

    private static boolean decodeJpegRect(TurboJpeg turbo, LevelData l, byte[] raw, Level.TilePart p,
            NativeImage dst) throws ImageException {
        if (raw.length == 0) {
            return false; // a sparse tile: the Java path makes it black
        }
        checkJpegTile(l, raw);
        try {
            return turbo.decodeRect(l.jpegPrefix, raw, l.level.tileWidth(), l.level.tileHeight(), p.sx(), p.sy(),
                    p.w(), p.h(), dst, p.dx(), p.dy());
        } catch (IllegalArgumentException e) {
            throw new ImageException(ImageException.Kind.CORRUPT, "TIFF error: bad JPEG tile", e);
        }
    }

    /**
     * A stored deflate tile inflated into native memory, and its part {@code p} copied to its place
     * in {@code dst}. A horizontal predictor is undone on a pooled Java array between two bulk
     * copies: on a direct buffer the same loop ran three times slower.
     */
    private boolean inflateRect(LevelData l, byte[] raw, NativeImage tile, Level.TilePart p, NativeImage dst)
            throws ImageException {
        if (raw.length == 0) {
            return false;
        }
        try {
            if (!codecs.inflate().decompress(raw, tile)) {
                return false;
            }
        } catch (DataFormatException e) {
            throw new ImageException(ImageException.Kind.CORRUPT, "TIFF error: bad deflate data", e);
        }
        int pitch = tile.width * tile.channels;
        if (l.predictor != 2) {
            tile.copyTo(p.sx(), p.sy(), p.w(), p.h(), dst, p.dx(), p.dy());
            return true;
        }
        byte[] scratch = codecs.takeScratch(tile.byteCount());
        try {
            int rows = p.sy() + p.h();
            tile.pixels().get(0, scratch, 0, rows * pitch);
            undoBytePredictor(scratch, tile.width, rows, tile.channels, pitch);
            dst.copyRows(scratch, p.sy() * pitch + p.sx() * tile.channels, pitch, p.w() * tile.channels, p.h(),
                    p.dx(), p.dy());
        } finally {
            codecs.giveScratch(scratch);
        }
        return true;
    }

    private static void checkJpegTile(LevelData l, byte[] raw) throws ImageException {
        if (!JpegTileCheck.decodable(l.jpegPrefix, raw, l.level.tileWidth(), l.level.tileHeight(),
                l.samplesInTile)) {
            throw new ImageException(ImageException.Kind.CORRUPT, "TIFF error: bad JPEG tile");
        }
    }

    /** libjpeg-turbo's decode when it is installed and suits the stream, else null (ImageIO decodes). */
    private PixelBlock decodeWithTurboJpeg(LevelData l, byte[] stream, int outW, int outH) throws ImageException {
        TurboJpeg turbo = codecs.turboJpeg();
        if (turbo == null) {
            return null;
        }
        int channels = l.samplesInTile;
        TurboJpeg.Decoded d;
        try {
            d = turbo.decode(stream, l.level.tileWidth(), l.level.tileHeight());
        } catch (IllegalArgumentException e) {
            throw new ImageException(ImageException.Kind.CORRUPT, "TIFF error: bad JPEG tile", e);
        }
        if (d == null || d.channels() != channels) {
            return null;
        }
        if (d.width() < outW || d.height() < outH) {
            throw new ImageException(ImageException.Kind.CORRUPT, "TIFF error: JPEG tile smaller than the tile");
        }
        if (d.width() == outW && d.height() == outH) {
            return PixelBlock.ofBytes(outW, outH, channels, d.pixels());
        }
        return PixelBlock.ofBytes(outW, outH, channels, cropBytes(d.pixels(), d.width(), d.height(), channels, outW,
                outH));
    }

    private PixelBlock decodeJpeg(LevelData l, byte[] raw, int outW, int outH) throws ImageException {
        int channels = l.samplesInTile;
        if (raw.length == 0) {
            return PixelBlock.ofBytes(outW, outH, channels, new byte[outW * outH * channels]);
        }
        byte[] stream = jpegStream(l, raw);
        PixelBlock fast = decodeWithTurboJpeg(l, stream, outW, outH);
        if (fast != null) {
            return fast;
        }
        ImageReader reader = codecs.takeJdkJpegReader();
        boolean healthy = false;
        BufferedImage img;
        try (ByteArrayImageInputStream in = new ByteArrayImageInputStream(stream)) {
            reader.setInput(in, true, true);
            img = reader.read(0);
            healthy = true;
        } catch (IOException | RuntimeException e) {
            throw new ImageException(ImageException.Kind.CORRUPT, "TIFF error: bad JPEG tile", e);
        } finally {
            reader.setInput(null);
            codecs.giveJdkJpegReader(reader, healthy);
        }
        if (img.getWidth() < outW || img.getHeight() < outH) {
            throw new ImageException(ImageException.Kind.CORRUPT, "TIFF error: JPEG tile smaller than the tile");
        }
        Raster raster = img.getRaster();
        int bands = raster.getNumBands();
        if (bands != channels || !(raster.getDataBuffer() instanceof DataBufferByte)
                || !(raster.getSampleModel() instanceof ComponentSampleModel)) {
            // Unusual layout: go through the generic path.
            byte[] out = new byte[outW * outH * channels];
            int[] px = new int[channels];
            int o = 0;
            boolean rgbImage = img.getType() != BufferedImage.TYPE_BYTE_GRAY && channels == 3;
            for (int y = 0; y < outH; y++) {
                for (int x = 0; x < outW; x++) {
                    if (rgbImage) {
                        int argb = img.getRGB(x, y);
                        out[o++] = (byte) (argb >> 16);
                        out[o++] = (byte) (argb >> 8);
                        out[o++] = (byte) argb;
                    } else {
                        raster.getPixel(x, y, px);
                        for (int c = 0; c < channels; c++) {
                            out[o++] = (byte) px[c];
                        }
                    }
                }
            }
            return PixelBlock.ofBytes(outW, outH, channels, out);
        }
        ComponentSampleModel sm = (ComponentSampleModel) raster.getSampleModel();
        byte[] src = ((DataBufferByte) raster.getDataBuffer()).getData();
        int stride = sm.getScanlineStride();
        int pixStride = sm.getPixelStride();
        int[] bandOffsets = sm.getBandOffsets();
        int w = img.getWidth();
        if (channels == 1) {
            if (stride == outW && pixStride == 1 && bandOffsets[0] == 0 && src.length == outW * outH) {
                return PixelBlock.ofBytes(outW, outH, 1, src);
            }
            byte[] out = new byte[outW * outH];
            for (int y = 0; y < outH; y++) {
                System.arraycopy(src, y * stride + bandOffsets[0], out, y * outW, outW);
            }
            return PixelBlock.ofBytes(outW, outH, 1, out);
        }
        int o0 = bandOffsets[0];
        int o1 = bandOffsets[1];
        int o2 = bandOffsets[2];
        if (w == outW && pixStride == 3 && stride == w * 3 && o0 == 2 && o1 == 1 && o2 == 0
                && src.length == outW * outH * 3) {
            // BGR in place to RGB
            for (int i = 0; i < src.length; i += 3) {
                byte t = src[i];
                src[i] = src[i + 2];
                src[i + 2] = t;
            }
            return PixelBlock.ofBytes(outW, outH, 3, src);
        }
        byte[] out = new byte[outW * outH * 3];
        int o = 0;
        for (int y = 0; y < outH; y++) {
            int p = y * stride;
            for (int x = 0; x < outW; x++, p += pixStride) {
                out[o++] = src[p + o0];
                out[o++] = src[p + o1];
                out[o++] = src[p + o2];
            }
        }
        return PixelBlock.ofBytes(outW, outH, 3, out);
    }

    @Override
    public List<StackItem> stack() {
        return pages == null ? List.of() : pages.items;
    }

    @Override
    public PyramidReader page(int index) throws ImageException {
        if (pages == null) {
            return PyramidReader.super.page(index);
        }
        if (index < 0 || index >= pages.readers.length) {
            throw new ImageException(ImageException.Kind.NOT_FOUND, "Asked for non-existent page: " + index);
        }
        Object page = pages.readers[index];
        if (page instanceof ImageException e) {
            throw new ImageException(e.kind(), e.getMessage(), e);
        }
        return (PyramidReader) page;
    }

    @Override
    public void close() {
        if (ownsChannel) {
            closeQuietly(channel);
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            LOG.debug("close failed", e);
        }
    }

    // ---- tag helpers ----

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

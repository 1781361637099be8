package io.github.iipservlet.image.raster;

import com.twelvemonkeys.imageio.plugins.tiff.TIFFImageReaderSpi;
import io.github.iipservlet.codec.NativeCodecs;
import io.github.iipservlet.image.ColourSpace;
import io.github.iipservlet.image.ImageBytes;
import io.github.iipservlet.image.ImageBytesStream;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.image.Level;
import io.github.iipservlet.image.PixelBlock;
import io.github.iipservlet.image.PyramidReader;
import io.github.iipservlet.image.SampleType;
import io.github.iipservlet.image.StoredObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;

/**
 * A plain (untiled, single-resolution) image as a pyramid (docs/protocols.md 9.6): a JPEG, a PNG
 * or a striped TIFF, cut into virtual 256x256 tiles, with levels halving the full size (rounded
 * down, as iipsrv halves a plain JPEG) until it fits one tile. A level is decoded whole, or halved
 * from the level above it, and kept in the context's {@link RasterCache}; tiles and regions are
 * copied out of it. Each decode holds its working memory from the render budget first.
 */
public final class RasterReader implements PyramidReader {
    public static final int TILE_SIZE = 256;
    /** {@link ImageInfo#format} of each kind. */
    public static final String JPEG = "jpeg";
    public static final String PNG = "png";
    public static final String STRIPED_TIFF = "tiff-striped";
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10};

    private final ImageBytes bytes;
    private final ImageInfo info;
    private final String identity;
    private final RasterCache cache;
    private final Decoders.Decoder decoder;

    private RasterReader(ImageBytes bytes, ImageInfo info, String identity, RasterCache cache,
            Decoders.Decoder decoder) {
        this.bytes = bytes;
        this.info = info;
        this.identity = identity;
        this.cache = cache;
        this.decoder = decoder;
    }

    /** True for a JPEG file's first bytes ({@code FF D8 FF}). */
    public static boolean isJpeg(byte[] m) {
        return m.length >= 3 && (m[0] & 0xff) == 0xff && (m[1] & 0xff) == 0xd8 && (m[2] & 0xff) == 0xff;
    }

    /** True for the PNG signature. */
    public static boolean isPng(byte[] m) {
        return m.length >= 8 && Arrays.equals(Arrays.copyOf(m, 8), PNG_SIGNATURE);
    }

    /**
     * Opens a plain JPEG (the reader owns {@code bytes} from here, and closes them if it fails).
     *
     * @throws ImageException CORRUPT for damaged markers, UNSUPPORTED for CMYK, 12-bit or lossless
     */
    public static RasterReader openJpeg(ImageBytes bytes, StoredObject object, RasterCache cache, NativeCodecs codecs)
            throws ImageException {
        try {
            JpegHeader h = JpegHeader.read(bytes, object.head());
            ImageInfo info = info(JPEG, h.width, h.height, h.components, 8, h.iccProfile, h.dpiX, h.dpiY,
                    h.densityUnit, object.lastModified(), h.exif, h.xmp == null ? Map.of() : Map.of("xmp", h.xmp));
            return new RasterReader(bytes, info, object.identity(), cache, Decoders.jpeg(bytes, codecs));
        } catch (ImageException | RuntimeException e) {
            bytes.close();
            throw e;
        }
    }

    /** Opens a PNG (8 or 16 bits, grey or RGB, with or without alpha, or a palette). */
    public static RasterReader openPng(ImageBytes bytes, StoredObject object, RasterCache cache)
            throws ImageException {
        return openImageIo(PNG, bytes, object, cache, () -> Decoders.reader("png"));
    }

    /** Opens a TIFF whose first image is in strips (TiffLayout refuses it as a pyramid). */
    public static RasterReader openStripedTiff(ImageBytes bytes, StoredObject object, RasterCache cache)
            throws ImageException {
        return openImageIo(STRIPED_TIFF, bytes, object, cache, () -> new TIFFImageReaderSpi().createReaderInstance(null));
    }

    private static RasterReader openImageIo(String format, ImageBytes bytes, StoredObject object, RasterCache cache,
            Supplier<ImageReader> readers) throws ImageException {
        ImageReader reader = null;
        try (ImageBytesStream in = new ImageBytesStream(bytes, object.head())) {
            reader = readers.get();
            reader.setInput(in, true, true);
            int width = reader.getWidth(0);
            int height = reader.getHeight(0);
            ImageTypeSpecifier type = reader.getRawImageType(0);
            if (type == null) {
                type = reader.getImageTypes(0).next();
            }
            int[] layout = Decoders.layout(type);
            byte[] icc = format.equals(PNG) ? pngProfile(bytes) : null;
            ImageInfo info = info(format, width, height, layout[0], layout[1], icc, 0, 0, 0, object.lastModified());
            return new RasterReader(bytes, info, object.identity(), cache, Decoders.imageIo(bytes, readers));
        } catch (ImageException e) {
            bytes.close();
            throw e;
        } catch (IOException | RuntimeException e) {
            bytes.close();
            ImageException cause = ImageBytesStream.cause(e);
            throw cause != null ? cause
                    : new ImageException(ImageException.Kind.CORRUPT, "Image error: damaged " + format + " header", e);
        } finally {
            if (reader != null) {
                reader.dispose();
            }
        }
    }

    /** The levels: the full size, then each half of the one before (rounded down) until one fits a tile. */
    static List<Level> levels(int width, int height) {
        List<Level> levels = new ArrayList<>();
        Level l = new Level(width, height, TILE_SIZE, TILE_SIZE);
        levels.add(l);
        while (l.width() > TILE_SIZE || l.height() > TILE_SIZE) {
            l = new Level(Math.max(1, l.width() / 2), Math.max(1, l.height() / 2), TILE_SIZE, TILE_SIZE);
            levels.add(l);
        }
        return levels;
    }

    private static ImageInfo info(String format, int width, int height, int channels, int bits, byte[] icc,
            double dpiX, double dpiY, int unit, long lastModified) throws ImageException {
        return info(format, width, height, channels, bits, icc, dpiX, dpiY, unit, lastModified, null, Map.of());
    }

    private static ImageInfo info(String format, int width, int height, int channels, int bits, byte[] icc,
            double dpiX, double dpiY, int unit, long lastModified, byte[] exif, Map<String, String> metadata)
            throws ImageException {
        List<Level> levels;
        try {
            levels = levels(width, height);
        } catch (IllegalArgumentException e) {
            throw new ImageException(ImageException.Kind.CORRUPT, "Image error: bad size");
        }
        ColourSpace cs = channels >= 3 ? ColourSpace.SRGB : ColourSpace.GREYSCALE;
        double[] min = new double[channels];
        double[] max = new double[channels];
        Arrays.fill(max, bits == 16 ? 65535 : 255);
        return new ImageInfo(format, levels, channels, bits, SampleType.UNSIGNED_INT, cs, min, max, metadata, dpiX,
                dpiY, unit, icc, lastModified, exif);
    }

    /** The ICC profile of a PNG's iCCP chunk, or null: the chunks before the first IDAT are walked. */
    private static byte[] pngProfile(ImageBytes bytes) throws ImageException {
        long at = 8;
        while (at + 8 <= bytes.size()) {
            byte[] h = bytes.read(at, 8);
            long length = ((h[0] & 0xffL) << 24) | ((h[1] & 0xff) << 16) | ((h[2] & 0xff) << 8) | (h[3] & 0xff);
            String type = new String(h, 4, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
            if (type.equals("IDAT") || type.equals("IEND")) {
                return null;
            }
            if (type.equals("iCCP") && length < 16 << 20 && at + 8 + length <= bytes.size()) {
                byte[] chunk = bytes.read(at + 8, (int) length);
                int nul = 0;
                while (nul < chunk.length && chunk[nul] != 0) {
                    nul++;
                }
                if (nul + 2 > chunk.length) {
                    return null;
                }
                return inflate(Arrays.copyOfRange(chunk, nul + 2, chunk.length));
            }
            at += 12 + length;
        }
        return null;
    }

    private static byte[] inflate(byte[] data) {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(data);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            while (!inflater.finished() && out.size() < 16 << 20) {
                int n = inflater.inflate(buf);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    return null;
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            return null;
        } finally {
            inflater.end();
        }
    }

    @Override
    public ImageInfo info() {
        return info;
    }

    @Override
    public PixelBlock readTile(int level, int tile) throws ImageException {
        return PyramidReader.tileAsRegion(this, level, tile);
    }

    @Override
    public PixelBlock readRegion(int level, int x, int y, int width, int height) throws ImageException {
        if (level < 0 || level >= info.levels.size()) {
            throw new ImageException(ImageException.Kind.NOT_FOUND, "Asked for non-existent resolution: " + level);
        }
        Level lv = info.levels.get(level);
        if (x < 0 || y < 0 || width <= 0 || height <= 0 || (long) x + width > lv.width()
                || (long) y + height > lv.height()) {
            throw new ImageException(ImageException.Kind.NOT_FOUND, "region outside the image");
        }
        return level(level).crop(x, y, width, height);
    }

    /** Level {@code k}, from the cache, or decoded, or halved from level k-1. */
    private Raster level(int k) throws ImageException {
        return cache.get(identity, k, () -> make(k));
    }

    private Raster make(int k) throws ImageException {
        Level lv = info.levels.get(k);
        long levelBytes = Raster.bytes(lv.width(), lv.height(), info.channels, info.bitsPerSample);
        if (k < decoder.directLevels()) {
            // The level's own size from the file: at 1/2^k, rounded up, at most one row and column more.
            long scaled = Raster.bytes((info.width() + (1 << k) - 1) >> k, (info.height() + (1 << k) - 1) >> k,
                    info.channels, info.bitsPerSample);
            try (AutoCloseable hold = cache.memory().reserve(decoder.workingBytes(k, scaled))) {
                cache.counted();
                Raster r = decoder.decode(k);
                if (r.width() < lv.width() || r.height() < lv.height() || r.channels() != info.channels
                        || r.bits() != info.bitsPerSample) {
                    throw new ImageException(ImageException.Kind.CORRUPT, "Image error: decoded " + r.width() + "x"
                            + r.height() + "x" + r.channels() + " where the header said otherwise");
                }
                return r.cropTo(lv.width(), lv.height());
            } catch (ImageException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        Raster above = level(k - 1);
        try (AutoCloseable hold = cache.memory().reserve(levelBytes)) {
            return above.halve(lv.width(), lv.height());
        } catch (ImageException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        bytes.close();
    }
}

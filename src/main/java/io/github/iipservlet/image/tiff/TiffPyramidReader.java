package io.github.iipservlet.image.tiff;

import com.twelvemonkeys.imageio.metadata.CompoundDirectory;
import com.twelvemonkeys.imageio.metadata.Directory;
import com.twelvemonkeys.imageio.metadata.tiff.TIFFReader;
import io.github.iipservlet.codec.NativeCodecs;
import io.github.iipservlet.codec.NativeImage;
import io.github.iipservlet.codec.TurboJpeg;
import io.github.iipservlet.image.ImageBytes;
import io.github.iipservlet.image.ImageBytesStream;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.image.Level;
import io.github.iipservlet.image.PixelBlock;
import io.github.iipservlet.image.PyramidReader;
import io.github.iipservlet.image.StackItem;
import io.github.iipservlet.parallel.Workers;
import io.github.iipservlet.image.StoredObject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Tiled pyramidal TIFF (classic or BigTIFF, either byte order, multi-IFD or SubIFD pyramids)
 * read with an own tile decoder. IFDs are parsed once at open; tiles are read with positional
 * reads of the object's {@link ImageBytes} (a file, or ranged requests to a remote store), so one
 * instance serves many threads at once, and an uncached tile of a remote file costs one request.
 */
public final class TiffPyramidReader implements PyramidReader {
    private static final Logger LOG = LogManager.getLogger(TiffPyramidReader.class);

    /**
     * The first image of the file is in strips, not tiles: not a pyramid, but a plain image that
     * {@code image/formats/ImageFormats} hands to another reader (docs/protocols.md 9.6).
     */
    public static final class Untiled extends ImageException {
        Untiled() {
            super(Kind.UNSUPPORTED, "Image is not tiled");
        }
    }

    private final ImageBytes bytes;
    /** The file's size when it was opened: no tile reaches past it. */
    private final long fileSize;
    /** The context's codecs: libjpeg-turbo and libdeflate handles, native buffers, scratch arrays. */
    private final NativeCodecs codecs;
    private final ImageInfo info;
    private final TiffLevel[] levels;
    private final TileDecoder tiles;
    private final JpegTiles jpegTiles;
    private final NativeRegions nativeRegions;
    /** The pages of a stack, shared by the readers of all its pages; null for a single image. */
    private final Pages pages;
    /** Only the reader of page 0 closes the file; the other pages' readers share it. */
    private final boolean ownsBytes;

    /** A stack's items and, per page, its reader or the reason it cannot be read. */
    private static final class Pages {
        final List<StackItem> items;
        final Object[] readers;

        Pages(List<StackItem> items, int count) {
            this.items = items;
            this.readers = new Object[count];
        }
    }

    private TiffPyramidReader(ImageBytes bytes, NativeCodecs codecs, TiffLayout.Pyramid pyramid, boolean bigEndian,
            Pages pages, boolean ownsBytes) {
        this.bytes = bytes;
        this.fileSize = bytes.size();
        this.codecs = codecs;
        this.info = pyramid.info();
        this.levels = pyramid.levels();
        this.tiles = new TileDecoder(codecs, bigEndian);
        this.jpegTiles = new JpegTiles(codecs);
        this.nativeRegions = new NativeRegions(codecs, this::readRaw);
        this.pages = pages;
        this.ownsBytes = ownsBytes;
    }

    /** Opens a tiled TIFF file outside any image source (tests and tools). */
    public static TiffPyramidReader open(java.nio.file.Path file, NativeCodecs codecs) throws ImageException {
        StoredObject object = io.github.iipservlet.image.FileSource.objectOf(file);
        return open(io.github.iipservlet.image.FileSource.bytesOf(file), object, codecs);
    }

    /**
     * Opens a tiled TIFF; parses all IFDs once. Tiles are decoded with the context's codecs. The
     * reader owns {@code bytes} (closed with it, or here when the file cannot be read).
     */
    public static TiffPyramidReader open(ImageBytes bytes, StoredObject object, NativeCodecs codecs)
            throws ImageException {
        try {
            ImageBytesStream in = new ImageBytesStream(bytes, object.head());
            int b0 = in.read();
            int b1 = in.read();
            boolean bigEndian;
            if (b0 == 'I' && b1 == 'I') {
                bigEndian = false;
            } else if (b0 == 'M' && b1 == 'M') {
                bigEndian = true;
            } else {
                throw new ImageException(ImageException.Kind.UNSUPPORTED, "Not a TIFF file");
            }
            in.seek(0);
            Directory root = new TIFFReader().read(in);
            List<Directory> top = new ArrayList<>();
            if (root instanceof CompoundDirectory c) {
                for (int i = 0; i < c.directoryCount(); i++) {
                    top.add(c.getDirectory(i));
                }
            } else {
                top.add(root);
            }
            TiffPyramidReader reader = readers(bytes, codecs, TiffLayout.read(top, object.lastModified()), bigEndian);
            LOG.debug("Opened {}: {} levels, {} stack pages", object.name(), reader.levels.length,
                    reader.stack().size());
            return reader;
        } catch (ImageException e) {
            bytes.close();
            LOG.debug("Cannot read {}: {}", object.name(), e.getMessage());
            throw e;
        } catch (IOException | RuntimeException | StackOverflowError e) {
            bytes.close();
            ImageException failure = ImageBytesStream.cause(e);
            if (failure != null) {
                // The store did not answer, or the file ends early: not a damaged structure.
                throw new ImageException(failure.kind(), failure.getMessage(), failure);
            }
            // A stack overflow: SubIFDs nested deeper than any writer nests them.
            LOG.debug("Cannot parse {}", object.name(), e);
            throw new ImageException(ImageException.Kind.CORRUPT, "TIFF error: unreadable file structure", e);
        }
    }

    /** The reader of a single image, or of page 0 of a stack with the other pages' readers beside it. */
    private static TiffPyramidReader readers(ImageBytes bytes, NativeCodecs codecs, TiffLayout.Pages layout,
            boolean bigEndian) {
        if (!layout.stack()) {
            return new TiffPyramidReader(bytes, codecs, (TiffLayout.Pyramid) layout.pyramids()[0], bigEndian, null,
                    true);
        }
        Pages pages = new Pages(layout.items(), layout.pyramids().length);
        for (int i = 0; i < pages.readers.length; i++) {
            Object p = layout.pyramids()[i];
            pages.readers[i] = p instanceof TiffLayout.Pyramid pyramid
                    ? new TiffPyramidReader(bytes, codecs, pyramid, bigEndian, pages, i == 0) : p;
        }
        return (TiffPyramidReader) pages.readers[0];
    }

    @Override
    public ImageInfo info() {
        return info;
    }

    private TiffLevel level(int level) throws ImageException {
        if (level < 0 || level >= levels.length) {
            throw new ImageException(ImageException.Kind.NOT_FOUND, "Asked for non-existent resolution: " + level);
        }
        return levels[level];
    }

    private static void checkTile(TiffLevel l, int tile) throws ImageException {
        if (tile < 0 || tile >= l.level.tileCount()) {
            throw new ImageException(ImageException.Kind.NOT_FOUND, "Asked for non-existent tile: " + tile);
        }
    }

    @Override
    public byte[] readJpegTile(int level, int tile) throws ImageException {
        byte[] raw = storedWholeTile(level, tile, 7);
        return raw == null ? null : JpegTiles.stream(level(level), raw);
    }

    /** A stored WebP tile is a whole WebP file (libtiff writes one per tile): sent as it is. */
    @Override
    public byte[] readWebpTile(int level, int tile) throws ImageException {
        return storedWholeTile(level, tile, TiffLayout.COMPRESSION_WEBP);
    }

    /**
     * The stored bytes of a tile of this compression that may be passed through: not empty, and
     * not in a last column or row that the writer padded beyond the image; else null.
     */
    private byte[] storedWholeTile(int level, int tile, int compression) throws ImageException {
        TiffLevel l = level(level);
        checkTile(l, tile);
        if (l.compression != compression || !l.passThroughAllowed) {
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
        return raw.length == 0 ? null : raw;
    }

    @Override
    public PixelBlock readTile(int level, int tile) throws ImageException {
        TiffLevel l = level(level);
        checkTile(l, tile);
        Level lv = l.level;
        int col = tile % lv.tilesAcross();
        int row = tile / lv.tilesAcross();
        int outW = lv.tileWidthAt(col);
        int outH = lv.tileHeightAt(row);
        byte[] raw = readRaw(l, tile);
        return l.compression == 7 ? jpegTiles.decode(l, raw, outW, outH) : tiles.decode(l, raw, outW, outH);
    }

    private byte[] readRaw(TiffLevel l, int tile) throws ImageException {
        long offset = l.offsets[tile];
        long count = l.byteCounts[tile];
        // Checked before anything is allocated: a damaged count claimed hundreds of MB.
        if (count < 0 || offset < 0 || count > fileSize - offset || count > l.maxStoredBytes()) {
            throw new ImageException(ImageException.Kind.CORRUPT, "TIFF error: bad tile byte count");
        }
        try {
            return bytes.read(offset, (int) count);
        } catch (ImageException e) {
            if (e.kind() == ImageException.Kind.CORRUPT) {
                throw new ImageException(ImageException.Kind.CORRUPT, "TIFF error: cannot read tile " + tile, e);
            }
            throw e;
        }
    }

    /**
     * A remote file's tiles under a region fetched together before they are decoded: neighbours in
     * one range, the rest concurrently (docs/operations.md "Object storage"). Nothing for a local file.
     */
    @Override
    public void prefetch(int level, int x, int y, int width, int height) throws ImageException {
        if (!bytes.remote()) {
            return;
        }
        TiffLevel l = level(level);
        List<Level.TilePart> parts = l.level.cover(x, y, width, height);
        long[] positions = new long[parts.size()];
        int[] lengths = new int[parts.size()];
        int n = 0;
        for (Level.TilePart p : parts) {
            long offset = l.offsets[p.tile()];
            long count = l.byteCounts[p.tile()];
            if (count > 0 && offset >= 0 && count <= fileSize - offset && count <= l.maxStoredBytes()) {
                positions[n] = offset;
                lengths[n++] = (int) count;
            }
        }
        bytes.prefetch(java.util.Arrays.copyOf(positions, n), java.util.Arrays.copyOf(lengths, n));
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
        TiffLevel l = level(level);
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
                    decoded = raw.length > 0 && turbo.decodeInto(JpegTiles.stream(l, raw), scratch, tw, th, ch);
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
     * 8-bit levels stored as JPEG or deflate, grey or RGB: the region assembled in native memory
     * ({@link NativeRegions}); null for other levels, without the native libraries, or when a tile
     * is of a kind those decoders do not take (the caller then uses {@link #readRegion}).
     */
    @Override
    public NativeImage readRegionNative(int level, int x, int y, int width, int height, Workers workers)
            throws ImageException {
        return nativeRegions.read(level(level), x, y, width, height, workers);
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
        if (ownsBytes) {
            bytes.close();
        }
    }
}

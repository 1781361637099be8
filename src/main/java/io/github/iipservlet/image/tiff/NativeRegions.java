package io.github.iipservlet.image.tiff;

import io.github.iipservlet.codec.NativeCodecs;
import io.github.iipservlet.codec.NativeImage;
import io.github.iipservlet.codec.TurboJpeg;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.Level;
import io.github.iipservlet.parallel.Workers;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.DataFormatException;

/**
 * Regions of 8-bit JPEG or deflate levels assembled in native memory for an encoder that reads
 * them there (no processing asked): each tile decoded by libjpeg-turbo or inflated by libdeflate
 * straight into its place, a row of tiles per chunk of the workers.
 */
final class NativeRegions {
    /** The stored bytes of a tile, as the reader reads them (checked against the file). */
    interface StoredTiles {
        byte[] read(TiffLevel level, int tile) throws ImageException;
    }

    private final NativeCodecs codecs;
    private final StoredTiles stored;

    NativeRegions(NativeCodecs codecs, StoredTiles stored) {
        this.codecs = codecs;
        this.stored = stored;
    }

    /**
     * 8-bit levels stored as JPEG (decoded by libjpeg-turbo) or deflate (inflated by libdeflate,
     * predictor undone in place), grey or RGB: the region assembled in native memory for an
     * encoder that reads it there, each tile decoded straight into its place, a row of tiles per
     * chunk of {@code workers}. Null for other levels, without the native libraries, or when a
     * tile is of a kind these decoders do not take (a sparse tile, another size): the caller then
     * reads the region through {@link #readRegion}.
     */
    NativeImage read(TiffLevel l, int x, int y, int width, int height, Workers workers)
            throws ImageException {
        Level lv = l.level;
        TurboJpeg turbo = codecs.turboJpeg();
        boolean jpeg = l.compression == 7;
        boolean deflate = (l.compression == 8 || l.compression == 32946)
                && (l.photometric == TiffLayout.PHOTO_MINISBLACK || l.photometric == TiffLayout.PHOTO_RGB) && l.predictor != 3;
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
                        byte[] raw = stored.read(l, p.tile());
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

    private static boolean decodeJpegRect(TurboJpeg turbo, TiffLevel l, byte[] raw, Level.TilePart p,
            NativeImage dst) throws ImageException {
        if (raw.length == 0) {
            return false; // a sparse tile: the Java path makes it black
        }
        JpegTiles.check(l, raw);
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
    private boolean inflateRect(TiffLevel l, byte[] raw, NativeImage tile, Level.TilePart p, NativeImage dst)
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
        // The predictor runs along each row from its first pixel, so only the rows the part needs,
        // up to its last column, are undone (a region's edge tiles need half or less of theirs).
        byte[] scratch = codecs.takeScratch(tile.byteCount());
        try {
            tile.pixels().get(p.sy() * pitch, scratch, 0, p.h() * pitch);
            TileDecoder.undoBytePredictor(scratch, p.sx() + p.w(), p.h(), tile.channels, pitch);
            dst.copyRows(scratch, p.sx() * tile.channels, pitch, p.w() * tile.channels, p.h(), p.dx(), p.dy());
        } finally {
            codecs.giveScratch(scratch);
        }
        return true;
    }
}

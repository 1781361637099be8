package io.github.iipservlet.image.jp2;

import io.github.iipservlet.image.ColourSpace;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.image.Level;
import io.github.iipservlet.image.PixelBlock;
import io.github.iipservlet.image.PyramidReader;
import io.github.iipservlet.image.SampleType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A JPEG2000 file as a pyramid, the way iipsrv presents one (docs/protocols.md 9.3): its resolution levels,
 * then virtual levels halving the smallest until it fits one tile (decoded from the smallest real
 * level and subsampled), all cut into virtual 256x256 tiles whatever the codestream's own tiling.
 * Tiles and regions are decoded as areas of one level, never assembled from tiles.
 *
 * <p>{@link #withLayers} gives a reader of the same file decoding a given number of quality
 * layers; the file's decoding state is shared and closed with the reader {@link #open} returned.
 */
public final class Jp2PyramidReader implements PyramidReader {
    /** {@link ImageInfo#format} of JPEG2000 images: the only ones with quality layers. */
    public static final String FORMAT = "jpeg2000";
    /** iipsrv's tile size for JPEG2000. */
    public static final int TILE_SIZE = 256;

    private final Jp2Header header;
    private final Jp2Decoder.Source source;
    private final ImageInfo info;
    /** Levels the codestream holds; the levels after them are virtual. */
    private final int realLevels;
    /** iipsrv's layer value for this reader: negative all, 0 default, n that many. */
    private final int layers;
    private final boolean owner;
    /** Released when the owner closes: the hold on a cached copy of a remote file, or null. */
    private final AutoCloseable file;

    private Jp2PyramidReader(Jp2Header header, Jp2Decoder.Source source, ImageInfo info, int layers, boolean owner,
            AutoCloseable file) {
        this.file = file;
        this.header = header;
        this.source = source;
        this.info = info;
        this.realLevels = header.resolutions;
        this.layers = layers;
        this.owner = owner;
    }

    /**
     * @throws ImageException CORRUPT for a damaged header, UNSUPPORTED for subsampled components or
     *                        more than 16 bits
     */
    public static Jp2PyramidReader open(Path file, Jp2Decoder decoder) throws ImageException {
        try {
            return open(file, Files.getLastModifiedTime(file).toMillis(), decoder, null);
        } catch (IOException e) {
            throw new ImageException(ImageException.Kind.NOT_FOUND, "Unable to open image");
        }
    }

    /**
     * @param lastModified the image's modification time (of the remote object for a cached copy)
     * @param hold         closed with the reader: the hold on a cached copy, or null
     */
    public static Jp2PyramidReader open(Path file, long lastModified, Jp2Decoder decoder, AutoCloseable hold)
            throws ImageException {
        Jp2Header header = Jp2Header.read(file);
        ImageInfo info = info(header, lastModified);
        return new Jp2PyramidReader(header, decoder.open(file, header), info, 0, true, hold);
    }

    /**
     * A reader whose decoding state is made on its first decode ({@link LazySource}): describing the
     * image (info.json, OBJ) needs only the header, so a remote file is fetched only when pixels
     * are asked for (docs/decisions.md Decision 34).
     */
    public static Jp2PyramidReader open(Jp2Header header, long lastModified, LazySource source)
            throws ImageException {
        ImageInfo info = info(header, lastModified);
        return new Jp2PyramidReader(header, source, info, 0, true, null);
    }

    private static ImageInfo info(Jp2Header header, long lastModified) throws ImageException {
        if (header.subsampled || header.precision > 16 || header.width() > Integer.MAX_VALUE
                || header.height() > Integer.MAX_VALUE) {
            throw new ImageException(ImageException.Kind.UNSUPPORTED, "Unsupported JPEG2000 image");
        }
        long modified = lastModified;
        List<Level> levels = new ArrayList<>();
        try {
            for (int r = 0; r < header.resolutions; r++) {
                levels.add(new Level(header.levelWidth(r), header.levelHeight(r), TILE_SIZE, TILE_SIZE));
            }
        } catch (IllegalArgumentException e) {
            throw new ImageException(ImageException.Kind.UNSUPPORTED, "Unsupported JPEG2000 image");
        }
        Level last = levels.get(levels.size() - 1);
        while (last.width() > TILE_SIZE || last.height() > TILE_SIZE) {
            last = new Level((last.width() + 1) / 2, (last.height() + 1) / 2, TILE_SIZE, TILE_SIZE);
            levels.add(last);
        }
        int channels = header.components;
        int bits = header.precision > 8 ? 16 : 8;
        ColourSpace cs = channels >= 3 ? ColourSpace.SRGB
                : header.precision == 1 ? ColourSpace.BINARY : ColourSpace.GREYSCALE;
        double[] min = new double[channels];
        double[] max = new double[channels];
        Arrays.fill(max, bits == 16 ? 65535 : 255);
        return new ImageInfo(FORMAT, levels, channels, bits, SampleType.UNSIGNED_INT, cs, min, max,
                Map.of(), 0, 0, 0, header.iccProfile, modified, header.exif);
    }

    @Override
    public ImageInfo info() {
        return info;
    }

    @Override
    public boolean hasQualityLayers() {
        return true;
    }

    @Override
    public PyramidReader withLayers(int layers) {
        return layers == this.layers ? this : new Jp2PyramidReader(header, source, info, layers, false, null);
    }

    @Override
    public PixelBlock readTile(int level, int tile) throws ImageException {
        return PyramidReader.tileAsRegion(this, level, tile);
    }

    @Override
    public PixelBlock readRegion(int level, int x, int y, int width, int height) throws ImageException {
        if (level < realLevels) {
            return source.decode(level, layers, x, y, width, height);
        }
        // A virtual level: the matching area of the smallest real level, every 2^k-th pixel.
        int smallest = realLevels - 1;
        int step = 1 << (level - smallest);
        Level src = info.levels.get(smallest);
        int sx = x * step;
        int sy = y * step;
        int sw = Math.min(src.width() - sx, (width - 1) * step + 1);
        int sh = Math.min(src.height() - sy, (height - 1) * step + 1);
        PixelBlock full = source.decode(smallest, layers, sx, sy, sw, sh);
        return subsample(full, step, width, height);
    }

    private static PixelBlock subsample(PixelBlock in, int step, int width, int height) {
        int ch = in.channels;
        Object out = java.lang.reflect.Array.newInstance(in.data.getClass().getComponentType(), width * height * ch);
        for (int y = 0; y < height; y++) {
            int sy = Math.min(in.height - 1, y * step);
            for (int x = 0; x < width; x++) {
                int sx = Math.min(in.width - 1, x * step);
                System.arraycopy(in.data, (sy * in.width + sx) * ch, out, (y * width + x) * ch, ch);
            }
        }
        return new PixelBlock(width, height, ch, in.bitsPerSample, in.sampleType, out);
    }

    @Override
    public void close() {
        if (owner) {
            source.close();
            if (file != null) {
                try {
                    file.close();
                } catch (Exception e) {
                    // a cache hold's release does not fail
                }
            }
        }
    }
}

package io.github.iipservlet.encode;

import io.github.iipservlet.codec.LibAvif;
import io.github.iipservlet.image.PixelBlock;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * AVIF (docs/protocols.md 10) through the system libavif ({@link LibAvif}). AVIF_QUALITY (or QLT)
 * 0-100 is mapped to the AV1 quantizer as libavif 1.0 maps its own {@code quality},
 * {@code ((100 - q) * 63 + 50) / 100} (0.11 has only quantizers), used as both the smallest and
 * the largest quantizer; -1 is lossless. AVIF_CODEC picks the AV1 encoder (0 auto, 1 aom, 2 rav1e,
 * 3 SVT-AV1); one that libavif was built without is logged at start-up and auto is used.
 *
 * <p>Speed {@link #SPEED} (of libavif's 0-10) on one thread per encode, since requests already run
 * in parallel: aom at speed 8 took 10.7 ms for a 256x256 RGB tile and 74 ms for a 1024x1024
 * region of a photograph-like image here, against 34 and 422 ms at speed 6 for files 8% smaller
 * (docs/protocols.md 10).
 * Grey is written as monochrome (4:0:0), grey+alpha and RGBA with their alpha, 8 bits.
 */
public final class AvifEncoder implements ImageEncoder {
    private static final Logger LOG = LogManager.getLogger(AvifEncoder.class);
    /** libavif's speed for every encode: see the class comment. */
    public static final int SPEED = 8;

    private final int codec;

    /** @param avifCodec AVIF_CODEC; an encoder libavif lacks becomes auto (0), logged */
    public AvifEncoder(int avifCodec) {
        this.codec = usableCodec(avifCodec);
    }

    /** AVIF_CODEC if libavif has that encoder, else 0 (auto). */
    static int usableCodec(int avifCodec) {
        if (avifCodec <= 0 || !LibAvif.available()) {
            return 0;
        }
        if (LibAvif.encoderName(avifCodec) == null) {
            LOG.warn("AVIF_CODEC={}: libavif has no such encoder here; libavif chooses ({})", avifCodec,
                    LibAvif.encoderName(0));
            return 0;
        }
        return avifCodec;
    }

    /** Whether libavif is installed with an AV1 encoder; without it AVIF is neither advertised nor served. */
    public static boolean isAvailable() {
        return LibAvif.available();
    }

    /** The AV1 encoder used (libavif's name for it), for the start-up log and the output fingerprint. */
    public String encoderName() {
        String name = LibAvif.encoderName(codec);
        return name == null ? "none" : name;
    }

    /** The AV1 quantizer for a quality 0-100 (libavif 1.0's mapping), -1 for lossless. */
    static int quantizer(int quality) {
        if (quality < 0) {
            return -1;
        }
        int q = Math.min(100, quality);
        return ((100 - q) * 63 + 50) / 100;
    }

    @Override
    public OutputFormat format() {
        return OutputFormat.AVIF;
    }

    @Override
    public int maxChannels() {
        return 4;
    }

    @Override
    public byte[] encode(PixelBlock block, int quality, OutputMetadata metadata) {
        int ch = block.channels;
        if (ch < 1 || ch > 4 || !(block.data instanceof byte[] bytes)) {
            throw new IllegalArgumentException("AVIF takes 1 to 4 channels of 8-bit samples");
        }
        byte[] icc = IccEmbedding.forChannels(metadata, ch);
        return LibAvif.encode(bytes, block.width, block.height, ch, quantizer(quality), codec, SPEED, icc,
                metadata.exif(), metadata.xmp());
    }
}

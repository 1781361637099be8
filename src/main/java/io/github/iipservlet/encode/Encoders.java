package io.github.iipservlet.encode;

import io.github.iipservlet.codec.NativeCodecs;
import io.github.iipservlet.config.ServerConfig;
import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.process.Processing;
import java.util.HashMap;
import java.util.Map;

/**
 * One encoder per output format, plus what every encoder writes beside the pixels: the Software
 * name, the rights text (the image's, else COPYRIGHT) and the ICC profile under MAX_ICC. Built once
 * per context; thread-safe.
 */
public final class Encoders {
    /** The text fields handed to encoders (iipsrv's metadata names). */
    private static final String[] TEXT = {"creator", "title", "description", "date", "pagename", "make", "model"};

    private final JpegEncoder jpeg;
    private final PngEncoder png;
    private final WebpEncoder webp = new WebpEncoder();
    private final TiffEncoder tiff;
    private final AvifEncoder avif;
    private final int maxIcc;
    private final String copyright;

    /**
     * @param software  Software tag / PNG text / JPEG comment (the server's Version string)
     * @param codecs    the context's native codecs (libjpeg-turbo for JPEG, also inside TIFF)
     * @param maxIcc    MAX_ICC
     * @param copyright COPYRIGHT: rights text for images without their own
     */
    public Encoders(String software, NativeCodecs codecs, int maxIcc, String copyright) {
        this(software, codecs, maxIcc, copyright, 0);
    }

    /** @param avifCodec AVIF_CODEC (0 auto, 1 aom, 2 rav1e, 3 SVT-AV1) */
    public Encoders(String software, NativeCodecs codecs, int maxIcc, String copyright, int avifCodec) {
        this.avif = new AvifEncoder(avifCodec);
        this.jpeg = new JpegEncoder(software, codecs);
        this.png = new PngEncoder(software);
        this.tiff = new TiffEncoder(software, codecs);
        this.maxIcc = maxIcc;
        this.copyright = copyright == null ? "" : copyright;
    }

    public JpegEncoder jpeg() {
        return jpeg;
    }

    public ImageEncoder forFormat(OutputFormat format) {
        return switch (format) {
            case JPEG -> jpeg;
            case PNG -> png;
            case WEBP -> webp;
            case TIFF -> tiff;
            case AVIF -> avif;
        };
    }

    /**
     * What an output of this image carries: resolution scaled to the level (not corrected for a
     * resize, as iipsrv), the profile if {@link IccEmbedding} allows it, rights and the other text.
     */
    public OutputMetadata metadata(ImageInfo info, Processing processing, double levelScale) {
        return metadata(info, processing, levelScale, false);
    }

    /**
     * @param withXmp true for a region (iipsrv's {@code CVT} output), which carries the image's XMP
     *                packet and Exif block; tiles do not (docs/protocols.md 10)
     */
    public OutputMetadata metadata(ImageInfo info, Processing processing, double levelScale, boolean withXmp) {
        Map<String, String> text = new HashMap<>();
        for (String name : TEXT) {
            String v = info.metadata.get(name);
            if (v != null && !v.isEmpty()) {
                text.put(name, v);
            }
        }
        String rights = info.metadata.getOrDefault("rights", "");
        if (rights.isEmpty()) {
            rights = copyright;
        }
        if (!rights.isEmpty()) {
            text.put("rights", rights);
        }
        String xmp = withXmp ? info.metadata.get("xmp") : null;
        return new OutputMetadata(info.dpiX * levelScale, info.dpiY * levelScale, info.resolutionUnit,
                IccEmbedding.profileFor(info, processing, maxIcc), text,
                xmp == null || xmp.isEmpty() ? null : xmp.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                withXmp ? info.exif : null);
    }

    /** The profile a passed-through stored tile gets, or null. */
    public byte[] iccProfile(ImageInfo info, Processing processing) {
        return IccEmbedding.profileFor(info, processing, maxIcc);
    }

    /**
     * The encoder setting of a format from the configuration: JPEG_QUALITY, PNG_QUALITY,
     * WEBP_QUALITY, AVIF_QUALITY, or TIFF_COMPRESSION with TIFF_QUALITY ({@link TiffEncoder#setting}).
     */
    public static int defaultQuality(OutputFormat format, ServerConfig config) {
        return switch (format) {
            case JPEG -> config.jpegQuality;
            case PNG -> config.pngQuality;
            case WEBP -> config.webpQuality;
            case AVIF -> config.avifQuality;
            case TIFF -> TiffEncoder.setting(config.tiffCompression, config.tiffQuality);
        };
    }

    /**
     * The encoder setting for a request: QLT's value (null when not given) clamped by the encoder
     * as iipsrv does (docs/protocols.md 3.7: JPEG 1-100, PNG 0-9, WebP below 1 is lossless and at most 100,
     * AVIF -1 (lossless) to 100, TIFF by its compression), else the configured default.
     *
     * @param tiffCompression TIFF_COMPRESSION, or the compression QLT named
     */
    public static int quality(OutputFormat format, ServerConfig config, Integer requested, int tiffCompression) {
        if (requested == null) {
            return format == OutputFormat.TIFF ? TiffEncoder.setting(tiffCompression, config.tiffQuality)
                    : defaultQuality(format, config);
        }
        int q = requested;
        return switch (format) {
            case JPEG -> Math.max(1, Math.min(100, q));
            case PNG -> Math.max(0, Math.min(9, q));
            case WEBP -> q < 1 ? -1 : Math.min(100, q);
            case AVIF -> Math.max(-1, Math.min(100, q));
            case TIFF -> TiffEncoder.setting(tiffCompression, q);
        };
    }
}

package io.github.iipservlet.encode;

import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.process.Processing;

/**
 * When an output carries the image's ICC profile (docs/protocols.md 10), for tiles and regions alike: the image
 * has one, MAX_ICC is not 0, the profile is smaller than MAX_ICC (or MAX_ICC is -1), and the
 * processing keeps the colours the profile describes. Encoders additionally check that the
 * profile's colour space fits the channels they write ({@link #fits}), which iipsrv does not: an
 * RGB profile in a greyscale (bitonal, 16-bit-reduced or CIELAB-converted) file is an error to
 * strict decoders.
 */
public final class IccEmbedding {
    private IccEmbedding() {
    }

    /** The profile to embed in the output of this view, or null. */
    public static byte[] profileFor(ImageInfo info, Processing processing, int maxIcc) {
        byte[] icc = info.iccProfile;
        if (icc == null || icc.length == 0 || maxIcc == 0) {
            return null;
        }
        if (maxIcc != -1 && icc.length >= maxIcc) {
            return null;
        }
        return keepsColourMeaning(processing) ? icc : null;
    }

    /**
     * False when the processing replaces the colours the profile describes: a colormap or a
     * greyscale conversion. iipsrv's rule also names hill-shading and colour twist; extend this
     * method when {@link Processing} gains those fields (convolution keeps the colours).
     */
    public static boolean keepsColourMeaning(Processing p) {
        Processing proc = p == null ? Processing.NONE : p;
        return proc.colormap() == Processing.Colormap.NONE && proc.colour() != Processing.Colour.GREY;
    }

    /**
     * True when the profile's data colour space (header bytes 16-19) suits an output with this
     * many channels: {@code GRAY} for 1 or 2 (grey, grey+alpha), {@code RGB } for 3 or 4.
     */
    public static boolean fits(byte[] icc, int channels) {
        if (icc == null || icc.length < 128) {
            return false;
        }
        String space = new String(icc, 16, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
        return switch (channels) {
            case 1, 2 -> space.equals("GRAY");
            case 3, 4 -> space.equals("RGB ");
            default -> false;
        };
    }

    /** The profile if it {@link #fits} the channels, else null. */
    static byte[] forChannels(OutputMetadata metadata, int channels) {
        byte[] icc = metadata.iccProfile();
        return fits(icc, channels) ? icc : null;
    }
}

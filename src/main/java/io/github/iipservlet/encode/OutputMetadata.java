package io.github.iipservlet.encode;

import java.util.Map;

/**
 * What an encoder writes besides the pixels (docs/protocols.md 10): resolution, the ICC profile when the
 * embedding rule allows it ({@link IccEmbedding}), and text fields under iipsrv's metadata names
 * ({@code rights} already falls back to COPYRIGHT; {@code creator}, {@code title},
 * {@code description}, {@code date}, {@code pagename}, {@code make}, {@code model}). Each encoder
 * writes the ones its format has a place for.
 *
 * @param dpiX           horizontal resolution in pixels per unit (0 = unknown)
 * @param dpiY           vertical resolution in pixels per unit (0 = unknown)
 * @param resolutionUnit 0 none, 1 inch, 2 centimetre (iipsrv's numbering)
 * @param iccProfile     the profile to embed, or null
 * @param text           text fields by iipsrv name; never null
 * @param xmp            the image's XMP packet (UTF-8 XML) to embed, or null
 * @param exif           the image's Exif block (a TIFF header and IFD, without the {@code Exif\0\0}
 *                       prefix of JPEG's APP1) to embed, or null
 */
public record OutputMetadata(double dpiX, double dpiY, int resolutionUnit, byte[] iccProfile,
        Map<String, String> text, byte[] xmp, byte[] exif) {

    public static final OutputMetadata NONE = new OutputMetadata(0, 0, 0, null, Map.of());

    public OutputMetadata {
        text = text == null ? Map.of() : text;
    }

    /** Without XMP and Exif. */
    public OutputMetadata(double dpiX, double dpiY, int resolutionUnit, byte[] iccProfile, Map<String, String> text) {
        this(dpiX, dpiY, resolutionUnit, iccProfile, text, null, null);
    }

    /** Only a resolution: what the older five-argument encode call carries. */
    public static OutputMetadata resolution(double dpiX, double dpiY, int resolutionUnit) {
        return new OutputMetadata(dpiX, dpiY, resolutionUnit, null, Map.of());
    }

    /** A text field, or null when absent or empty. */
    public String text(String name) {
        String v = text.get(name);
        return v == null || v.isEmpty() ? null : v;
    }

    /** Resolution in pixels per centimetre, 0 when unknown or when the unit is unknown. */
    public double pixelsPerCm(double dpi) {
        if (!(dpi > 0)) {
            return 0;
        }
        return switch (resolutionUnit) {
            case 1 -> dpi / 2.54;
            case 2 -> dpi;
            default -> 0;
        };
    }
}

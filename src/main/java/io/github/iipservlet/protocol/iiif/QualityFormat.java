package io.github.iipservlet.protocol.iiif;

import io.github.iipservlet.encode.OutputFormat;
import io.github.iipservlet.process.Processing;
import java.util.Locale;
import java.util.Set;

/**
 * The last segment, {@code quality.format} (docs/protocols.md 8.5.4). Lower-cased; anything from a {@code ?}
 * on is ignored; no dot means JPEG. Qualities are accepted in every version as iipsrv does
 * ({@code native} in 3, {@code default} in 2); {@code IIIF_EXTENSIONS} adds iipsrv's four.
 *
 * @param quality the quality as named (lower case)
 * @param format  the output format
 */
record QualityFormat(String quality, OutputFormat format) {
    /**
     * Formats the IIIF specifications name: those we do not write (gif, jp2, pdf, heic; webp and
     * avif where their native libraries do not load; {@code tiff}, which IIIF spells {@code tif})
     * are 501, not 400.
     */
    private static final Set<String> KNOWN_FORMATS = Set.of("tif", "tiff", "gif", "webp", "jp2", "pdf", "avif",
            "heic");

    static QualityFormat parse(String text, boolean extensions) throws IiifError {
        String last = text.toLowerCase(Locale.ROOT);
        int question = last.indexOf('?');
        if (question >= 0) {
            last = last.substring(0, question);
        }
        int dot = last.lastIndexOf('.');
        String quality = dot < 0 ? last : last.substring(0, dot);
        String suffix = dot < 0 ? "jpg" : last.substring(dot + 1);
        OutputFormat format = OutputFormat.forIiifSuffix(suffix);
        if (format == null) {
            throw new IiifError(KNOWN_FORMATS.contains(suffix) ? IiifError.NOT_IMPLEMENTED : IiifError.BAD_REQUEST,
                    "IIIF :: unsupported output format");
        }
        switch (quality) {
            case "native", "color", "default", "grey", "gray", "bitonal":
                break;
            case "negative", "stretch", "equalization", "log":
                if (extensions) {
                    break;
                }
                throw IiifError.bad("unsupported quality parameter: " + quality);
            default:
                throw IiifError.bad("unsupported quality parameter: " + quality);
        }
        return new QualityFormat(quality, format);
    }

    /** The processing this quality asks for, with the rotation applied. */
    Processing processing(Rotation rotation) {
        Processing.Colour colour = switch (quality) {
            case "grey", "gray" -> Processing.Colour.GREY;
            case "bitonal" -> Processing.Colour.BITONAL;
            default -> Processing.Colour.COLOUR;
        };
        float contrast = quality.equals("stretch") ? Processing.STRETCH : 1f;
        float gamma = quality.equals("log") ? Processing.LOG : 1f;
        return new Processing(contrast, gamma, quality.equals("negative"), Processing.Colormap.NONE, null, null,
                colour, rotation.degrees(), rotation.flip(), quality.equals("equalization"),
                null, null, null);
    }
}

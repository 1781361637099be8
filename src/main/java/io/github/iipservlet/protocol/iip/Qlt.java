package io.github.iipservlet.protocol.iip;

import io.github.iipservlet.CNumbers;
import io.github.iipservlet.encode.TiffEncoder;
import java.util.Locale;

/**
 * QLT=q or QLT=compression:q (docs/protocols.md 3.7): the quality every encoder then clamps to its own range;
 * the part before a colon selects the TIFF compression ({@code lzw}, {@code deflate},
 * {@code jpeg}, {@code webp}, {@code zstd}; anything else is none).
 */
final class Qlt implements IipCommand {
    @Override
    public void run(IipSession session, String argument) {
        String value = argument;
        int colon = value.indexOf(':');
        if (colon >= 0) {
            session.tiffCompression = switch (value.substring(0, colon).toLowerCase(Locale.ROOT)) {
                case "lzw" -> TiffEncoder.LZW;
                case "deflate" -> TiffEncoder.DEFLATE;
                case "jpeg" -> TiffEncoder.JPEG;
                case "webp" -> TiffEncoder.WEBP;
                case "zstd" -> TiffEncoder.ZSTD;
                default -> TiffEncoder.NONE;
            };
            value = value.substring(colon + 1);
        }
        session.requestedQuality = CNumbers.atoi(value);
    }
}

package io.github.iipservlet.protocol.iiif;

import io.github.iipservlet.config.CNumbers;
import java.util.Locale;

/**
 * The size parameter (spec 8.5.2): {@code max}, {@code full} (version 2 only), {@code pct:n},
 * {@code w,}, {@code ,h}, {@code w,h}, {@code !w,h}, and in version 3 the same with a leading
 * {@code ^} that allows upscaling. The result is the width and height handed to the view
 * geometry, and whether the view keeps the region's aspect ratio inside them.
 *
 * @param width      requested output width (at least 1)
 * @param height     requested output height (at least 1)
 * @param keepAspect fit inside width x height rather than distort to it
 * @param upscale    the request may be larger than the region (version 3 {@code ^})
 */
record Size(int width, int height, boolean keepAspect, boolean upscale) {

    /**
     * @param version        IIIF major version of this request
     * @param allowUpscaling ALLOW_UPSCALING (applies to versions 1 and 2; version 3 also needs {@code ^})
     */
    static Size parse(String text, int version, Region region, boolean allowUpscaling) throws IiifError {
        String size = text.toLowerCase(Locale.ROOT);
        boolean caret = version >= 3 && size.startsWith("^");
        if (caret) {
            size = size.substring(1);
        }
        long fullW = region.width();
        long fullH = region.height();
        double regionW = fullW;
        double regionH = fullH;
        float ratio = (float) (regionW / regionH);
        long w;
        long h;
        boolean keepAspect = true;
        if (size.equals("max") || (size.equals("full") && version < 3)) {
            // Version 3 dropped "full" as a size; iipsrv still takes it, the IIIF 3 validator wants a 400.
            w = fullW;
            h = fullH;
        } else if (size.startsWith("pct:")) {
            String n = size.substring(4);
            if (!CNumbers.isWellFormed(n, true)) {
                throw IiifError.bad("invalid size");
            }
            double pct = Double.parseDouble(n.trim());
            if (!(pct > 0) || Double.isInfinite(pct)) {
                throw IiifError.bad("IIIF: invalid size: requested width or height < 0");
            }
            w = Math.round(fullW * pct / 100);
            h = Math.round(fullH * pct / 100);
        } else {
            boolean confined = size.startsWith("!");
            if (confined) {
                size = size.substring(1);
            }
            int comma = size.indexOf(',');
            if (comma < 0) {
                throw IiifError.bad("invalid size: no comma found");
            }
            String ws = size.substring(0, comma);
            String hs = size.substring(comma + 1);
            if (ws.isEmpty() && !confined) {
                h = dimension(hs, "invalid height");
                w = Math.round(h * (double) ratio);
            } else if (hs.isEmpty() && !confined) {
                w = dimension(ws, "invalid width");
                h = Math.round(w / (double) ratio);
            } else {
                w = dimension(ws, "invalid width");
                h = dimension(hs, "invalid height");
                keepAspect = confined;
            }
        }
        if (w <= 0 || h <= 0) {
            throw IiifError.bad("IIIF: invalid size: requested width or height < 0");
        }
        boolean upscale = version >= 3 ? caret && allowUpscaling : allowUpscaling;
        if (version >= 3 && !upscale) {
            // A confined size only upscales when the fitted result is larger than the region.
            long fitW = w;
            long fitH = h;
            if (keepAspect) {
                double scale = Math.min(w / regionW, h / regionH);
                fitW = Math.round(regionW * scale);
                fitH = Math.round(regionH * scale);
            }
            if (fitW > Math.round(regionW) || fitH > Math.round(regionH)) {
                throw IiifError.bad("IIIF: upscaling should be prefixed with ^");
            }
        }
        return new Size((int) Math.min(Integer.MAX_VALUE, w), (int) Math.min(Integer.MAX_VALUE, h), keepAspect,
                upscale);
    }

    /**
     * A width or height as C++ {@code istream >> unsigned} reads it (leading digits, the rest
     * ignored), except that a sign is refused: iipsrv lets "-1" wrap to a huge number, we answer 400.
     */
    private static long dimension(String text, String error) throws IiifError {
        String t = text.stripLeading();
        int i = 0;
        long v = 0;
        while (i < t.length() && t.charAt(i) >= '0' && t.charAt(i) <= '9') {
            v = Math.min(v * 10 + (t.charAt(i) - '0'), 1L << 40);
            i++;
        }
        if (i == 0) {
            throw IiifError.bad(error);
        }
        return v;
    }
}

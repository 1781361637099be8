package io.github.iipservlet.protocol.iiif;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The size parameter (IIIF 3.0 and 2.1 section 4.2): {@code max}, {@code full} (version 2 only),
 * {@code pct:n}, {@code w,}, {@code ,h}, {@code w,h}, {@code !w,h}, and in version 3 the same with
 * a leading {@code ^} that allows upscaling. The result is the exact output size: {@code w,} is w
 * pixels wide, {@code !w,h} and {@code pct:n} already fitted to the region's aspect. maxWidth and
 * maxHeight (MAX_CVT) bound it: {@code max} and {@code !w,h} fit inside them, the other forms
 * above them are a 400.
 *
 * @param width   output width (at least 1)
 * @param height  output height (at least 1)
 * @param upscale the output may be larger than the region
 */
record Size(int width, int height, boolean upscale) {
    /** w and h are pixels: "non-negative integers" (3.0 section 4; 2.1: "integer numbers"). */
    private static final Pattern INTEGER = Pattern.compile("[0-9]+");
    /** n is a percentage: only "decimal digits and '.'" (3.0 section 4.7; 2.1 section 4). */
    private static final Pattern DECIMAL = Pattern.compile("[0-9]+(\\.[0-9]*)?|\\.[0-9]+");

    /**
     * @param version        IIIF major version of this request
     * @param allowUpscaling ALLOW_UPSCALING (applies to versions 1 and 2; version 3 also needs {@code ^})
     * @param limit          maxWidth and maxHeight of info.json (MAX_CVT; Integer.MAX_VALUE for none)
     */
    static Size parse(String text, int version, Region region, boolean allowUpscaling, int limit)
            throws IiifError {
        String size = text.toLowerCase(Locale.ROOT);
        boolean caret = version >= 3 && size.startsWith("^");
        if (caret) {
            size = size.substring(1);
        }
        long regionW = region.width();
        long regionH = region.height();
        // iipsrv's single-precision aspect ratio, for the side a size leaves out.
        float ratio = (float) ((double) regionW / regionH);
        long w;
        long h;
        if (size.equals("max") || (size.equals("full") && version < 3)) {
            // Version 3 dropped "full" as a size; iipsrv still takes it, the IIIF 3 validator wants a 400.
            w = regionW;
            h = regionH;
            // 3.0: max is "constrained to a smaller size by maxWidth, maxHeight"; 2.1: "the maximum
            // size available, as indicated by maxWidth, maxHeight". Version 2's full is not.
            if (size.equals("max") && (w > limit || h > limit)) {
                long[] fitted = fit(regionW, regionH, ratio, Math.min(w, limit), Math.min(h, limit));
                w = fitted[0];
                h = fitted[1];
            }
        } else if (size.startsWith("pct:")) {
            String n = size.substring(4);
            if (!DECIMAL.matcher(n).matches()) {
                throw IiifError.bad("invalid size");
            }
            double pct = Double.parseDouble(n);
            // 3.0: "The value of n MUST NOT be greater than 100" without '^'.
            if (version >= 3 && !caret && pct > 100) {
                throw upscalingNeedsCaret();
            }
            // Then fitted to the region's aspect, as iipsrv's view does: pct:5 of 8192x6144 is
            // 409x307, not 410x307 (3.0 section 4.2: the aspect "as closely as possible").
            long[] fitted = fit(regionW, regionH, ratio, Math.round(regionW * pct / 100),
                    Math.round(regionH * pct / 100));
            w = fitted[0];
            h = fitted[1];
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
                if (confined) {
                    // 3.0: "not larger than ... w, h, or server-imposed limits".
                    long[] fitted = fit(regionW, regionH, ratio, Math.min(w, limit), Math.min(h, limit));
                    w = fitted[0];
                    h = fitted[1];
                }
            }
        }
        // 3.0: "MUST NOT be less than 1 pixel"; 2.1: "If the resulting height or width is zero".
        if (w <= 0 || h <= 0) {
            throw IiifError.bad("IIIF: invalid size: requested width or height < 0");
        }
        boolean upscale = version >= 3 ? caret && allowUpscaling : allowUpscaling;
        // 3.0 says !w,h is "not larger than the extracted region"; the IIIF 3 validator (size_noup)
        // wants !2000,3000 on a 1000x1000 image refused, as iipsrv does, so it is checked too.
        if (version >= 3 && !upscale && (w > regionW || h > regionH)) {
            if (!caret) {
                throw upscalingNeedsCaret();
            }
            // 3.0 section 4.2: '^' that needs upscaling on a server without it "SHOULD result in a 501".
            throw new IiifError(IiifError.NOT_IMPLEMENTED, "IIIF: upscaling is not supported by this server");
        }
        // 3.0 section 4.2: not "greater than the server-imposed limits ... 400"; 2.1 section 5.2:
        // "clients should expect requests with larger linear dimensions to be rejected".
        if (w > limit || h > limit) {
            throw IiifError.bad("IIIF: requested size " + w + "x" + h + " is above maxWidth and maxHeight "
                    + limit);
        }
        return new Size((int) w, (int) h, upscale);
    }

    /** The largest size of the region's aspect inside boxW x boxH, as iipsrv's view fits it. */
    private static long[] fit(long regionW, long regionH, float ratio, long boxW, long boxH) {
        if ((double) boxW / regionW > (double) boxH / regionH) {
            return new long[] {Math.round(boxH * (double) ratio), boxH};
        }
        return new long[] {boxW, Math.round(boxW / (double) ratio)};
    }

    /** A width or height: digits only (iipsrv reads "1e3" as 1 and lets "-1" wrap). Huge values saturate. */
    private static long dimension(String text, String error) throws IiifError {
        if (!INTEGER.matcher(text).matches()) {
            throw IiifError.bad(error);
        }
        long v = 0;
        for (int i = 0; i < text.length(); i++) {
            v = Math.min(v * 10 + (text.charAt(i) - '0'), 1L << 40);
        }
        return v;
    }

    private static IiifError upscalingNeedsCaret() {
        return IiifError.bad("IIIF: upscaling should be prefixed with ^");
    }
}

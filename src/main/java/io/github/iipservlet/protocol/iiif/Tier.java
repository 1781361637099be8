package io.github.iipservlet.protocol.iiif;

import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.image.OpenImage;
import io.github.iipservlet.protocol.ImageAccess;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The smaller image service of a restricted image (docs/protocols.md 8.6): {@code <identifier>~max<N>}
 * is the image without its levels larger than N pixels, its own IIIF service with its own size, the
 * {@code substitute} the probe offers a caller limited to N. A plain identifier is the image itself.
 *
 * @param identifier the image's identifier, without the suffix
 * @param pixels     N, or 0 for the image itself
 */
record Tier(String identifier, int pixels) {
    private static final Pattern SUFFIX = Pattern.compile("~max([1-9][0-9]{0,6})$");

    static Tier of(String identifier) {
        Matcher m = SUFFIX.matcher(identifier);
        if (m.find()) {
            return new Tier(identifier.substring(0, m.start()), Integer.parseInt(m.group(1)));
        }
        return new Tier(identifier, 0);
    }

    /** The identifier of the tier of {@code identifier} at {@code pixels}. */
    static String name(String identifier, int pixels) {
        return identifier + "~max" + pixels;
    }

    /**
     * The image this service shows the caller: the whole image limited by the decision (its
     * coordinates are everybody's), or this tier, refused when the caller may not see its largest level.
     */
    OpenImage limit(OpenImage image, ImageAccess.Decision decision) throws ImageException {
        if (pixels == 0) {
            return ImageAccess.apply(image, decision, false);
        }
        if (decision.limit().none()) {
            throw decision.refused();
        }
        OpenImage tier = image.limitedTo(pixels, true, decision.refusal());
        if (tier == null) {
            throw new ImageException(ImageException.Kind.NOT_FOUND, "IIIF: no image that small");
        }
        int top = Math.max(tier.info().width(), tier.info().height());
        if (top > decision.limit().pixels()) {
            throw decision.refused();
        }
        return tier;
    }

    /**
     * The size parameter with {@code max} made what a limited caller may have of the region: the
     * region at the largest scale their limit allows (info.json's maxWidth alone cannot say that).
     */
    static String maxSize(String size, Region region, ImageInfo info, int maxSide) {
        if (maxSide == Integer.MAX_VALUE || !(size.equalsIgnoreCase("max") || size.equalsIgnoreCase("^max"))) {
            return size;
        }
        double scale = (double) maxSide / Math.max(info.width(), info.height());
        if (scale >= 1) {
            return size;
        }
        long w = Math.max(1, (long) Math.floor(region.width() * scale));
        long h = Math.max(1, (long) Math.floor(region.height() * scale));
        return "!" + w + "," + h;
    }
}

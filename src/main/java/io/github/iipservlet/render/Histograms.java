package io.github.iipservlet.render;

import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.image.Level;
import io.github.iipservlet.image.OpenImage;
import io.github.iipservlet.image.PixelBlock;
import io.github.iipservlet.process.Histogram;
import io.github.iipservlet.process.Processing;

/**
 * The image histogram a render needs (stretch, equalisation, bitonal: docs/protocols.md 5.2 step 1),
 * made once per file and page from the smallest level and kept with the open image.
 */
final class Histograms {
    private Histograms() {
    }

    /** The histogram of {@code image} when {@code p} needs one, else null. */
    static int[] forProcessing(OpenImage image, Processing p) throws ImageException {
        if (!p.needsHistogram()) {
            return null;
        }
        return image.histogram(img -> {
            ImageInfo info = img.info();
            int smallest = info.levels.size() - 1;
            Level level = info.levels.get(smallest);
            PixelBlock pixels = img.reader().readRegion(smallest, 0, 0, level.width(), level.height());
            return Histogram.of(pixels, info);
        });
    }
}

package io.github.iipservlet.protocol.iip;

import io.github.iipservlet.CNumbers;
import io.github.iipservlet.encode.OutputFormat;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.image.Level;
import io.github.iipservlet.image.OpenImage;
import io.github.iipservlet.image.PixelBlock;
import io.github.iipservlet.image.SampleType;
import io.github.iipservlet.image.StackItem;
import io.github.iipservlet.process.Processing;
import io.github.iipservlet.protocol.JsonStrings;
import io.github.iipservlet.render.TooLargeToRender;
import io.github.iipservlet.render.View;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * PFL=resolution:x1,y1[-x2,y2] (docs/protocols.md 3.20): the samples along a horizontal or vertical line (or
 * at one point) of a resolution, for every band, as JSON. Integer samples print like C++ streams
 * ({@code %g}), scaled by the stack page's STONITS; floats with nine decimals.
 *
 * <p>Band names are quoted JSON keys (iipsrv 1.1 printed bare numbers, which no JSON parser reads).
 * A resolution that does not exist is 404, a line outside the level 400 (iipsrv answers both
 * with its banner page and a 200).
 */
final class Pfl implements IipCommand {
    @Override
    public void run(IipSession session, String argument) throws ImageException, IipStop, TooLargeToRender {
        OpenImage image = session.requireImage("");
        if (image == null) {
            return;
        }
        int colon = argument.indexOf(':');
        if (colon < 0) {
            throw new IipStop(IipStop.Reply.BAD_REQUEST, "PFL: no resolution given");
        }
        int resolution = CNumbers.atoi(argument.substring(0, colon));
        String points = argument.substring(colon + 1);
        int dash = points.indexOf('-');
        int[] from = point(dash < 0 ? points : points.substring(0, dash));
        int[] to = dash < 0 ? from : point(points.substring(dash + 1));
        ImageInfo info = image.info();
        if (resolution < 0 || resolution >= info.resolutionCount()) {
            throw new ImageException(ImageException.Kind.NOT_FOUND, "Asked for non-existent resolution: "
                    + resolution);
        }
        Level level = info.levelForResolution(resolution);
        int x = from[0];
        int y = from[1];
        int width = 1;
        int height = 1;
        if (to[0] > x) {
            width = to[0] - x;
        } else if (to[1] > y) {
            height = to[1] - y;
        }
        // iipsrv accepts end points up to the level's size inclusive: a line may end at the edge,
        // but every pixel read must lie inside the level.
        // (In long: a start point near 2^31 overflowed x + width, and View refused it as a 500.)
        if (x < 0 || y < 0 || to[0] < 0 || to[1] < 0 || to[0] > level.width() || to[1] > level.height()
                || (long) x + width > level.width() || (long) y + height > level.height()) {
            throw new IipStop(IipStop.Reply.BAD_REQUEST, "PFL: coordinates outside the image");
        }
        List<StackItem> stack = image.stack();
        List<Integer> bands = image.horizontalViews();
        StringBuilder json = new StringBuilder("{\n\t\"profile\": ");
        if (bands.size() > 1) {
            json.append("{\n");
        }
        for (int i = 0; i < bands.size(); i++) {
            int band = bands.get(i);
            OpenImage view = image.view(band, session.verticalAngle);
            ImageInfo bandInfo = view.info();
            if (resolution >= bandInfo.resolutionCount()) {
                throw new ImageException(ImageException.Kind.NOT_FOUND, "Asked for non-existent resolution: "
                        + resolution);
            }
            // Through the renderer, within the memory budget, as every read of pixels.
            PixelBlock pixels = session.services.renderer().samples(View.region(view.cacheIdentity(),
                    bandInfo.resolutionCount() - 1 - resolution, x, y, width, height, width, height, Processing.NONE,
                    OutputFormat.JPEG, 0), view);
            double scale = band >= 0 && band < stack.size() ? stack.get(band).scale() : 1;
            if (bands.size() > 1) {
                json.append("\t\t\"").append(JsonStrings.escape(Spectra.bandName(stack, band))).append("\": ");
            }
            values(json, pixels, scale);
            if (bands.size() > 1) {
                json.append(i + 1 < bands.size() ? ",\n" : "\n");
            }
        }
        json.append(bands.size() > 1 ? "\t}\n}" : "\n}");
        session.output = IipSession.Output.of("application/json", json.toString().getBytes(StandardCharsets.UTF_8),
                info.lastModified);
    }

    /** "x,y" with C atoi semantics; a missing y is 0. */
    private static int[] point(String text) {
        int comma = text.indexOf(',');
        return new int[] {CNumbers.atoi(comma < 0 ? text : text.substring(0, comma)),
            comma < 0 ? 0 : CNumbers.atoi(text.substring(comma + 1))};
    }

    private static void values(StringBuilder json, PixelBlock pixels, double scale) {
        json.append('[');
        int n = pixels.width * pixels.height * pixels.channels;
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                json.append(',');
            }
            double v = pixels.sample(i) * scale;
            json.append(pixels.sampleType == SampleType.FLOAT ? String.format(Locale.ROOT, "%.9f", v)
                    : CFormat.g(v, 6));
        }
        json.append(']');
    }
}

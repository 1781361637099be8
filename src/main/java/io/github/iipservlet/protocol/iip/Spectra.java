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
import io.github.iipservlet.render.TooLargeToRender;
import io.github.iipservlet.render.View;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * SPECTRA=resolution,tile,x,y (docs/protocols.md 3.19): the value of one pixel in every band of a multispectral
 * image (the horizontal views: a sequence's band files or a stack's pages), as XML. x and y are
 * pixel coordinates inside the tile.
 *
 * <p>Where iipsrv writes part of the XML and then fails (a missing tile, a point beyond the edge of
 * a cropped edge tile), this answers the error alone: 404 for the tile, 400 for the point. It reads
 * the first channel of the pixel; iipsrv indexes multi-channel tiles as if they had one channel,
 * so its values for those belong to another pixel.
 */
final class Spectra implements IipCommand {
    static final String OUTSIDE = "SPECTRA :: Error: x,y coordinates outside of tile boundaries";

    @Override
    public void run(IipSession session, String argument) throws ImageException, IipStop, TooLargeToRender {
        OpenImage image = session.requireImage("");
        if (image == null) {
            return;
        }
        String[] parts = argument.split(",", -1);
        int[] v = new int[4];
        for (int i = 0; i < v.length && i < parts.length; i++) {
            v[i] = CNumbers.atoi(parts[i]);
        }
        int resolution = v[0];
        int tile = v[1];
        int x = v[2];
        int y = v[3];
        ImageInfo info = image.info();
        if (resolution < 0 || resolution >= info.resolutionCount()) {
            throw new ImageException(ImageException.Kind.NOT_FOUND, "Asked for non-existent resolution: "
                    + resolution);
        }
        Level level = info.levelForResolution(resolution);
        if (x < 0 || y < 0 || x >= level.tileWidth() || y >= level.tileHeight()) {
            throw new IipStop(IipStop.Reply.BAD_REQUEST, OUTSIDE);
        }
        if (tile < 0) {
            throw new ImageException(ImageException.Kind.NOT_FOUND, "Asked for non-existent tile: " + tile);
        }
        List<StackItem> stack = image.stack();
        StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<spectra>\n");
        for (int band : image.horizontalViews()) {
            OpenImage view = image.view(band, session.verticalAngle);
            ImageInfo bandInfo = view.info();
            if (resolution >= bandInfo.resolutionCount()) {
                throw new ImageException(ImageException.Kind.NOT_FOUND, "Asked for non-existent resolution: "
                        + resolution);
            }
            // Through the renderer, within the memory budget, as every read of pixels.
            PixelBlock pixels = session.services.renderer().samples(View.tile(view.cacheIdentity(),
                    bandInfo.resolutionCount() - 1 - resolution, tile, Processing.NONE, OutputFormat.JPEG, 0), view);
            if (x >= pixels.width || y >= pixels.height) {
                throw new IipStop(IipStop.Reply.BAD_REQUEST, OUTSIDE);
            }
            double value = pixels.sample((y * pixels.width + x) * pixels.channels);
            xml.append("\t<point>\n\t\t<wavelength>").append(xmlEscape(bandName(stack, band)))
                    .append("</wavelength>\n\t\t<reflectance>").append(CFormat.f(reflectance(pixels, value)))
                    .append("</reflectance>\n\t</point>\n");
        }
        xml.append("</spectra>");
        session.output = IipSession.Output.of("application/xml", xml.toString().getBytes(StandardCharsets.UTF_8),
                info.lastModified);
    }

    /** 8 and 16-bit samples as a fraction of their range; 32-bit integers and floats as they are. */
    private static double reflectance(PixelBlock pixels, double value) {
        if (pixels.sampleType == SampleType.FLOAT || pixels.bitsPerSample == 32) {
            return value;
        }
        return pixels.bitsPerSample == 16 ? value / 65535 : value / 255;
    }

    /** A stack page's name (its wavelength) when it has one, else the band's number. */
    static String bandName(List<StackItem> stack, int band) {
        if (band >= 0 && band < stack.size() && !stack.get(band).name().isEmpty()) {
            return stack.get(band).name();
        }
        return Integer.toString(band);
    }

    private static String xmlEscape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}

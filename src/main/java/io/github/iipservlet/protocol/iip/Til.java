package io.github.iipservlet.protocol.iip;

import io.github.iipservlet.CNumbers;
import io.github.iipservlet.encode.OutputFormat;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.image.Level;
import io.github.iipservlet.image.OpenImage;
import io.github.iipservlet.process.Processing;
import io.github.iipservlet.render.TooLargeToRender;
import io.github.iipservlet.render.View;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * TIL=resolution,start[-end] (docs/protocols.md 3.5, legacy FlashPix): the tiles of a rectangle of the tile grid,
 * column by column, each framed as {@code Tile,r,n,0/len+8:} + compression words + JPEG + CRLF.
 */
final class Til implements IipCommand {
    /** Tiles one TIL request may ask for: the reply is built in memory, a few MB at this count. */
    private static final int MAX_TILES = 256;

    @Override
    public void run(IipSession session, String argument) throws ImageException, IipStop, TooLargeToRender {
        OpenImage image = session.requireView("");
        if (image == null) {
            return;
        }
        ImageInfo info = image.info();
        int comma = argument.indexOf(',');
        int resolution = CNumbers.atoi(comma < 0 ? argument : argument.substring(0, comma));
        String rest = comma < 0 ? argument : argument.substring(comma + 1);
        int dash = rest.indexOf('-');
        int start = CNumbers.atoi(dash < 0 ? rest : rest.substring(0, dash));
        int end = dash < 0 ? start : CNumbers.atoi(rest.substring(dash + 1));
        end = Math.max(start, end);
        if (resolution < 0 || resolution >= info.resolutionCount()) {
            throw new ImageException(ImageException.Kind.NOT_FOUND, "Asked for non-existent resolution: "
                    + resolution);
        }
        if (start < 0) {
            throw new IipStop(IipStop.Reply.BAD_REQUEST, "TIL: invalid tile range");
        }
        Level level = info.levelForResolution(resolution);
        int across = level.tilesAcross();
        if (end >= level.tileCount()) {
            throw new ImageException(ImageException.Kind.NOT_FOUND, "Asked for non-existent tile: " + end);
        }
        int x0 = Math.min(start % across, end % across);
        int x1 = Math.max(start % across, end % across);
        int y0 = start / across;
        int y1 = end / across;
        if ((long) (x1 - x0 + 1) * (y1 - y0 + 1) > MAX_TILES) {
            throw new IipStop(IipStop.Reply.BAD_REQUEST, "TIL: too many tiles");
        }
        byte compression = (byte) (info.bitsPerSample == 8 ? 2 : info.bitsPerSample == 16 ? 3 : 0);
        int levelIndex = info.resolutionCount() - 1 - resolution;
        int from = x0;
        int to = x1;
        session.output = new IipSession.Output("application/vnd.netfpx", () -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int x = from; x <= to; x++) {
                for (int y = y0; y <= y1; y++) {
                    int index = y * across + x;
                    byte[] jpeg = session.services.renderer().render(View.tile(image.cacheIdentity(), levelIndex,
                            index, Processing.NONE, OutputFormat.JPEG, session.services.renderer().defaultQuality())
                            .withLayers(session.layersFor(image)), image);
                    out.writeBytes(("Tile," + resolution + "," + index + ",0/" + (jpeg.length + 8) + ":")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.writeBytes(new byte[] {compression, 0, 0, 0, 0, 0x11, 0, 0});
                    out.writeBytes(jpeg);
                    out.writeBytes(new byte[] {'\r', '\n'});
                }
            }
            return out.toByteArray();
        }, null, info.lastModified);
    }
}

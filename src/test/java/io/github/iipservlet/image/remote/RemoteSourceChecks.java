package io.github.iipservlet.image.remote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.iipservlet.testsupport.Http;
import io.github.iipservlet.testsupport.Jp2Writer;
import io.github.iipservlet.testsupport.TestImages;
import io.github.iipservlet.testsupport.TestServer;
import io.github.iipservlet.testsupport.TiffWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the HTTP and S3 source tests share: the images they serve, the requests every protocol is
 * asked, and the comparison with the same images served from local files.
 */
final class RemoteSourceChecks {
    private RemoteSourceChecks() {
    }

    /** Writes the images into {@code dir}: JPEG and deflate TIFF pyramids, a JPEG2000 file, one in a sub-folder. */
    static void writeImages(Path dir) throws IOException {
        TiffWriter.builder().size(2000, 1500).compression(TiffWriter.Compression.JPEG)
                .photometric(TiffWriter.Photometric.YCBCR_JPEG).write(dir.resolve("jpeg.tif"));
        TiffWriter.builder().size(1000, 700).compression(TiffWriter.Compression.DEFLATE).predictor(2)
                .photometric(TiffWriter.Photometric.RGB).write(dir.resolve("deflate.tif"));
        Jp2Writer.builder().size(700, 500).channels(3).levels(5).tiling(192, 192).pixels(TestImages::rgb)
                .write(dir.resolve("rgb.jp2"));
        TiffWriter.writeStack(dir.resolve("stack.tif"),
                TiffWriter.builder().size(600, 400).subIfds(true).compression(TiffWriter.Compression.DEFLATE)
                        .photometric(TiffWriter.Photometric.RGB),
                TiffWriter.builder().size(600, 400).subIfds(true).compression(TiffWriter.Compression.DEFLATE)
                        .photometric(TiffWriter.Photometric.RGB).pixels((x, y, c) -> (x * 3 + y + c * 70) % 256));
        Files.createDirectories(dir.resolve("sub"));
        TiffWriter.builder().size(640, 480).compression(TiffWriter.Compression.DEFLATE)
                .photometric(TiffWriter.Photometric.RGB).write(dir.resolve("sub/deep.tif"));
    }

    /** Requests of every protocol, relative to a server's base URL, for the images above. */
    static List<String> requests() {
        List<String> r = new ArrayList<>();
        for (String id : List.of("jpeg.tif", "deflate.tif", "rgb.jp2", "sub/deep.tif")) {
            String iip = "fcgi-bin/iipsrv.fcgi?FIF=" + id;
            r.add(iip + "&OBJ=IIP,1.0&OBJ=Max-size&OBJ=Tile-size&OBJ=Resolution-number&OBJ=Bits-per-channel");
            r.add(iip + "&JTL=1,0");
            r.add(iip + "&JTL=2,3");
            r.add(iip + "&PTL=0,1");
            r.add(iip + "&RGN=0.1,0.2,0.6,0.5&WID=400&CVT=jpeg");
            r.add(iip + "&RGN=0.3,0.3,0.4,0.4&WID=300&GAM=1.5&CVT=png");
            r.add("iiif/" + id + "/info.json");
            r.add("iiif/" + id + "/full/256,/0/default.jpg");
            r.add("iiif/" + id + "/0,0,512,512/512,/0/default.png");
            r.add("iiif/" + id + "/100,50,300,200/pct:50/90/gray.jpg");
            r.add("deepzoom/" + id + ".dzi");
            r.add("deepzoom/" + id + "_files/9/0_0.jpg");
            r.add("zoomify/" + id + "/ImageProperties.xml");
            r.add("zoomify/" + id + "/TileGroup0/0-0-0.jpg");
        }
        r.add("fcgi-bin/iipsrv.fcgi?FIF=stack.tif&OBJ=Horizontal-views&OBJ=Max-size");
        r.add("fcgi-bin/iipsrv.fcgi?FIF=stack.tif&SDS=1,90&JTL=1,0");
        r.add("fcgi-bin/iipsrv.fcgi?FIF=stack.tif&SDS=1,90&RGN=0.2,0.2,0.5,0.5&WID=200&CVT=png");
        r.add("fcgi-bin/iipsrv.fcgi?FIF=missing.tif&OBJ=Max-size");
        r.add("iiif/missing.tif/info.json");
        return r;
    }

    /** Asks both servers every request: the same status, type and bytes (the servers' own URLs aside). */
    static void sameAsLocal(TestServer local, TestServer remote) throws Exception {
        for (String request : requests()) {
            Http.Reply a = Http.get(local.baseUrl() + "/" + request);
            Http.Reply b = Http.get(remote.baseUrl() + "/" + request);
            assertEquals(a.status(), b.status(), request);
            assertEquals(a.contentType(), b.contentType(), request);
            if (request.endsWith("info.json")) {
                assertEquals(new String(a.body(), StandardCharsets.UTF_8).replace(local.baseUrl(), "BASE"),
                        new String(b.body(), StandardCharsets.UTF_8).replace(remote.baseUrl(), "BASE"), request);
            } else {
                assertArrayEquals(a.body(), b.body(), request);
            }
        }
    }
}

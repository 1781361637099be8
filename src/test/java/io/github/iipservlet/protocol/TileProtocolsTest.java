package io.github.iipservlet.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.testsupport.Http;
import io.github.iipservlet.testsupport.Pixels;
import io.github.iipservlet.testsupport.TestServer;
import io.github.iipservlet.testsupport.TiffWriter;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DeepZoom and Zoomify (docs/protocols.md 6 and 7, docs/decisions.md Decisions 2, 7 and 10) on a
 * 1000x700 pyramid of 256x256 tiles.
 */
class TileProtocolsTest {
    @TempDir
    static Path tmp;
    static TestServer server;
    static String iip;
    static TiffWriter.Written deflate;

    @BeforeAll
    static void start() throws Exception {
        Path images = Files.createDirectories(tmp.resolve("images"));
        TiffWriter.builder().size(1000, 700).compression(TiffWriter.Compression.JPEG)
                .photometric(TiffWriter.Photometric.YCBCR_JPEG).write(images.resolve("test.tif"));
        deflate = TiffWriter.builder().size(1000, 700).compression(TiffWriter.Compression.DEFLATE).predictor(2)
                .photometric(TiffWriter.Photometric.RGB).write(images.resolve("deflate.tif"));
        TiffWriter.builder().size(300, 200).write(tmp.resolve("secret.tif"));
        TiffWriter.builder().size(1024, 512).write(images.resolve("edge.tif"));
        server = TestServer.start(Map.of("FILESYSTEM_PREFIX", images + "/", "CORS", "*"));
        iip = server.iipUrl() + "?";
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static BufferedImage image(String query) throws Exception {
        Http.Reply r = Http.get(iip + query);
        assertEquals(200, r.status(), query);
        assertEquals("image/jpeg", r.contentType(), query);
        assertEquals(String.valueOf(r.body().length), r.header("Content-Length"));
        return r.image();
    }

    private static void assertSize(int w, int h, BufferedImage img) {
        assertEquals(w + "x" + h, img.getWidth() + "x" + img.getHeight());
    }

    @Test
    void zoomifyProperties() throws Exception {
        Http.Reply r = Http.get(iip + "Zoomify=test.tif/ImageProperties.xml");
        assertEquals("application/xml", r.contentType());
        assertEquals("<IMAGE_PROPERTIES WIDTH=\"1000\" HEIGHT=\"700\" NUMTILES=\"17\" NUMIMAGES=\"1\" VERSION=\"1.8\" "
                + "TILESIZE=\"256\"/>", r.text());
        assertEquals("*", r.header("Access-Control-Allow-Origin"));
        assertEquals(r.text(), Http.get(server.baseUrl() + "/zoomify/test.tif/ImageProperties.xml").text());
    }

    /**
     * A pyramid whose smallest level (256x128) is exactly one tile wide: no level is smaller than a
     * tile in both directions, and iipsrv still counts 1 + 8 + 2 + 1 (docs/protocols.md 6).
     */
    @Test
    void zoomifyNumtilesWhenTheSmallestLevelIsOneTileWide() throws Exception {
        assertTrue(Http.get(iip + "Zoomify=edge.tif/ImageProperties.xml").text().contains(" NUMTILES=\"12\" "));
    }

    @Test
    void zoomifyTilesAreTheJtlTiles() throws Exception {
        assertSize(250, 175, image("Zoomify=test.tif/TileGroup0/0-0-0.jpg"));
        assertSize(232, 188, image("Zoomify=test.tif/TileGroup0/2-3-2.jpg"));
        assertSize(244, 94, image("Zoomify=test.tif/TileGroup5/1-1-1.jpg"));
        assertArrayEquals(Http.get(iip + "FIF=test.tif&JTL=2,11").body(),
                Http.get(iip + "Zoomify=test.tif/TileGroup0/2-3-2.jpg").body());
        assertArrayEquals(Http.get(iip + "FIF=deflate.tif&JTL=2,5").body(),
                Http.get(server.baseUrl() + "/zoomify/deflate.tif/TileGroup0/2-1-1.jpg").body());
        for (String missing : new String[] {"3-0-0.jpg", "2-4-0.jpg", "2-0-3.jpg", "x-0-0.jpg", "2-0.jpg"}) {
            assertEquals(404, Http.get(iip + "Zoomify=test.tif/TileGroup0/" + missing).status(), missing);
        }
        assertEquals(404, Http.get(iip + "Zoomify=nothere.tif/ImageProperties.xml").status());
    }

    @Test
    void deepZoomDescriptor() throws Exception {
        Http.Reply r = Http.get(iip + "DeepZoom=test.tif.dzi");
        assertEquals("application/xml", r.contentType());
        assertEquals("<Image xmlns=\"http://schemas.microsoft.com/deepzoom/2008\" TileSize=\"256\" Overlap=\"0\" "
                + "Format=\"jpg\"><Size Width=\"1000\" Height=\"700\"/></Image>", r.text());
        assertEquals("*", r.header("Access-Control-Allow-Origin"));
        assertEquals(r.text(), Http.get(server.baseUrl() + "/deepzoom/test.tif.dzi").text());
        Http.Reply again = Http.get(iip + "DeepZoom=test.tif.dzi", "If-Modified-Since", r.header("Last-Modified"));
        assertEquals(304, again.status());
    }

    @Test
    void deepZoomLevelsOfThePyramidAreItsTiles() throws Exception {
        assertSize(256, 256, image("DeepZoom=test.tif_files/10/0_0.jpg"));
        assertSize(244, 94, image("DeepZoom=test.tif_files/9/1_1.jpg"));
        assertSize(250, 175, image("DeepZoom=test.tif_files/8/0_0.jpg"));
        assertArrayEquals(Http.get(iip + "FIF=deflate.tif&JTL=2,5").body(),
                Http.get(server.baseUrl() + "/deepzoom/deflate.tif_files/10/1_1.jpg").body());
    }

    @Test
    void deepZoomLevelsBelowThePyramidHaveTheirTrueSize() throws Exception {
        int[][] sizes = {{7, 125, 88}, {6, 63, 44}, {3, 8, 6}, {1, 2, 2}, {0, 1, 1}};
        for (int[] s : sizes) {
            assertSize(s[1], s[2], image("DeepZoom=deflate.tif_files/" + s[0] + "/0_0.jpg"));
        }
        // Level 7 is the 250x175 level halved: compare with the stored level, sampled at twice the position.
        BufferedImage seven = image("DeepZoom=deflate.tif_files/7/0_0.jpg");
        assertTrue(Pixels.psnr(seven, (x, y, c) -> deflate.sample(2, Math.min(249, 2 * x), Math.min(174, 2 * y), c),
                3) > 22);
    }

    @Test
    void deepZoomTilesThatDoNotExistAre404() throws Exception {
        for (String missing : new String[] {"11/0_0.jpg", "10/4_0.jpg", "10/0_3.jpg", "-1/0_0.jpg", "10/abc.jpg",
            "0/1_0.jpg", "10/0_0/x.jpg"}) {
            Http.Reply r = Http.get(iip + "DeepZoom=test.tif_files/" + missing);
            assertEquals(404, r.status(), missing);
            assertEquals("*", r.header("Access-Control-Allow-Origin"));
        }
        assertEquals(404, Http.get(iip + "DeepZoom=nothere.tif.dzi").status());
    }

    /**
     * Columns and rows whose pixel position overflows an int (8388608 x 256 = 2^31) are tiles that
     * do not exist, in both forms: they reached the renderer as a negative width (a 500 naming an
     * exception class).
     */
    @Test
    void overflowingTilePositionsAre404() throws Exception {
        for (String tile : new String[] {"0/8388608_0.jpg", "0/0_8388608.jpg", "10/16777216_0.jpg",
            "10/2147483647_2147483647.jpg", "10/4294967296_0.jpg"}) {
            for (String url : new String[] {iip + "DeepZoom=test.tif_files/" + tile,
                server.baseUrl() + "/deepzoom/test.tif_files/" + tile}) {
                Http.Reply r = Http.get(url);
                assertEquals(404, r.status(), url + ": " + r.text());
                assertFalse(r.text().contains("Exception"), url);
            }
        }
        for (String tile : new String[] {"0-8388608-0.jpg", "0-0-2147483647.jpg", "99-0-0.jpg", "-1-0-0.jpg"}) {
            Http.Reply r = Http.get(server.baseUrl() + "/zoomify/test.tif/TileGroup0/" + tile);
            assertEquals(404, r.status(), tile + ": " + r.text());
        }
    }

    @Test
    void pathFormsRefuseTraversal() throws Exception {
        for (String path : new String[] {"/deepzoom/..%2Fsecret.tif.dzi", "/deepzoom/../secret.tif.dzi",
            "/zoomify/%2e%2e/secret.tif/ImageProperties.xml"}) {
            Http.Reply r = Http.get(server.baseUrl() + path);
            // Jetty itself answers 400 to an encoded slash in a path; our filter answers 404 to the rest.
            assertTrue(r.status() == 404 || r.status() == 400, path + " gave " + r.status());
            assertFalse(r.text().contains("IMAGE_PROPERTIES") || r.text().contains("<Image"), path);
        }
    }
}

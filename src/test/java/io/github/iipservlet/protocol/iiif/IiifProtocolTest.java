package io.github.iipservlet.protocol.iiif;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.encode.OutputFormat;
import io.github.iipservlet.testsupport.Http;
import io.github.iipservlet.testsupport.Jpegs;
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
 * IIIF as iipsrv serves it (docs/protocols.md 8) and where our decisions differ: ids behind
 * proxies and under a context path, redirects, version negotiation, the tile fast path, sizes,
 * rotations, qualities and the error statuses of docs/decisions.md Decision 2, on a 1000x700 pyramid of 256x256
 * tiles (levels 1000x700, 500x350, 250x175).
 */
class IiifProtocolTest {
    @TempDir
    static Path tmp;
    /** IIIF 3 (the default), CORS on. */
    static TestServer v3;
    /** The last entry of the formats lists: avif where libavif is installed (docs/protocols.md 8.4). */
    static final String AVIF = OutputFormat.AVIF.available() ? ",\"avif\"" : "";
    /**
     * Configured as the BASE_URL examples of docs/protocols.md 8.2 and 8.4: BASE_URL, version 2,
     * MAX_CVT=-1, delimiter (docs/protocols.md 8.1.5), extra info, extensions, URI_MAP.
     */
    static TestServer configured;
    /** The webapp under a context path. */
    static TestServer contextPath;
    static String base;

    @BeforeAll
    static void start() throws Exception {
        Path images = Files.createDirectories(tmp.resolve("images"));
        TiffWriter.builder().size(1000, 700).compression(TiffWriter.Compression.JPEG)
                .photometric(TiffWriter.Photometric.YCBCR_JPEG).tag("Copyright", "Copyright Test 2024")
                .resolution(28.34, 28.34, 3).write(images.resolve("test.tif"));
        TiffWriter.builder().size(1000, 700).compression(TiffWriter.Compression.DEFLATE)
                .photometric(TiffWriter.Photometric.RGB).write(images.resolve("deflate.tif"));
        TiffWriter.builder().size(300, 200).compression(TiffWriter.Compression.DEFLATE)
                .photometric(TiffWriter.Photometric.RGB).write(Files.createDirectories(images.resolve("sub"))
                        .resolve("small.tif"));
        TiffWriter.builder().size(300, 200).write(tmp.resolve("secret.tif"));
        v3 = TestServer.start(Map.of("FILESYSTEM_PREFIX", images + "/", "CORS", "*"));
        base = v3.baseUrl() + "/iiif/";
        configured = TestServer.start(Map.ofEntries(Map.entry("FILESYSTEM_PREFIX", images + "/"),
                Map.entry("FILESYSTEM_SUFFIX", ".tif"), Map.entry("BASE_URL", "https://images.example.com/iiif/"),
                Map.entry("IIIF_VERSION", "2"), Map.entry("MAX_CVT", "-1"), Map.entry("IIIF_DELIMITER", ";"),
                Map.entry("IIIF_EXTRA_INFO", "\"preferredFormats\": [\"png\"]"),
                Map.entry("COPYRIGHT", "Global rights"), Map.entry("IIIF_EXTENSIONS", "1"),
                Map.entry("CACHE_CONTROL", "no-store"), Map.entry("URI_MAP", "images=>IIIF, dz=>DeepZoom")));
        contextPath = TestServer.start(0, "/viewer", Map.of("FILESYSTEM_PREFIX", images + "/"));
    }

    @AfterAll
    static void stop() throws Exception {
        v3.close();
        configured.close();
        contextPath.close();
    }

    private static Http.Reply ok(String url, String... headers) throws Exception {
        Http.Reply r = Http.get(url, headers);
        assertEquals(200, r.status(), () -> url + ": " + r.text());
        return r;
    }

    private static BufferedImage image(String params) throws Exception {
        Http.Reply r = ok(base + "test.tif/" + params);
        assertEquals(params.endsWith(".png") ? "image/png" : "image/jpeg", r.contentType(), params);
        return r.image();
    }

    private static void assertSize(String expected, BufferedImage img) {
        assertEquals(expected, img.getWidth() + "x" + img.getHeight());
    }

    private static void assertError(int status, String text, String url) throws Exception {
        Http.Reply r = Http.get(url);
        assertEquals(status, r.status(), url);
        assertEquals(text, r.text(), url);
        assertEquals("text/plain;charset=utf-8", r.contentType().replace(" ", ""));
    }

    @Test
    void infoJsonVersion3IsIipsrvsText() throws Exception {
        Http.Reply r = ok(base + "test.tif/info.json");
        assertEquals("application/ld+json;profile=\"http://iiif.io/api/image/3/context.json\"", r.contentType());
        assertEquals("*", r.header("Access-Control-Allow-Origin"));
        assertEquals("max-age=86400", r.header("Cache-Control"));
        assertNotNull(r.header("Last-Modified"));
        // iipsrv 1.3's layout (docs/protocols.md 8.4), extraFormats included (tif and webp are served, avif where
        // libavif is installed). The service has
        // an @id and @type, which IIIF 3 requires and iipsrv omits.
        String expected = """
                {
                  "@context" : "http://iiif.io/api/image/3/context.json",
                  "protocol" : "http://iiif.io/api/image",
                  "width" : 1000,
                  "height" : 700,
                  "sizes" : [
                     { "width" : 250, "height" : 175 },
                     { "width" : 500, "height" : 350 }
                  ],
                  "tiles" : [
                     { "width" : 256, "height" : 256, "scaleFactors" : [ 1, 2, 4 ] }
                  ],
                  "id" : "ID",
                  "type": "ImageService3",
                  "profile" : "level2",
                  "maxWidth" : 5000,
                  "maxHeight" : 5000,
                  "extraQualities": ["color","gray","bitonal"],
                  "extraFormats": ["tif","webp"AVIF],
                  "extraFeatures": ["regionByPct","sizeByPct","sizeByConfinedWh","sizeUpscaling","rotationBy90s","mirroring"],
                  "rights": "Copyright Test 2024",
                  "service": [
                    {
                      "@context": "http://iiif.io/api/annex/services/physdim/1/context.json",
                      "@id": "ID#physdim",
                      "@type": "PhysicalDimensions",
                      "profile": "http://iiif.io/api/annex/services/physdim",
                      "physicalScale": 0.0352858,
                      "physicalUnits": "cm"
                    }
                  ]

                }""".replace("ID", v3.baseUrl() + "/iiif/test.tif").replace("AVIF", AVIF);
        assertEquals(expected, r.text());
        // The query form names the script and the query, as iipsrv's id does.
        assertTrue(ok(v3.iipUrl() + "?IIIF=test.tif/info.json").text()
                .contains("\"id\" : \"" + v3.iipUrl() + "?IIIF=test.tif\""));
    }

    @Test
    void versionTwoByAcceptIsPrivate() throws Exception {
        Http.Reply r = ok(base + "test.tif/info.json", "Accept",
                "application/ld+json;profile=\"http://iiif.io/api/image/2/context.json\"");
        assertEquals("application/ld+json;profile=\"http://iiif.io/api/image/2/context.json\"", r.contentType());
        assertEquals("private", r.header("Cache-Control"));
        assertTrue(r.text().contains("\"@id\" : \"" + base + "test.tif\""), r.text());
        assertTrue(r.text().contains("""
                  "profile" : [
                     "http://iiif.io/api/image/2/level2.json",
                     { "formats" : ["jpg","png","tif","webp"AVIF],
                       "qualities" : ["native","color","gray","bitonal"],
                """.replace("AVIF", AVIF)), r.text());
        assertTrue(r.text().contains("\"license\": \"Copyright Test 2024\""));
        // The image requests of another version are private too; the same version is not.
        assertEquals("private", ok(base + "test.tif/full/100,/0/default.jpg", "Accept",
                "application/ld+json;profile=\"http://iiif.io/api/image/2/context.json\"").header("Cache-Control"));
        assertEquals("max-age=86400", ok(base + "test.tif/info.json", "Accept",
                "application/ld+json;profile=\"http://iiif.io/api/image/3/context.json\"").header("Cache-Control"));
    }

    @Test
    void configuredServer() throws Exception {
        String mapped = configured.baseUrl() + "/images/";
        Http.Reply r = ok(mapped + "deflate/info.json");
        // IIIF 2 answers plain JSON unless JSON-LD is asked for, with the context in a Link header.
        assertEquals("application/json", r.contentType());
        assertTrue(r.header("Link").contains("http://iiif.io/api/image/2/context.json"));
        assertEquals("no-store", r.header("Cache-Control"));
        String body = r.text();
        assertTrue(body.contains("\"@id\" : \"https://images.example.com/iiif/deflate\""), body);
        assertTrue(body.contains("\"qualities\" : [\"native\",\"color\",\"gray\",\"bitonal\",\"negative\",\"stretch\","
                + "\"equalization\",\"log\"]"), body);
        assertTrue(body.contains("\"maxWidth\" : 4294967295"), body);
        assertTrue(body.endsWith("""
                  "license": "Global rights",
                  "preferredFormats": ["png"]
                }"""), body);
        assertEquals("application/ld+json;profile=\"http://iiif.io/api/image/2/context.json\"",
                ok(mapped + "deflate/info.json", "Accept", "application/ld+json").contentType());
        Http.Reply redirect = Http.get(mapped + "deflate");
        assertEquals(303, redirect.status());
        assertEquals("https://images.example.com/iiif/deflate/info.json", redirect.header("Location"));
        // The page after the delimiter is cut from the identifier before the suffix is added.
        Http.Reply page = ok(mapped + "deflate;1/full/100,/0/default.jpg");
        assertEquals("inline; filename=\"deflate_100x70.jpg\"", page.header("Content-Disposition"));
        assertSize("100x70", page.image());
        // Several mappings; requests outside them keep their servlets.
        assertTrue(ok(configured.baseUrl() + "/dz/deflate.dzi").text().contains("Width=\"1000\""));
        assertTrue(ok(configured.baseUrl() + "/iiif/deflate/info.json").text().contains("\"width\" : 1000"));
        assertEquals("Max-size:1000 700", ok(configured.iipUrl() + "?FIF=deflate&OBJ=Max-size").text().strip()
                .lines().filter(l -> l.startsWith("Max-size")).findFirst().orElse(""));
        // One method policy for every form (iipsrv takes any method for a mapped request).
        assertEquals(204, Http.send("OPTIONS", mapped + "deflate/info.json", null).status());
        assertEquals(405, Http.send("PUT", mapped + "deflate/info.json", "").status());
        assertEquals(200, Http.send("HEAD", mapped + "deflate/info.json", null).status());
        assertEquals(404, Http.get(configured.baseUrl() + "/images/nothere/info.json").status());
    }

    @Test
    void idHonoursProxiesAndContextPath() throws Exception {
        String id = "\"id\" : \"%s\"";
        assertTrue(ok(base + "test.tif/info.json", "X-Forwarded-Proto", "https", "X-Forwarded-Host",
                "images.example.org", "X-Forwarded-Prefix", "/pics/").text()
                .contains(id.formatted("https://images.example.org/pics/iiif/test.tif")));
        assertTrue(ok(base + "test.tif/info.json", "X-Forwarded-Proto", "https, http", "X-Forwarded-Host",
                "images.example.org", "X-Forwarded-Port", "8443").text()
                .contains(id.formatted("https://images.example.org:8443/iiif/test.tif")));
        assertTrue(ok(base + "test.tif/info.json", "X-IIIF-ID", "my\"id").text().contains(id.formatted("my\\\"id")));
        String under = contextPath.baseUrl() + "/iiif/test.tif";
        assertTrue(ok(under + "/info.json").text().contains(id.formatted(under)));
        Http.Reply redirect = Http.get(under);
        assertEquals(303, redirect.status());
        assertEquals(under + "/info.json", redirect.header("Location"));
        assertEquals("https://proxy.example/app/iiif/test.tif/info.json", Http.get(under, "X-Forwarded-Proto",
                "https", "X-Forwarded-Host", "proxy.example", "X-Forwarded-Prefix", "/app").header("Location")
                .replace("/viewer/", "/"));
    }

    @Test
    void baseUriRedirects() throws Exception {
        Http.Reply r = Http.get(base + "test.tif");
        assertEquals(303, r.status());
        assertEquals(base + "test.tif/info.json", r.header("Location"));
        assertEquals("*", r.header("Access-Control-Allow-Origin"));
        assertEquals(v3.iipUrl() + "?IIIF=test.tif/info.json", Http.get(v3.iipUrl() + "?IIIF=test.tif")
                .header("Location"));
        // iipsrv's quirk: a leading slash and nothing else names the empty identifier.
        assertEquals(404, Http.get(v3.iipUrl() + "?IIIF=/test.tif").status());
        // An identifier in a sub-folder. Containers refuse an escaped slash (%2F) in a path unless told
        // otherwise (Jetty and Tomcat answer 400 themselves), so plain slashes work too, as in iipsrv.
        Http.Reply sub = Http.get(base + "sub/small.tif");
        assertEquals(303, sub.status());
        assertEquals(base + "sub/small.tif/info.json", sub.header("Location"));
        assertTrue(ok(sub.header("Location")).text().contains("\"id\" : \"" + base + "sub/small.tif\""));
        assertSize("300x200", ok(base + "sub/small.tif/full/max/0/default.jpg").image());
        assertSize("300x200", ok(v3.iipUrl() + "?IIIF=sub%2Fsmall.tif/full/max/0/default.jpg").image());
        assertEquals(400, Http.get(base + "sub/nothere.tif").status());
    }

    @Test
    void sizes() throws Exception {
        assertSize("1000x700", image("full/max/0/default.jpg"));
        assertSize("300x210", image("full/300,/0/default.jpg"));
        assertSize("143x100", image("full/,100/0/default.png"));
        assertSize("300x210", image("full/!300,300/0/default.jpg"));
        assertSize("300x300", image("full/300,300/0/default.jpg"));
        assertSize("500x350", image("full/pct:50/0/default.jpg"));
        assertSize("3000x2100", image("full/%5E3000,/0/default.jpg"));
        assertSize("1000x700", image("full/%5Emax/0/default.jpg"));
        assertSize("700x700", image("square/max/0/default.jpg"));
        assertSize("500x350", image("pct:10,10,50,50/max/0/default.jpg"));
        assertSize("256x179", image("0,0,1024,1024/256,/0/default.jpg"));
        assertSize("100x70", image("FULL/100,/0/DEFAULT.JPG"));
        assertEquals("image/jpeg", ok(base + "test.tif/full/100,/0/default").contentType());
        // Version 2 keeps "full" and scales up without "^" (ALLOW_UPSCALING).
        assertSize("2000x1400", ok(configured.baseUrl() + "/iiif/deflate/full/2000,/0/default.jpg").image());
        assertSize("1000x700", ok(configured.baseUrl() + "/iiif/deflate/full/full/0/native.jpg").image());
    }

    @Test
    void storedTilesTakeTheTilePath() throws Exception {
        String[][] tiles = {{"0,0,256,256/256,", "2,0", "256x256"}, {"512,0,488,512/244,", "1,1", "244x256"},
            {"768,512,232,188/232,", "2,11", "232x188"}, {"full/250,", "0,0", "250x175"}};
        for (String[] t : tiles) {
            Http.Reply r = ok(base + "test.tif/" + t[0] + "/0/default.jpg");
            assertNull(r.header("Content-Disposition"), t[0]);
            assertEquals(String.valueOf(r.body().length), r.header("Content-Length"));
            assertSize(t[2], r.image());
            // The same view as the JTL tile: the same bytes (here the stored tile, passed through).
            assertArrayEquals(ok(v3.iipUrl() + "?FIF=test.tif&JTL=" + t[1]).body(), r.body(), t[0]);
        }
        Http.Reply region = ok(base + "test.tif/0,0,1024,1024/256,/0/default.jpg");
        assertEquals("inline; filename=\"test_256x179.jpg\"", region.header("Content-Disposition"));
        // A rendered JPEG names the server and the image's rights in two comments.
        java.util.List<String> comments = Jpegs.segments(region.body()).stream().filter(g -> g.marker() == 0xFE)
                .map(g -> new String(g.payload(), java.nio.charset.StandardCharsets.UTF_8)).toList();
        assertEquals(2, comments.size(), comments.toString());
        assertTrue(comments.get(0).startsWith("iip-servlet/"), comments.toString());
        assertEquals("Copyright Test 2024", comments.get(1));
    }

    @Test
    void rotationMirroringAndQualities() throws Exception {
        BufferedImage plain = image("full/300,/0/default.png");
        BufferedImage mirrored = image("full/300,/!0/default.png");
        BufferedImage flipped = image("full/300,/!180/default.png");
        BufferedImage turned = image("full/300,/90/default.png");
        assertSize("210x300", turned);
        for (int y = 0; y < 210; y += 13) {
            for (int x = 0; x < 300; x += 17) {
                int p = plain.getRGB(x, y);
                assertEquals(p, mirrored.getRGB(299 - x, y));
                assertEquals(p, flipped.getRGB(x, 209 - y));
                assertEquals(p, turned.getRGB(209 - y, x));
            }
        }
        assertArrayEquals(ok(base + "test.tif/full/max/0/default.jpg").body(),
                ok(base + "test.tif/full/max/360/default.jpg").body());
        Http.Reply grey = ok(base + "test.tif/full/300,/!0/gray.jpg");
        assertEquals(1, Jpegs.components(grey.body()));
        BufferedImage bitonal = image("full/300,/90/bitonal.png");
        assertSize("210x300", bitonal);
        boolean black = false;
        boolean white = false;
        for (int y = 0; y < 300; y += 3) {
            for (int x = 0; x < 210; x += 3) {
                int v = bitonal.getRaster().getSample(x, y, 0);
                assertTrue(v == 0 || v == 255, "bitonal sample " + v);
                black |= v == 0;
                white |= v == 255;
            }
        }
        assertTrue(black && white);
        assertEquals(200, Http.get(configured.baseUrl() + "/iiif/deflate/full/100,/0/negative.jpg").status());
        assertError(400, "unsupported quality parameter: negative", base + "test.tif/full/100,/0/negative.jpg");
    }

    @Test
    void errorsHaveTheirStatusAndIipsrvsText() throws Exception {
        String t = base + "test.tif/";
        assertError(501, "IIIF: currently implemented rotation angles are 0, 90, 180 and 270 degrees",
                t + "full/max/45/default.jpg");
        assertError(400, "IIIF: invalid rotation", t + "full/max/abc/default.jpg");
        assertError(400, "IIIF: invalid rotation", t + "full/max/-90/default.jpg");
        assertError(400, "IIIF: invalid rotation", t + "full/max/400/default.jpg");
        assertError(400, "unsupported quality parameter: foo", t + "full/max/0/foo.jpg");
        assertError(501, "IIIF :: unsupported output format", t + "full/max/0/default.tiff");
        assertError(501, "IIIF :: unsupported output format", t + "full/max/0/default.gif");
        assertError(501, "IIIF :: unsupported output format", t + "full/max/0/default.jp2");
        // iipsrv refuses tif although its info.json lists it; we serve it (and webp).
        assertEquals("image/tiff", ok(t + "full/100,/0/default.tif").contentType());
        assertEquals("image/webp", ok(t + "full/100,/0/default.webp").contentType());
        assertError(400, "IIIF :: unsupported output format", t + "full/max/0/default.xyz");
        assertError(400, "IIIF: Not enough parameters", t + "full/max/0");
        assertError(400, "IIIF: incorrect region format: bad", t + "bad/max/0/default.jpg");
        assertError(400, "IIIF: incorrect region format: 2000,0,100,100", t + "2000,0,100,100/max/0/default.jpg");
        assertError(400, "IIIF: incorrect region format: 0,0,0,0", t + "0,0,0,0/max/0/default.jpg");
        assertError(400, "IIIF: incorrect region format: 1,2,3", t + "1,2,3/max/0/default.jpg");
        assertError(400, "invalid size: no comma found", t + "full/300/0/default.jpg");
        assertError(400, "IIIF: invalid size: requested width or height < 0", t + "full/0,/0/default.jpg");
        assertError(400, "invalid width", t + "full/-10,/0/default.jpg");
        assertError(400, "invalid size", t + "full/pct:abc/0/default.jpg");
        assertError(400, "IIIF: upscaling should be prefixed with ^", t + "full/3000,/0/default.jpg");
        assertError(400, "IIIF: upscaling should be prefixed with ^", t + "full/pct:101/0/default.jpg");
        // Version 3 has no "full" size; version 2 has no "^".
        assertError(400, "invalid size: no comma found", t + "full/full/0/default.jpg");
        assertError(400, "invalid width", configured.baseUrl() + "/iiif/deflate/full/%5E300,/0/default.jpg");
        assertError(400, "IIIF: Query has too few parameters. IIIF syntax is "
                + "{identifier}/{region}/{size}/{rotation}/{quality}{.format}", t + "info.xml");
        assertError(400, "IIIF: Query has too few parameters. IIIF syntax is "
                + "{identifier}/{region}/{size}/{rotation}/{quality}{.format}", v3.iipUrl() + "?IIIF=test.tif/full//0/default.jpg");
        for (String missing : new String[] {base + "nothere.tif/info.json", t + "full/max/0/default.jpg/extra",
            v3.iipUrl() + "?IIIF=..%2Fsecret.tif/info.json", v3.iipUrl() + "?IIIF=%252e%252e%252fsecret.tif/info.json",
            v3.iipUrl() + "?IIIF=sub/..%252f..%252fsecret.tif/full/max/0/default.jpg"}) {
            Http.Reply r = Http.get(missing);
            assertEquals(404, r.status(), missing);
            assertFalse(r.text().contains(tmp.toString()), r.text());
            assertFalse(r.text().contains("secret"), r.text());
        }
    }

    @Test
    void notModifiedSince() throws Exception {
        String lastModified = ok(base + "test.tif/info.json").header("Last-Modified");
        assertEquals(304, Http.get(base + "test.tif/info.json", "If-Modified-Since", lastModified).status());
        assertEquals(304, Http.get(base + "test.tif/full/100,/0/default.jpg", "If-Modified-Since", lastModified)
                .status());
    }
}

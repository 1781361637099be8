package io.github.iipservlet.protocol.iiif;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.testsupport.Http;
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
 * The region and size parameters at their edges, as the IIIF Image API 3.0 and 2.1 texts say
 * (3.0 sections 4, 4.1, 4.2, 4.7, 9; 2.1 sections 4, 4.1, 4.2, 5.2, 9), where iipsrv's float
 * arithmetic and lenient number parsing answer otherwise. The image is 1000x1536 (deflate, so a
 * PNG reply holds the stored pixels exactly); the spec's own examples use a 300x200 one.
 */
class IiifEdgeSizesTest {
    @TempDir
    static Path tmp;
    /** IIIF 3, MAX_CVT 5000 (the default). */
    static TestServer v3;

    @BeforeAll
    static void start() throws Exception {
        Path images = Files.createDirectories(tmp.resolve("images"));
        TiffWriter.builder().size(300, 200).compression(TiffWriter.Compression.DEFLATE)
                .photometric(TiffWriter.Photometric.RGB).write(images.resolve("spec.tif"));
        // A file name holding percent signs, as /list/ shows it and the viewer escapes it.
        TiffWriter.builder().size(300, 200).write(images.resolve("pct%2e%2e.tif"));
        TiffWriter.builder().size(200, 100).write(Files.createDirectories(images.resolve("sub"))
                .resolve("pct%2e%2e.tif"));
        TiffWriter.builder().size(300, 200).write(tmp.resolve("secret.tif"));
        v3 = TestServer.start(Map.of("FILESYSTEM_PREFIX", images + "/"));
    }

    @AfterAll
    static void stop() throws Exception {
        v3.close();
    }

    private static Http.Reply ok(String url, String... headers) throws Exception {
        Http.Reply r = Http.get(url, headers);
        assertEquals(200, r.status(), () -> url + ": " + r.text());
        return r;
    }

    private static String size(String url, String... headers) throws Exception {
        BufferedImage img = ok(url, headers).image();
        return img.getWidth() + "x" + img.getHeight();
    }

    // ---- finding 5: identifiers are decoded once ------------------------------------------------------

    /**
     * 3.0 and 2.1 section 9: a client percent-encodes '%' and '/' in an identifier, so the server
     * decodes it once: pct%252e%252e.tif names the file pct%2e%2e.tif, and %2F a sub-folder. The
     * query form: Jetty 12, like Tomcat for %2F, refuses an escaped '%' in a path before the webapp.
     */
    @Test
    void identifiersAreDecodedOnce() throws Exception {
        String q = v3.iipUrl() + "?IIIF=";
        assertTrue(ok(q + "pct%252e%252e.tif/info.json").text().contains("\"width\" : 300"));
        assertEquals("300x200", size(q + "pct%252e%252e.tif/full/max/0/default.jpg"));
        // A sub-folder by %2F and by a plain slash.
        assertEquals("200x100", size(q + "sub%2Fpct%252e%252e.tif/full/max/0/default.jpg"));
        assertEquals("200x100", size(q + "sub/pct%252e%252e.tif/full/max/0/default.jpg"));
        // The base URI with a plain slash (IiifServlet's fallback) redirects to its info.json.
        Http.Reply redirect = Http.get(q + "sub/pct%252e%252e.tif");
        assertEquals(303, redirect.status(), redirect.text());
        assertEquals(q + "sub/pct%252e%252e.tif/info.json", redirect.header("Location"));
        assertTrue(ok(redirect.header("Location")).text().contains("\"width\" : 200"));
        // Sent escaped only once, the name decodes to pct..tif, which is not there.
        assertEquals(404, Http.get(q + "pct%2e%2e.tif/info.json").status());
        assertEquals(404, Http.get(v3.baseUrl() + "/iiif/pct%2e%2e.tif/info.json").status());
        // After the one decoding, '..' segments, NUL and backslashes are still refused.
        for (String refused : new String[] {"sub%2F..%2F..%2Fsecret.tif", "..%2Fsecret.tif",
            "sub%5C..%5C..%5Csecret.tif", "spec.tif%00", "%2e%2e%2Fsecret.tif", "sub/..%2F..%2Fsecret.tif"}) {
            assertEquals(404, Http.get(q + refused + "/info.json").status(), refused);
            assertEquals(404, Http.get(q + refused + "/full/max/0/default.jpg").status(), refused);
        }
    }
}

package io.github.iipservlet.web;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.testsupport.Http;
import io.github.iipservlet.testsupport.TestServer;
import io.github.iipservlet.testsupport.TiffWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP as every protocol answers it: one method policy, HEAD as GET without its body, proxy
 * headers believed only from trusted proxies (docs/decisions.md Decision 11) and named in Vary, redirects only for
 * images that exist, and no dot-file served (docs/decisions.md Decision 12).
 */
class HttpSemanticsTest {
    @TempDir
    static Path dir;
    /** Trusts loopback, the default: the test client is a "proxy". */
    private static TestServer trusting;
    /** Trusts only 10.0.0.0/8: the test client is anybody. */
    private static TestServer wary;

    @BeforeAll
    static void start() throws Exception {
        TiffWriter.builder().size(1000, 700).compression(TiffWriter.Compression.JPEG)
                .photometric(TiffWriter.Photometric.YCBCR_JPEG).write(dir.resolve("a.tif"));
        TiffWriter.builder().size(300, 200).write(dir.resolve(".hidden.tif"));
        TiffWriter.builder().size(300, 200).write(Files.createDirectories(dir.resolve(".git")).resolve("x.tif"));
        trusting = TestServer.start(Map.of("FILESYSTEM_PREFIX", dir + "/"));
        wary = TestServer.start(Map.of("FILESYSTEM_PREFIX", dir + "/", "TRUSTED_PROXIES", "10.0.0.0/8"));
    }

    @AfterAll
    static void stop() throws Exception {
        trusting.close();
        wary.close();
    }

    private static String[] urls(TestServer s) {
        String iip = s.iipUrl() + "?";
        return new String[] {iip + "FIF=a.tif&JTL=1,0", iip + "FIF=a.tif&OBJ=Max-size", iip + "FIF=a.tif&WID=90&CVT=png",
            s.baseUrl() + "/iiif/a.tif/info.json", s.baseUrl() + "/iiif/a.tif/0,0,256,256/256,/0/default.jpg",
            iip + "IIIF=a.tif/full/100,/0/default.jpg", s.baseUrl() + "/deepzoom/a.tif.dzi",
            s.baseUrl() + "/deepzoom/a.tif_files/9/0_0.jpg", iip + "DeepZoom=a.tif_files/10/1_1.jpg",
            s.baseUrl() + "/zoomify/a.tif/ImageProperties.xml", s.baseUrl() + "/zoomify/a.tif/TileGroup0/1-0-0.jpg",
            iip + "Zoomify=a.tif/TileGroup0/2-1-1.jpg"};
    }

    @Test
    void headIsGetWithoutTheBodyEverywhere() throws Exception {
        for (String url : urls(trusting)) {
            Http.Reply get = Http.get(url);
            Http.Reply head = Http.send("HEAD", url, null);
            assertEquals(200, get.status(), url);
            assertEquals(200, head.status(), url);
            assertEquals(get.contentType(), head.contentType(), url);
            assertEquals(String.valueOf(get.body().length), head.header("Content-Length"), url);
            assertEquals(0, head.body().length, url);
        }
    }

    @Test
    void oneMethodPolicyForEveryProtocol() throws Exception {
        for (String url : urls(trusting)) {
            // (TRACE never reaches a webapp: the containers refuse it themselves.)
            for (String method : new String[] {"PUT", "DELETE", "PATCH"}) {
                Http.Reply r = Http.send(method, url, "x");
                assertEquals(405, r.status(), method + " " + url);
                assertEquals("GET, HEAD, POST, OPTIONS", r.header("Allow"), url);
            }
            assertEquals(204, Http.send("OPTIONS", url, null).status(), url);
        }
    }

    /**
     * A POST whose body no protocol reads (the request string is in the query, or the path form)
     * still gets its whole reply when the body arrives after the head, and the connection then
     * serves the next request. The fuzzer's resets of such POSTs under load (5 in 200,000, fixed by
     * MethodFilter dropping the unread body) did not happen in isolation; this pins the behaviour.
     */
    @Test
    void aPostWhoseBodyIsNotTheRequestStringStillGetsItsReply() throws Exception {
        for (String url : urls(trusting)) {
            URI uri = URI.create(url);
            byte[] body = ("FIF=a.tif&" + (uri.getRawQuery() == null ? "" : uri.getRawQuery()))
                    .getBytes(StandardCharsets.ISO_8859_1);
            try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
                socket.setSoTimeout(20_000);
                String head = "POST " + uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())
                        + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                        + "Content-Length: " + body.length + "\r\n\r\n";
                OutputStream out = socket.getOutputStream();
                out.write(head.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                Thread.sleep(300); // the body comes late, as a slow client's second packet
                out.write(body);
                out.flush();
                byte[] reply = readReply(socket.getInputStream());
                String text = new String(reply, StandardCharsets.ISO_8859_1);
                assertTrue(text.startsWith("HTTP/1.1 200 "), url + ": " + text.substring(0, Math.min(80, text.length())));
                int end = text.indexOf("\r\n\r\n");
                Matcher length = Pattern.compile("(?i)\r\nContent-Length: (\\d+)\r\n").matcher(text.substring(0, end + 2));
                assertTrue(length.find(), url + ": no Content-Length");
                assertEquals(Integer.parseInt(length.group(1)), reply.length - end - 4, url + " reply incomplete");
            }
        }
    }

    /** One reply on a kept-alive connection: its head, then as many bytes as Content-Length says. */
    private static byte[] readReply(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int end = -1;
        while (end < 0) {
            int c = in.read();
            if (c < 0) {
                return b.toByteArray();
            }
            b.write(c);
            byte[] a = b.toByteArray();
            int n = a.length;
            if (n >= 4 && a[n - 4] == '\r' && a[n - 3] == '\n' && a[n - 2] == '\r' && a[n - 1] == '\n') {
                end = n;
            }
        }
        Matcher length = Pattern.compile("(?i)\r\nContent-Length: (\\d+)\r\n")
                .matcher(new String(b.toByteArray(), StandardCharsets.ISO_8859_1));
        if (length.find()) {
            b.write(in.readNBytes(Integer.parseInt(length.group(1))));
        }
        return b.toByteArray();
    }

    @Test
    void dotFilesAndDotFoldersAreServedByNoProtocol() throws Exception {
        String iip = trusting.iipUrl() + "?";
        for (String id : new String[] {".hidden.tif", ".git/x.tif", "sub/../.hidden.tif"}) {
            String escaped = id.replace("/", "%2F");
            for (String url : new String[] {iip + "FIF=" + id + "&OBJ=Max-size", iip + "IIIF=" + escaped + "/info.json",
                iip + "DeepZoom=" + id + ".dzi", iip + "Zoomify=" + id + "/ImageProperties.xml",
                trusting.baseUrl() + "/deepzoom/" + id + ".dzi", iip + "IIIF=" + escaped}) {
                Http.Reply r = Http.get(url);
                assertTrue(r.status() == 404 || r.status() == 400 && url.contains("/deepzoom/"), url + ": " + r.status());
                assertFalse(r.text().contains("<Image") || r.text().contains("\"width\""), url);
            }
        }
    }

    /** A client that is no trusted proxy cannot put a host or scheme of its choice into cached replies. */
    @Test
    void proxyHeadersAreBelievedOnlyFromTrustedProxies() throws Exception {
        String[] evil = {"X-Forwarded-Host", "evil.example", "X-Forwarded-Proto", "https", "X-Forwarded-Prefix",
            "/p", "X-IIIF-ID", "http://evil.example/x"};
        Http.Reply info = Http.get(wary.baseUrl() + "/iiif/a.tif/info.json", evil);
        assertTrue(info.text().contains("\"id\" : \"" + wary.baseUrl() + "/iiif/a.tif\""), info.text());
        Http.Reply redirect = Http.get(wary.baseUrl() + "/iiif/a.tif", evil);
        assertEquals(wary.baseUrl() + "/iiif/a.tif/info.json", redirect.header("Location"));
        // From a trusted proxy they are the public URL, but only http and https, only a real host.
        Http.Reply proxied = Http.get(trusting.baseUrl() + "/iiif/a.tif/info.json", "X-Forwarded-Host",
                "images.example.org", "X-Forwarded-Proto", "https");
        assertTrue(proxied.text().contains("\"id\" : \"https://images.example.org/iiif/a.tif\""), proxied.text());
        Http.Reply scheme = Http.get(trusting.baseUrl() + "/iiif/a.tif/info.json", "X-Forwarded-Proto", "javascript",
                "X-Forwarded-Host", "x\"onload=\"alert(1)");
        assertTrue(scheme.text().contains("\"id\" : \"" + trusting.baseUrl() + "/iiif/a.tif\""), scheme.text());
        // Every header that changes a body is named, Accept (IIIF 2 or 3) included.
        for (String url : new String[] {trusting.baseUrl() + "/iiif/a.tif/info.json", trusting.baseUrl() + "/iiif/a.tif",
            trusting.baseUrl() + "/iiif/a.tif/full/100,/0/default.jpg"}) {
            String vary = Http.get(url).header("Vary");
            for (String h : new String[] {"Accept", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-Port",
                "X-Forwarded-Prefix", "X-IIIF-ID"}) {
                assertTrue(vary != null && vary.contains(h), url + " Vary: " + vary);
            }
        }
    }

    @Test
    void onlyAnImageThatExistsHasABaseUriToRedirect() throws Exception {
        assertEquals(303, Http.get(trusting.baseUrl() + "/iiif/a.tif").status());
        Http.Reply missing = Http.get(trusting.baseUrl() + "/iiif/nothere.tif");
        assertEquals(404, missing.status());
        assertEquals(null, missing.header("Location"));
        assertEquals(404, Http.get(trusting.iipUrl() + "?IIIF=nothere.tif").status());
        // The IIIF bytes of a tile are the same whoever asks.
        assertArrayEquals(Http.get(trusting.baseUrl() + "/iiif/a.tif/0,0,256,256/256,/0/default.jpg").body(),
                Http.get(wary.baseUrl() + "/iiif/a.tif/0,0,256,256/256,/0/default.jpg").body());
    }
}

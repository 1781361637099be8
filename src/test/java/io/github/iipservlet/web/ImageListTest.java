package io.github.iipservlet.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.testsupport.Http;
import io.github.iipservlet.testsupport.TestServer;
import io.github.iipservlet.testsupport.TiffWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The viewer's folder listing ({@code /list/...}) through the real webapp. */
class ImageListTest {
    @TempDir
    static Path tmp;
    static Path images;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        images = Files.createDirectories(tmp.resolve("images"));
        TiffWriter.builder().size(400, 300).write(images.resolve("A.tif"));
        TiffWriter.builder().size(300, 200).levels(2).write(images.resolve("b.tif"));
        Files.createDirectories(images.resolve("sub"));
        TiffWriter.builder().size(640, 480).write(images.resolve("sub/deep.tif"));
        Files.createDirectories(images.resolve("empty"));
        Files.createDirectories(images.resolve(".hiddendir"));
        TiffWriter.builder().size(64, 64).write(images.resolve(".hidden.tif"));
        Files.writeString(images.resolve("notes.txt"), "not an image");
        // Starts like a TIFF, so it is an image to the listing, but cannot be opened.
        Files.write(images.resolve("broken.tif"), new byte[] {'I', 'I', 42, 0, 1, 2, 3, 4, 5, 6, 7, 8});
        TiffWriter.builder().size(100, 100).write(tmp.resolve("secret.tif"));
        Files.createDirectories(tmp.resolve("outside"));
        Files.createSymbolicLink(images.resolve("escape.tif"), tmp.resolve("secret.tif"));
        Files.createSymbolicLink(images.resolve("outdir"), tmp.resolve("outside"));
        Files.createSymbolicLink(images.resolve("inner.tif"), images.resolve("b.tif"));
        Files.createSymbolicLink(images.resolve("dangling.tif"), tmp.resolve("gone.tif"));
        server = TestServer.start(Map.of("FILESYSTEM_PREFIX", images + "/", "CORS", "*"));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static Http.Reply list(TestServer s, String folder) throws Exception {
        return Http.get(s.baseUrl() + "/list/" + folder);
    }

    private static long size(String name) throws Exception {
        return Files.size(images.resolve(name));
    }

    @Test
    void listsFoldersThenImagesWithTheirSizes() throws Exception {
        Http.Reply r = list(server, "");
        assertEquals(200, r.status());
        assertEquals("application/json;charset=utf-8", r.contentType().replace(" ", ""));
        assertEquals("no-cache", r.header("Cache-Control"));
        assertEquals("*", r.header("Access-Control-Allow-Origin"));
        // Hidden entries, the text file, the symlinks leaving the folder and the dangling one are absent;
        // the symlink to an image inside it is an image of its own.
        assertEquals("{\"folder\":\"\",\"entries\":[\n"
                + "{\"name\":\"empty\",\"id\":\"empty/\",\"folder\":true},\n"
                + "{\"name\":\"sub\",\"id\":\"sub/\",\"folder\":true},\n"
                + "{\"name\":\"A.tif\",\"id\":\"A.tif\",\"folder\":false,\"width\":400,\"height\":300,\"bytes\":"
                + size("A.tif") + "},\n"
                + "{\"name\":\"b.tif\",\"id\":\"b.tif\",\"folder\":false,\"width\":300,\"height\":200,\"bytes\":"
                + size("b.tif") + "},\n"
                + "{\"name\":\"broken.tif\",\"id\":\"broken.tif\",\"folder\":false,\"bytes\":12,\"error\":\""
                + errorOf(r.text()) + "\"},\n"
                + "{\"name\":\"inner.tif\",\"id\":\"inner.tif\",\"folder\":false,\"width\":300,\"height\":200,"
                + "\"bytes\":" + size("b.tif") + "}\n"
                + "]}\n", r.text());
        assertFalse(errorOf(r.text()).isEmpty());
        assertFalse(r.text().contains(tmp.toString()), "the reply names no file system path");
    }

    private static String errorOf(String json) {
        Matcher m = Pattern.compile("\"error\":\"([^\"]*)\"").matcher(json);
        return m.find() ? m.group(1) : "";
    }

    @Test
    void subFoldersWithOrWithoutTrailingSlash() throws Exception {
        String expected = "{\"folder\":\"sub/\",\"entries\":[\n{\"name\":\"deep.tif\",\"id\":\"sub/deep.tif\","
                + "\"folder\":false,\"width\":640,\"height\":480,\"bytes\":" + size("sub/deep.tif") + "}\n]}\n";
        assertEquals(expected, list(server, "sub/").text());
        assertEquals(expected, list(server, "sub").text());
        assertEquals(expected, list(server, "s%75b/").text());
        assertEquals("{\"folder\":\"empty/\",\"entries\":[\n]}\n", list(server, "empty/").text());
    }

    @Test
    void refusedOrMissingFoldersAre404WithoutAPath() throws Exception {
        for (String bad : new String[] {"nothere/", "b.tif", "b.tif/", "outdir/", "outdir/x/", "dangling.tif/",
                ".hiddendir/", "a%00/", "a%5Cb/", "sub/%2e%2e/%2e%2e/", "..%2F", "sub/..%2F..%2F", "sub%2F..%2F..%2F"}) {
            Http.Reply r = list(server, bad);
            // Jetty itself answers 400 to encoded slashes and dot segments before the webapp sees them;
            // a container that lets them through reaches the identifier rules, which answer 404.
            boolean jettyRefused = r.status() == 400 && bad.matches(".*%(2F|2e|00|5C).*");
            assertTrue(r.status() == 404 || jettyRefused, bad + ": " + r.status());
            assertFalse(r.text().contains(tmp.toString()) || r.text().contains("Exception"), bad + ": " + r.text());
            if (r.status() == 404) {
                assertEquals("Folder not found", r.text(), bad);
            }
        }
    }

    @Test
    void folderIdentifiersFollowTheProtocolsRules() {
        assertEquals("", ImageListServlet.folderIdentifier(""));
        assertEquals("a/b/", ImageListServlet.folderIdentifier("a/b"));
        assertEquals("a b+/", ImageListServlet.folderIdentifier("a+b%2B/"));
        for (String refused : new String[] {"..", "a/../", "a%2F..%2F", "%2e%2e/", "a%00/", "a%5Cb/", "a\\b",
                ".git/", "a/.hidden/x/"}) {
            assertEquals(null, ImageListServlet.folderIdentifier(refused), refused);
        }
    }

    @Test
    void everyListedIdIsWhatTheProtocolsOpen() throws Exception {
        for (String folder : new String[] {"", "sub/"}) {
            Matcher m = Pattern.compile("\"id\":\"([^\"]*)\",\"folder\":false,\"width\":(\\d+),\"height\":(\\d+)")
                    .matcher(list(server, folder).text());
            int n = 0;
            while (m.find()) {
                Http.Reply obj = Http.get(server.iipUrl() + "?FIF=" + m.group(1) + "&OBJ=Max-size");
                assertEquals("Max-size:" + m.group(2) + " " + m.group(3) + "\r\n", obj.text(), m.group(1));
                n++;
            }
            assertTrue(n > 0, folder);
        }
    }

    @Test
    void suffixIsNotPartOfTheIds() throws Exception {
        try (TestServer s = TestServer.start(Map.of("FILESYSTEM_PREFIX", images + "/", "FILESYSTEM_SUFFIX", ".tif"))) {
            String root = list(s, "").text();
            assertTrue(root.contains("{\"name\":\"A.tif\",\"id\":\"A\",\"folder\":false,\"width\":400,"), root);
            assertTrue(root.contains("{\"name\":\"sub\",\"id\":\"sub/\",\"folder\":true}"), root);
            assertEquals(200, Http.get(s.iipUrl() + "?FIF=A&OBJ=Max-size").status());
            assertTrue(list(s, "sub/").text().contains("\"id\":\"sub/deep\","));
        }
    }

    @Test
    void prefixEndingInANameStartShowsOnlyWhatItReaches() throws Exception {
        // iipsrv concatenates prefix and identifier: with ".../images/s" the identifier "ub/deep.tif" is
        // images/sub/deep.tif, and nothing not starting with "s" is reachable.
        try (TestServer s = TestServer.start(Map.of("FILESYSTEM_PREFIX", images + "/s"))) {
            assertEquals("{\"folder\":\"\",\"entries\":[\n{\"name\":\"sub\",\"id\":\"ub/\",\"folder\":true}\n]}\n",
                    list(s, "").text());
            assertTrue(list(s, "ub/").text().contains("\"id\":\"ub/deep.tif\","));
            assertEquals("Max-size:640 480\r\n", Http.get(s.iipUrl() + "?FIF=ub/deep.tif&OBJ=Max-size").text());
        }
    }

    @Test
    void withoutAPrefixTheBundledSamplesAreListed() throws Exception {
        try (TestServer s = TestServer.start(Map.of())) {
            String root = list(s, "").text();
            assertTrue(root.contains("\"id\":\"sample.tif\",\"folder\":false,\"width\":4096,\"height\":3072,"), root);
            assertTrue(root.contains("\"id\":\"grid.tif\",\"folder\":false,"), root);
            // The JPEG2000 sample, read by whichever decoder this machine has.
            assertTrue(root.contains("\"id\":\"sample.jp2\",\"folder\":false,\"width\":4096,\"height\":3072,"),
                    root);
            Http.Reply tile = Http.get(s.iipUrl() + "?FIF=sample.jp2&JTL=0,0");
            assertEquals(200, tile.status());
            assertEquals("image/jpeg", tile.contentType());
        }
    }
}

package io.github.iipservlet.web;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.iipservlet.testsupport.Http;
import io.github.iipservlet.testsupport.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The viewer page and its files under a context path, over HTTP (the browser test, -Pbrowser, runs
 * the page itself).
 */
class ViewerPageTest {
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(0, "/iip", Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void theWelcomePageIsTheViewerWithRelativeUrlsOnly() throws Exception {
        Http.Reply page = Http.get(server.baseUrl() + "/");
        assertEquals(200, page.status());
        assertTrue(page.contentType().startsWith("text/html"), page.contentType());
        String html = page.text();
        assertTrue(html.contains("src=\"viewer/viewer.js\""), html);
        assertTrue(html.contains("src=\"viewer/openseadragon/openseadragon.min.js\""), html);
        // Absolute paths would leave the context path: the page must work under any.
        assertFalse(html.matches("(?s).*(src|href)=\"/.*"), html);
        for (String file : new String[] {"viewer/viewer.js", "viewer/viewer.css"}) {
            Http.Reply r = Http.get(server.baseUrl() + "/" + file);
            assertEquals(200, r.status(), file);
            assertArrayEquals(Files.readAllBytes(Path.of("src/main/webapp", file)), r.body(), file);
        }
    }

    @Test
    void openSeadragonIsServedAsTheWarHoldsIt() throws Exception {
        Path lib = Path.of("target/viewer-lib/viewer/openseadragon");
        assumeTrue(Files.isRegularFile(lib.resolve("openseadragon.min.js")),
                "npm did not run in this build: the WAR has no OpenSeadragon");
        for (String file : new String[] {"openseadragon.min.js", "images/zoomin_rest.png", "LICENSE.txt"}) {
            Http.Reply r = Http.get(server.baseUrl() + "/viewer/openseadragon/" + file);
            assertEquals(200, r.status(), file);
            assertArrayEquals(Files.readAllBytes(lib.resolve(file)), r.body(), file);
        }
        String version = Files.readString(lib.resolve("openseadragon.min.js"));
        assertTrue(version.contains("6.1.1"), "the pinned OpenSeadragon version");
        assertEquals(404, Http.get(server.baseUrl() + "/viewer/openseadragon/openseadragon.js").status(),
                "only the minified build is packaged");
    }
}

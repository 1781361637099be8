package io.github.iipservlet.protocol.iiif;

import static io.github.iipservlet.protocol.iiif.IiifValidation.ID;
import static io.github.iipservlet.protocol.iiif.IiifValidation.gridMismatches;
import static io.github.iipservlet.protocol.iiif.IiifValidation.meanAbsDiff;
import static io.github.iipservlet.protocol.iiif.IiifValidation.randomString;
import static io.github.iipservlet.protocol.iiif.IiifValidation.squareMismatch;
import static io.github.iipservlet.protocol.iiif.IiifValidation.transformed;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.iipservlet.testsupport.Http;
import io.github.iipservlet.testsupport.Jpegs;
import io.github.iipservlet.testsupport.TestServer;
import io.github.iipservlet.testsupport.TiffWriter;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The IIIF Image API validator's checks (IIIF/image-validator, {@code iiif_validator/tests/*.py})
 * up to compliance level 2, plus the optional ones iipsrv advertises (mirroring, square region,
 * upscaling), restated as JUnit tests against the real webapp serving the validator's image.
 *
 * <p>Two generations of the validator are restated: the classic one (PIL and bottle, read at
 * commit 4a7edafa and earlier; it judges a square by the most frequent colour in a box, within 5
 * per channel, and mostly samples 5 random squares of which 4 must match) and its pyvips rewrite
 * (read at commit c9f48c8e; it compares with the reference image: the 74x74 centre of a 100x100
 * region within 5 per channel, a whole image by mean absolute difference below 6). Where the
 * validator draws random squares, sizes or strings, these tests use a fixed seed and, for squares,
 * check all 100: stricter than a random five, and repeatable. Statuses follow docs/decisions.md Decision 2
 * (400 bad parameter, 404 missing image), which the validator accepts.
 *
 * <p>Each check runs in several settings (nested classes): IIIF 2 and 3 on the path form
 * {@code /iiif/<id>/...}, IIIF 3 on the query form {@code ?IIIF=<id>/...}, IIIF 3 on a TIFF with
 * JPEG tiles, and IIIF 2 asked of a version-3 server through the Accept profile.
 *
 * <p>The image: the validator's PNG written as a 1000x1000 pyramidal TIFF of 256x256 tiles. Deflate
 * keeps the colours exact, so any colour error is the server's (resampling, its JPEG output);
 * JPEG tiles (quality 90) are what users have, and show how the validator's bounds fare after a
 * second lossy step. Both carry a resolution (10 pixels/cm), as converted files usually do, so
 * info.json has iipsrv's physical-dimensions service for the v3 linking-property check to judge.
 */
class IiifValidatorTest {
    private static final String PROFILE_ACCEPT_V2 = "application/ld+json;profile=\"http://iiif.io/api/image/2/context.json\"";

    @TempDir
    static Path tmp;
    static BufferedImage reference;
    static Path deflateDir;
    static Path jpegDir;

    @BeforeAll
    static void writeImages() throws Exception {
        reference = IiifValidation.reference();
        deflateDir = Files.createDirectories(tmp.resolve("deflate"));
        jpegDir = Files.createDirectories(tmp.resolve("jpeg"));
        TiffWriter.PixelFunction pixels = (x, y, c) -> (reference.getRGB(x, y) >> (16 - 8 * c)) & 0xff;
        TiffWriter.builder().size(1000, 1000).tile(256, 256).channels(3).compression(TiffWriter.Compression.DEFLATE)
                .photometric(TiffWriter.Photometric.RGB).resolution(10, 10, 3).pixels(pixels)
                .write(deflateDir.resolve(ID + ".tif"));
        TiffWriter.builder().size(1000, 1000).tile(256, 256).channels(3).compression(TiffWriter.Compression.JPEG)
                .photometric(TiffWriter.Photometric.YCBCR_JPEG).jpegQuality(90).resolution(10, 10, 3).pixels(pixels)
                .write(jpegDir.resolve(ID + ".tif"));
    }

    /** The fixture is the validator's image: 100 flat squares in the colours of its table. */
    @Test
    void fixtureIsTheValidatorsGrid() {
        assertEquals(1000, reference.getWidth());
        assertEquals(1000, reference.getHeight());
        for (int gy = 0; gy < 10; gy++) {
            for (int gx = 0; gx < 10; gx++) {
                int[] c = IiifValidation.colour(gx, gy);
                int want = c[0] << 16 | c[1] << 8 | c[2];
                for (int y = gy * 100; y < gy * 100 + 100; y++) {
                    for (int x = gx * 100; x < gx * 100 + 100; x++) {
                        if ((reference.getRGB(x, y) & 0xffffff) != want) {
                            fail("pixel " + x + "," + y + " is not the colour of square " + gx + "," + gy);
                        }
                    }
                }
            }
        }
    }

    @Nested
    class V2 extends V2Checks {
        @Override
        int version() {
            return 2;
        }
    }

    @Nested
    class V3 extends V3Checks {
        @Override
        int version() {
            return 3;
        }
    }

    /** IIIF 3 through {@code /fcgi-bin/iipsrv.fcgi?IIIF=<id>/...}. */
    @Nested
    class V3QueryForm extends V3Checks {
        @Override
        int version() {
            return 3;
        }

        @Override
        String base(TestServer s) {
            return s.iipUrl() + "?IIIF=";
        }

        /** size_up as the validator sends it, a raw '^', which a query string may carry. */
        @Test
        void sizeUpCaretSentRaw() throws Exception {
            String u = sizeUrl("^max");
            BufferedImage img = image(u);
            assertSize(1000, 1000, img, u);
        }
    }

    /** IIIF 3 on a TIFF with JPEG tiles: the validator's tolerances after two lossy steps. */
    @Nested
    class V3JpegTiles extends V3Checks {
        @Override
        int version() {
            return 3;
        }

        @Override
        Path images() {
            return jpegDir;
        }

        /**
         * The one bound changed for JPEG tiles, measured: 12 of the 100 squares have a centre
         * pixel 6 to 8 off in one channel. The tile's own ringing in the 4 px next to a square's
         * edge (the edges fall mid-block, 100 mod 8 = 4) is spread by the output's 4:2:0 chroma,
         * whose blocks cover 16 px, past the validator's 13 px margin; deflate tiles stay within
         * 5. Not a server fault: the same request on the deflate file passes at 6.
         */
        @Override
        int rectangleTolerance() {
            return 9;
        }
    }

    /** A version-3 server asked for version 2 by the Accept profile (docs/protocols.md 8.3), on every request. */
    @Nested
    class V2ByAccept extends V2Checks {
        @Override
        int version() {
            return 2;
        }

        @Override
        int serverVersion() {
            return 3;
        }

        @Override
        String[] accept() {
            return new String[] {"Accept", PROFILE_ACCEPT_V2};
        }
    }

    // =============================================================================================

    /** Checks of both versions. */
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    abstract static class Checks {
        TestServer server;
        /** Everything before the identifier, e.g. {@code http://127.0.0.1:PORT/iiif/}. */
        String base;

        /** The version the requests speak and the answers must follow. */
        abstract int version();

        /** IIIF_VERSION of the server. */
        int serverVersion() {
            return version();
        }

        Path images() {
            return deflateDir;
        }

        String base(TestServer s) {
            return s.baseUrl() + "/iiif/";
        }

        /** compare_rectangle's bound: a difference must stay below it ({@code diff < 6}). */
        int rectangleTolerance() {
            return 6;
        }

        /** Headers added to every request (none: the validator sends only its browser-like ones). */
        String[] accept() {
            return new String[0];
        }

        @BeforeAll
        void startServer() throws Exception {
            server = TestServer.start(Map.of("FILESYSTEM_PREFIX", images() + "/", "FILESYSTEM_SUFFIX", ".tif", "CORS",
                    "*", "IIIF_VERSION", String.valueOf(serverVersion())));
            base = base(server);
        }

        @AfterAll
        void stopServer() throws Exception {
            if (server != null) {
                server.close();
            }
        }

        // ---- requests, as the validator's make_url and make_info_url build them -------------------

        String infoUrl() {
            return base + ID + "/info.json";
        }

        /** v3 asks for {@code max}, v2 for {@code full}; quality {@code default}, format jpg. */
        String sizeAll() {
            return version() == 2 ? "full" : "max";
        }

        String url(String id, String region, String size, String rotation, String quality, String format) {
            return base + id + "/" + region + "/" + size + "/" + rotation + "/" + quality + "." + format;
        }

        String defaultUrl() {
            return url(ID, "full", sizeAll(), "0", "default", "jpg");
        }

        String regionUrl(String region) {
            return url(ID, region, sizeAll(), "0", "default", "jpg");
        }

        String sizeUrl(String size) {
            return url(ID, "full", size, "0", "default", "jpg");
        }

        String rotationUrl(String rotation) {
            return url(ID, "full", sizeAll(), rotation, "default", "jpg");
        }

        String qualityUrl(String quality) {
            return url(ID, "full", sizeAll(), "0", quality, "jpg");
        }

        String formatUrl(String format) {
            return url(ID, "full", sizeAll(), "0", "default", format);
        }

        Http.Reply get(String url, String... headers) throws Exception {
            String[] all = Arrays.copyOf(accept(), accept().length + headers.length);
            System.arraycopy(headers, 0, all, accept().length, headers.length);
            return IiifValidation.get(url, all);
        }

        /** A 200 JPEG, decoded. */
        BufferedImage image(String url) throws Exception {
            Http.Reply r = get(url);
            assertEquals(200, r.status(), () -> url + " answered " + r.status() + ": " + snippet(r));
            assertEquals("image/jpeg", r.contentType(), url);
            return r.image();
        }

        static String snippet(Http.Reply r) {
            String t = r.text();
            return t.length() > 200 ? t.substring(0, 200) + "..." : t;
        }

        static void assertSize(int w, int h, BufferedImage img, String url) {
            assertEquals(w + "x" + h, img.getWidth() + "x" + img.getHeight(), url);
        }

        static void assertNoMismatch(List<String> bad, String url) {
            assertTrue(bad.isEmpty(), () -> url + ": " + bad.size() + " squares wrong, e.g. "
                    + bad.subList(0, Math.min(5, bad.size())));
        }

        Map<String, Object> info() throws Exception {
            Http.Reply r = get(infoUrl());
            assertEquals(200, r.status(), () -> infoUrl() + " answered " + r.status() + ": " + snippet(r));
            return jsonObject(json(r, infoUrl()), "info.json");
        }

        static Object json(Http.Reply r, String url) {
            try {
                return MiniJson.parse(new String(r.body(), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw new AssertionError(url + ": " + e.getMessage() + " (" + r.contentType() + "): " + snippet(r), e);
            }
        }

        @SuppressWarnings("unchecked")
        static Map<String, Object> jsonObject(Object o, String what) {
            assertInstanceOf(Map.class, o, what + " is an object");
            return (Map<String, Object>) o;
        }

        /** Every value must be answered 400 (docs/decisions.md Decision 2; the validator's *_error_random tests). */
        void assertAll400(String what, int length, int draws, Function<String, String> urlOf, String... fixed)
                throws Exception {
            List<String> values = new ArrayList<>(List.of(fixed));
            Random random = new Random(31337);
            for (int i = 0; i < draws; i++) {
                values.add(randomString(random, length));
            }
            List<String> wrong = new ArrayList<>();
            for (String v : values) {
                String u = urlOf.apply(v);
                Http.Reply r = get(u);
                if (r.status() != 400) {
                    wrong.add(what + " '" + v + "': " + u + " -> " + r.status() + " " + snippet(r));
                }
            }
            assertTrue(wrong.isEmpty(), () -> String.join("\n", wrong));
        }

        // ---- info ---------------------------------------------------------------------------------

        /**
         * info_json (level 0): 200, Content-Type application/json or application/ld+json, valid
         * JSON with integer width and height, the id field ({@code @id} in 2, {@code id} in 3) a
         * URI equal to the request URL without {@code /info.json}, the version's @context (v3: or
         * a list holding it), protocol, a profile (v2: a list whose first entry is an official
         * level URI; v3: level0/1/2), sizes and tiles well formed; v3: type ImageService3, no
         * license/attribution/logo, rights (if any) a URI, extra* lists of strings.
         */
        @Test
        void infoJson() throws Exception {
            String url = infoUrl();
            Http.Reply r = get(url);
            assertEquals(200, r.status(), () -> url + " answered " + r.status() + ": " + snippet(r));
            String ct = r.contentType();
            assertNotNull(ct, "Content-Type");
            String type = ct.split(";")[0].trim();
            assertTrue(type.equals("application/json") || type.equals("application/ld+json"), ct);
            Map<String, Object> info = jsonObject(json(r, url), url);
            String idField = version() == 2 ? "@id" : "id";
            String context = "http://iiif.io/api/image/" + version() + "/context.json";
            List<Executable> checks = new ArrayList<>();
            checks.add(() -> assertEquals(1000L, info.get("width"), "width, an integer"));
            checks.add(() -> assertEquals(1000L, info.get("height"), "height, an integer"));
            checks.add(() -> assertEquals(url.substring(0, url.length() - "/info.json".length()), info.get(idField),
                    idField + " is the request URI without /info.json"));
            checks.add(() -> {
                Object c = info.get("@context");
                if (version() == 3 && c instanceof List<?> list) {
                    assertTrue(list.contains(context), "@context list holds " + context + ": " + list);
                } else {
                    assertEquals(context, c, "@context");
                }
            });
            checks.add(() -> assertEquals("http://iiif.io/api/image", info.get("protocol"), "protocol"));
            checks.add(() -> {
                Object p = info.get("profile");
                assertNotNull(p, "profile");
                if (version() == 2) {
                    assertInstanceOf(List.class, p, "v2 profile is a list");
                    Object first = ((List<?>) p).get(0);
                    assertTrue(first instanceof String s && s.startsWith("http://iiif.io/api/image/2/level"),
                            "v2 profile starts with an official level: " + first);
                } else {
                    assertTrue(List.of("level0", "level1", "level2").contains(p), "v3 profile: " + p);
                }
            });
            checks.add(() -> {
                if (info.containsKey("sizes")) {
                    assertInstanceOf(List.class, info.get("sizes"), "sizes is a list");
                    for (Object o : (List<?>) info.get("sizes")) {
                        Map<String, Object> sz = jsonObject(o, "sizes entry");
                        assertInstanceOf(Long.class, sz.get("width"), "sizes width an integer: " + sz);
                        assertInstanceOf(Long.class, sz.get("height"), "sizes height an integer: " + sz);
                    }
                }
            });
            checks.add(() -> {
                if (info.containsKey("tiles")) {
                    assertInstanceOf(List.class, info.get("tiles"), "tiles is a list");
                    for (Object o : (List<?>) info.get("tiles")) {
                        Map<String, Object> t = jsonObject(o, "tiles entry");
                        assertInstanceOf(Long.class, t.get("width"), "tiles width an integer: " + t);
                        assertInstanceOf(List.class, t.get("scaleFactors"), "scaleFactors a list: " + t);
                        for (Object f : (List<?>) t.get("scaleFactors")) {
                            assertInstanceOf(Long.class, f, "scaleFactors are integers: " + t);
                        }
                    }
                }
            });
            if (version() == 3) {
                checks.add(() -> assertEquals("ImageService3", info.get("type"), "type"));
                checks.add(() -> assertFalse(info.containsKey("license"), "license is rights in 3.0"));
                checks.add(() -> assertFalse(info.containsKey("attribution"), "attribution was removed in 3.0"));
                checks.add(() -> assertFalse(info.containsKey("logo"), "logo was removed in 3.0"));
                checks.add(() -> {
                    if (info.containsKey("rights")) {
                        assertTrue(info.get("rights") instanceof String s && s.startsWith("http"),
                                "rights is a single URI: " + info.get("rights"));
                    }
                });
                for (String f : List.of("extraQualities", "extraFormats", "extraFeatures")) {
                    checks.add(() -> {
                        if (info.containsKey(f)) {
                            assertInstanceOf(List.class, info.get(f), f + " is a list");
                            for (Object o : (List<?>) info.get(f)) {
                                assertInstanceOf(String.class, o, f + " holds strings");
                            }
                        }
                    });
                }
            }
            assertAll(url, checks);
        }

        /** Not a validator check (it accepts any level): what iipsrv 1.3 with PNG output claims, which the level-2 checks here assume. */
        @Test
        void infoJsonClaimsLevel2() throws Exception {
            Object p = info().get("profile");
            if (version() == 2) {
                assertInstanceOf(List.class, p);
                assertEquals("http://iiif.io/api/image/2/level2.json", ((List<?>) p).get(0));
            } else {
                assertEquals("level2", p);
            }
        }

        /** id_basic (level 0): the default image request is 200 and decodes. */
        @Test
        void idBasic() throws Exception {
            assertNotNull(image(defaultUrl()));
        }

        /**
         * id_squares (level 0): the full image, squares judged in boxes (x*100+13, y*100+13, +74,
         * +74); here all 100 (the validator: 4 of 5 random). Rewrite: mean absolute difference
         * from the reference below 6.
         */
        @Test
        void idSquares() throws Exception {
            String u = defaultUrl();
            BufferedImage img = image(u);
            assertSize(1000, 1000, img, u);
            assertNoMismatch(gridMismatches(img, 100, 100, 74, 74), u);
            double d = meanAbsDiff(img, reference);
            assertTrue(d < 6, u + ": mean difference from the reference " + d);
        }

        /** id_escaped (level 1): the identifier with '-' as %2D works, image (classic) and info.json (rewrite). */
        @Test
        void idEscaped() throws Exception {
            String escaped = ID.replace("-", "%2D");
            assertNotNull(image(url(escaped, "full", sizeAll(), "0", "default", "jpg")));
            String u = base + escaped + "/info.json";
            Http.Reply r = get(u);
            assertEquals(200, r.status(), () -> u + ": " + snippet(r));
        }

        /** id_error_escapedslash (level 1): identifier {@code a/b} (sent with a raw slash) is 404. */
        @Test
        void idErrorEscapedSlash() throws Exception {
            String image = url("a/b", "full", sizeAll(), "0", "default", "jpg");
            String info = base + "a/b/info.json";
            assertAll(() -> assertEquals(404, get(image).status(), image),
                    () -> assertEquals(404, get(info).status(), info));
        }

        /**
         * id_error_unescaped (level 1): identifier {@code [frob]} sent unescaped (classic) is 400
         * or 404; so is {@code %5Bfrob%5D/info.json} (rewrite).
         */
        @Test
        void idErrorUnescaped() throws Exception {
            String image = url("[frob]", "full", sizeAll(), "0", "default", "jpg");
            String info = base + "%5Bfrob%5D/info.json";
            for (String u : List.of(image, info)) {
                int s = get(u).status();
                assertTrue(s == 400 || s == 404, u + " answered " + s);
            }
        }

        /** id_error_random (level 1): a random (uuid1) identifier is 404. */
        @Test
        void idErrorRandom() throws Exception {
            String u = url("a8098c1a-f86e-11da-bd1a-00112444be1e", "full", sizeAll(), "0", "default", "jpg");
            Http.Reply r = get(u);
            assertEquals(404, r.status(), () -> u + ": " + snippet(r));
        }

        // ---- region -------------------------------------------------------------------------------

        /** region_error_random (level 1): random 6-character regions are 400. */
        @Test
        void regionErrorRandom() throws Exception {
            assertAll400("region", 6, 8, this::regionUrl, "[\\]^_`", "<=>@:;");
        }

        /**
         * region_pixels (level 1). Classic: region x*100+13,y*100+13,74,74 is square (x,y)'s colour
         * (dominant colour of the whole reply). Rewrite: region x*100,y*100,100,100 is 100x100 and
         * its 74x74 centre within 5 of the reference. All 100 squares.
         */
        @Test
        void regionPixels() throws Exception {
            List<String> bad = new ArrayList<>();
            for (int gy = 0; gy < 10; gy++) {
                for (int gx = 0; gx < 10; gx++) {
                    String u = regionUrl((gx * 100 + 13) + "," + (gy * 100 + 13) + ",74,74");
                    BufferedImage img = image(u);
                    check(bad, u, img, 74, 74, gx, gy);
                    String v = regionUrl(gx * 100 + "," + gy * 100 + ",100,100");
                    checkRectangle(bad, v, image(v), gx, gy);
                }
            }
            assertTrue(bad.isEmpty(), () -> bad.size() + " wrong:\n" + String.join("\n", bad));
        }

        /**
         * region_percent (level 2). Classic: pct:x*10+1,y*10+1,9,9 is square (x,y)'s colour.
         * Rewrite: pct:x*10,y*10,10,10 is 100x100 and its centre within 5. All 100 squares.
         */
        @Test
        void regionPercent() throws Exception {
            List<String> bad = new ArrayList<>();
            for (int gy = 0; gy < 10; gy++) {
                for (int gx = 0; gx < 10; gx++) {
                    String u = regionUrl("pct:" + (gx * 10 + 1) + "," + (gy * 10 + 1) + ",9,9");
                    check(bad, u, image(u), 90, 90, gx, gy);
                    String v = regionUrl("pct:" + gx * 10 + "," + gy * 10 + ",10,10");
                    checkRectangle(bad, v, image(v), gx, gy);
                }
            }
            assertTrue(bad.isEmpty(), () -> bad.size() + " wrong:\n" + String.join("\n", bad));
        }

        /** Size (not checked by the validator, which takes the reply as it comes) and dominant colour. */
        static void check(List<String> bad, String u, BufferedImage img, int w, int h, int gx, int gy) {
            if (img.getWidth() != w || img.getHeight() != h) {
                bad.add(u + ": " + img.getWidth() + "x" + img.getHeight() + ", expected " + w + "x" + h);
            }
            String m = squareMismatch(img, 0, 0, img.getWidth(), img.getHeight(), gx, gy);
            if (m != null) {
                bad.add(u + ": " + m);
            }
        }

        /** The rewrite's compare_rectangle: every channel of the centre within {@link #rectangleTolerance()}. */
        void checkRectangle(List<String> bad, String u, BufferedImage img, int gx, int gy) {
            if (img.getWidth() != 100 || img.getHeight() != 100) {
                bad.add(u + ": " + img.getWidth() + "x" + img.getHeight() + ", expected 100x100");
                return;
            }
            int d = IiifValidation.centreMaxDiff(reference, img, gx, gy);
            if (d >= rectangleTolerance()) {
                bad.add(u + ": centre differs from the reference by up to " + d);
            }
        }

        /**
         * region_square (v3 level 1, v2 optional; iipsrv supports it in both): 200 and width ==
         * height; rewrite: on this square image it is the whole image (mean difference below 6).
         */
        @Test
        void regionSquare() throws Exception {
            String u = regionUrl("square");
            BufferedImage img = image(u);
            assertEquals(img.getWidth(), img.getHeight(), u + ": square region is not square");
            double d = meanAbsDiff(img, reference);
            assertTrue(d < 6, u + ": mean difference from the whole image " + d);
        }

        // ---- size ---------------------------------------------------------------------------------

        /** size_error_random (level 1): random 6-character sizes are 400. */
        @Test
        void sizeErrorRandom() throws Exception {
            assertAll400("size", 6, 8, this::sizeUrl, "[\\]^_`", "<=>@:;");
        }

        /**
         * size_region (level 1; rewrite: 2): region x*100,y*100,100,100 at size s,s (s 35-90) is
         * exactly s x s and square (x,y)'s colour; rewrite: mean difference from the flat colour
         * below 6 (no bleeding from the neighbours). 10 draws.
         */
        @Test
        void sizeRegion() throws Exception {
            Random random = new Random(31337);
            List<String> bad = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                int s = i == 0 ? 35 : i == 1 ? 90 : 35 + random.nextInt(56);
                int gx = random.nextInt(10);
                int gy = random.nextInt(10);
                String u = url(ID, gx * 100 + "," + gy * 100 + ",100,100", s + "," + s, "0", "default", "jpg");
                BufferedImage img = image(u);
                check(bad, u, img, s, s, gx, gy);
                BufferedImage flat = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
                int[] c = IiifValidation.colour(gx, gy);
                for (int y = 0; y < flat.getHeight(); y++) {
                    for (int x = 0; x < flat.getWidth(); x++) {
                        flat.setRGB(x, y, c[0] << 16 | c[1] << 8 | c[2]);
                    }
                }
                double d = meanAbsDiff(img, flat);
                if (d >= 6) {
                    bad.add(u + ": mean difference from the flat square " + d);
                }
            }
            assertTrue(bad.isEmpty(), () -> String.join("\n", bad));
        }

        /** size_wc (level 1): "s," (s 450-750) is s x s, squares in boxes of the truncated square side. 4 draws, all squares. */
        @Test
        void sizeWc() throws Exception {
            Random random = new Random(31337);
            for (int i = 0; i < 4; i++) {
                int s = 450 + random.nextInt(301);
                scaled(sizeUrl(s + ","), s, s);
            }
        }

        /** size_ch (level 1): ",s" (s 450-750) likewise. */
        @Test
        void sizeCh() throws Exception {
            Random random = new Random(31337);
            for (int i = 0; i < 4; i++) {
                int s = 450 + random.nextInt(301);
                scaled(sizeUrl("," + s), s, s);
            }
        }

        /** size_wh (v2 level 2, v3 level 1): "w,h" (350-750 each) is w x h, distorted. */
        @Test
        void sizeWh() throws Exception {
            Random random = new Random(31337);
            for (int i = 0; i < 4; i++) {
                int w = 350 + random.nextInt(401);
                int h = 350 + random.nextInt(401);
                scaled(sizeUrl(w + "," + h), w, h);
            }
        }

        /** size_bwh (level 2): "!w,h" is min(w,h) square (the image is square). */
        @Test
        void sizeBwh() throws Exception {
            Random random = new Random(31337);
            for (int i = 0; i < 4; i++) {
                int w = 350 + random.nextInt(401);
                int h = 350 + random.nextInt(401);
                int s = Math.min(w, h);
                scaled(sizeUrl("!" + w + "," + h), s, s);
            }
        }

        /** size_percent (v2 level 1, v3 level 2): "pct:s" (45-75) is 10s x 10s. */
        @Test
        void sizePercent() throws Exception {
            Random random = new Random(31337);
            for (int i = 0; i < 4; i++) {
                int s = 45 + random.nextInt(31);
                scaled(sizeUrl("pct:" + s), 10 * s, 10 * s);
            }
        }

        /** Exact size, then every square in the size tests' boxes (sides truncated to whole pixels). */
        void scaled(String u, int w, int h) throws Exception {
            BufferedImage img = image(u);
            assertSize(w, h, img, u);
            assertNoMismatch(gridMismatches(img, w / 10, h / 10), u);
        }

        // ---- rotation -----------------------------------------------------------------------------

        /** rot_error_random (level 1): random 4-character rotations are 400. */
        @Test
        void rotErrorRandom() throws Exception {
            assertAll400("rotation", 4, 8, this::rotationUrl, "[\\]^", "<=>@");
        }

        /**
         * rot_full_basic (level 2): 90, 180 and 270 keep a 1000 (+-1) width; the validator's boxes
         * (12,12)-(76,76) and (912,912)-(976,976) show the expected corner squares; rewrite: mean
         * difference from the turned reference below 6.
         */
        @Test
        void rotFullBasic() throws Exception {
            corners("180", 9, 9, 0, 0, false, 180);
            corners("90", 0, 9, 9, 0, false, 90);
            corners("270", 9, 0, 0, 9, false, 270);
        }

        /** rot_mirror (optional; iipsrv advertises mirroring): !0 is a horizontal flip. */
        @Test
        void rotMirror() throws Exception {
            corners("!0", 9, 0, 0, 9, true, 0);
        }

        /** rot_mirror_180 (optional; classic v2 only, rewrite both): !180 is a vertical flip. */
        @Test
        void rotMirror180() throws Exception {
            corners("!180", 0, 9, 9, 0, true, 180);
        }

        void corners(String rotation, int tlx, int tly, int brx, int bry, boolean mirror, int degrees) throws Exception {
            String u = rotationUrl(rotation);
            BufferedImage img = image(u);
            assertTrue(Math.abs(img.getWidth() - 1000) <= 1, u + ": width " + img.getWidth());
            List<String> bad = new ArrayList<>();
            String m = squareMismatch(img, 12, 12, 76, 76, tlx, tly);
            if (m != null) {
                bad.add(m);
            }
            m = squareMismatch(img, 912, 912, 976, 976, brx, bry);
            if (m != null) {
                bad.add(m);
            }
            assertNoMismatch(bad, u);
            double d = meanAbsDiff(img, transformed(reference, mirror, degrees));
            assertTrue(d < 6, u + ": mean difference from the transformed reference " + d);
        }

        // ---- quality ------------------------------------------------------------------------------

        /** quality_error_random (level 1): random 6-character qualities are 400. */
        @Test
        void qualityErrorRandom() throws Exception {
            assertAll400("quality", 6, 8, this::qualityUrl, "[\\]^_`", "<=>@:;");
        }

        /**
         * quality_color (level 2): a colour (RGB) image. The validator checks only the mode ("XXX
         * should check we actually are getting color back"); here also the squares' colours.
         */
        @Test
        void qualityColor() throws Exception {
            String u = qualityUrl("color");
            Http.Reply r = get(u);
            assertEquals(200, r.status(), () -> u + ": " + snippet(r));
            assertEquals("image/jpeg", r.contentType(), u);
            assertEquals(3, Jpegs.components(r.body()), u + ": JPEG components");
            BufferedImage img = r.image();
            assertEquals(3, img.getColorModel().getNumColorComponents(), u);
            assertNoMismatch(gridMismatches(img, 100, 100, 74, 74), u);
        }

        /**
         * quality_grey (level 2; the validator asks for "gray" in 2.0 and 3.0): a one-channel
         * image passes; otherwise more than 650000 of the pixels must have r, g, b within 4 of
         * each other.
         */
        @Test
        void qualityGrey() throws Exception {
            String u = qualityUrl("gray");
            Http.Reply r = get(u);
            assertEquals(200, r.status(), () -> u + ": " + snippet(r));
            assertEquals("image/jpeg", r.contentType(), u);
            if (Jpegs.components(r.body()) == 1) {
                return;
            }
            BufferedImage img = r.image();
            int grey = 0;
            for (int y = 0; y < img.getHeight(); y++) {
                for (int x = 0; x < img.getWidth(); x++) {
                    int p = img.getRGB(x, y);
                    int red = (p >> 16) & 0xff;
                    int green = (p >> 8) & 0xff;
                    int blue = p & 0xff;
                    if (Math.abs(red - green) < 5 && Math.abs(green - blue) < 5) {
                        grey++;
                    }
                }
            }
            assertTrue(grey > 650000, u + ": only " + grey + " grey pixels");
        }

        /**
         * quality_bitonal (level 2): more than 650000 pixels black or white (r+g+b below 15 or
         * above 750). The classic validator passes any one-channel image unseen; here the pixel
         * count applies whatever the channels.
         */
        @Test
        void qualityBitonal() throws Exception {
            String u = qualityUrl("bitonal");
            Http.Reply r = get(u);
            assertEquals(200, r.status(), () -> u + ": " + snippet(r));
            assertEquals("image/jpeg", r.contentType(), u);
            BufferedImage img = r.image();
            int ok = 0;
            for (int y = 0; y < img.getHeight(); y++) {
                for (int x = 0; x < img.getWidth(); x++) {
                    int p = img.getRGB(x, y);
                    int sum = ((p >> 16) & 0xff) + ((p >> 8) & 0xff) + (p & 0xff);
                    if (sum < 15 || sum > 750) {
                        ok++;
                    }
                }
            }
            assertTrue(ok > 650000, u + ": only " + ok + " black or white pixels");
        }

        // ---- format -------------------------------------------------------------------------------

        /** format_error_random (level 1): random 3-character formats are 400 (classic also takes 415, 503; the rewrite 400 only, 16 draws). */
        @Test
        void formatErrorRandom() throws Exception {
            assertAll400("format", 3, 16, this::formatUrl, "[\\]", "<=>");
        }

        /** format_jpg (level 0): a JPEG. */
        @Test
        void formatJpg() throws Exception {
            String u = formatUrl("jpg");
            Http.Reply r = get(u);
            assertEquals(200, r.status(), () -> u + ": " + snippet(r));
            assertEquals("image/jpeg", r.contentType());
            assertEquals(0xFF, r.body()[0] & 0xff);
            assertEquals(0xD8, r.body()[1] & 0xff);
            assertNotNull(r.image());
        }

        /** format_png (level 2): a PNG. */
        @Test
        void formatPng() throws Exception {
            String u = formatUrl("png");
            Http.Reply r = get(u);
            assertEquals(200, r.status(), () -> u + ": " + snippet(r));
            assertEquals("image/png", r.contentType());
            assertEquals("\u0089PNG", new String(r.body(), 0, 4, StandardCharsets.ISO_8859_1));
            BufferedImage img = r.image();
            assertSize(1000, 1000, img, u);
        }

        // ---- HTTP ---------------------------------------------------------------------------------

        /**
         * linkheader_profile (optional, level 3; docs/protocols.md 8.5.5 promises the header): an image reply
         * has a Link header with rel="profile" to {@code http://iiif.io/api/image/N/...} (parsed
         * as the rewrite does: {@code <uri>;\s*rel="..."}).
         */
        @Test
        void linkheaderProfile() throws Exception {
            String u = defaultUrl();
            Http.Reply r = get(u);
            assertEquals(200, r.status(), u);
            String link = r.header("Link");
            assertNotNull(link, u + ": no Link header");
            Matcher m = Pattern.compile("<([^>]+)>;\\s*rel=\"([^\"]+)\"\\s*,*")
                    .matcher(link);
            String profile = null;
            while (m.find()) {
                if (Arrays.asList(m.group(2).toLowerCase(Locale.ROOT).split(" ")).contains("profile")) {
                    profile = m.group(1);
                }
            }
            assertNotNull(profile, "Link header without rel=\"profile\": " + link);
            assertTrue(profile.startsWith("http://iiif.io/api/image/" + version() + "/"), profile);
        }

        /**
         * jsonld (level 1): info.json asked with {@code Accept: application/ld+json} is 200 with a
         * Content-Type starting application/ld+json; docs/protocols.md 8.4: exactly
         * {@code application/ld+json;profile="http://iiif.io/api/image/N/context.json"}.
         */
        @Test
        void jsonld() throws Exception {
            String accept = accept().length > 0 ? accept()[1] : "application/ld+json";
            Http.Reply r = IiifValidation.get(infoUrl(), "Accept", accept);
            assertEquals(200, r.status(), () -> snippet(r));
            String ct = r.contentType();
            assertNotNull(ct, "Content-Type");
            assertTrue(ct.startsWith("application/ld+json"), ct);
            assertEquals("application/ld+json;profile=\"http://iiif.io/api/image/" + version() + "/context.json\"", ct);
        }

        /**
         * cors (level 1): classic: info.json carries {@code Access-Control-Allow-Origin: *};
         * rewrite: info.json and an image, by GET and by OPTIONS, carry * or the request's Origin.
         */
        @Test
        void cors() throws Exception {
            List<Executable> checks = new ArrayList<>();
            Http.Reply info = get(infoUrl());
            checks.add(() -> assertEquals("*", info.header("Access-Control-Allow-Origin"), "info.json GET"));
            for (String u : List.of(infoUrl(), defaultUrl())) {
                for (String method : List.of("GET", "OPTIONS")) {
                    Http.Reply r = IiifValidation.send(method, u, accept());
                    String acao = r.header("Access-Control-Allow-Origin");
                    checks.add(() -> assertTrue("*".equals(acao) || IiifValidation.ORIGIN.equals(acao),
                            method + " " + u + ": Access-Control-Allow-Origin " + acao));
                }
            }
            assertAll(checks);
        }

        /**
         * baseurl_redirect (level 1): the bare identifier redirects to its info.json. Classic: any
         * redirect urllib follows; here 303 (docs/protocols.md 8.2) to a Location that resolves to the info.json
         * URL (iipsrv writes it protocol-relative).
         */
        @Test
        void baseurlRedirect() throws Exception {
            String u = base + ID;
            Http.Reply r = get(u);
            assertEquals(303, r.status(), () -> u + ": " + snippet(r));
            String location = r.header("Location");
            assertNotNull(location, "Location");
            assertEquals(infoUrl(), URI.create(u).resolve(location).toString(), "Location " + location);
        }

        /** baseurl_redirect, rewrite: the Location string itself must be the info.json URL (it compares text, not resolved URIs). */
        @Test
        void baseurlRedirectLocationIsTheInfoUrl() throws Exception {
            Http.Reply r = get(base + ID);
            assertTrue(r.status() >= 300 && r.status() < 400, "status " + r.status());
            assertEquals(infoUrl(), r.header("Location"));
        }
    }

    /** Checks of version 2 only. */
    abstract static class V2Checks extends Checks {
        /**
         * rot_region_basic (v2 level 2): region x*100+13,y*100+13,76,76 turned 180 keeps a width
         * of 76 (+-1) and square (x,y)'s colour. All 100 squares (the validator: 4 random).
         */
        @Test
        void rotRegionBasic() throws Exception {
            List<String> bad = new ArrayList<>();
            for (int gy = 0; gy < 10; gy++) {
                for (int gx = 0; gx < 10; gx++) {
                    String u = url(ID, (gx * 100 + 13) + "," + (gy * 100 + 13) + ",76,76", "full", "180", "default", "jpg");
                    BufferedImage img = image(u);
                    if (Math.abs(img.getWidth() - 76) > 1) {
                        bad.add(u + ": width " + img.getWidth());
                    }
                    String m = squareMismatch(img, 0, 0, img.getWidth(), img.getHeight(), gx, gy);
                    if (m != null) {
                        bad.add(u + ": " + m);
                    }
                }
            }
            assertTrue(bad.isEmpty(), () -> String.join("\n", bad));
        }

        /**
         * size_up (optional; iipsrv's v2 profile supports sizeAboveFull, ALLOW_UPSCALING defaults
         * to 1): ",s" with s 1100-2000 is s x s with the squares in place (classic: 3 of 5).
         */
        @Test
        void sizeUp() throws Exception {
            Random random = new Random(31337);
            int s = 1100 + random.nextInt(901);
            scaled(sizeUrl("," + s), s, s);
        }
    }

    /** Checks of version 3 only. */
    abstract static class V3Checks extends Checks {
        /**
         * Linking properties of info.json (v3, part of info_json): service, partOf and seeAlso,
         * if present, are lists of objects each with an id (or @id) and a type (or @type); the
         * rewrite wants id and type exactly. The file has a resolution, so iipsrv's
         * physical-dimensions service must be there (docs/protocols.md 8.4) for this to check something.
         */
        @Test
        void infoJsonLinkingProperties() throws Exception {
            Map<String, Object> info = info();
            assertTrue(info.containsKey("service"), "the image has a resolution: physdim service expected (docs/protocols.md 8.4)");
            List<Executable> checks = new ArrayList<>();
            for (String name : List.of("service", "partOf", "seeAlso")) {
                if (!info.containsKey(name)) {
                    continue;
                }
                Object v = info.get(name);
                checks.add(() -> assertInstanceOf(List.class, v, name + " is a list"));
                if (v instanceof List<?> list) {
                    for (Object o : list) {
                        checks.add(() -> {
                            Map<String, Object> item = jsonObject(o, name + " entry");
                            assertTrue(item.containsKey("id") || item.containsKey("@id"), name + " entry has id or @id: " + item);
                            assertTrue(item.containsKey("type") || item.containsKey("@type"),
                                    name + " entry has type or @type: " + item);
                        });
                    }
                }
            }
            assertAll(checks);
        }

        /**
         * size_noup (v3 level 1): without '^', sizes above 100% (s,s / ,s / s, with s 1100-2000,
         * pct:200, !2000,3000) are refused; the validator takes any non-200, docs/protocols.md 8.5.2 says 400.
         */
        @Test
        void sizeNoup() throws Exception {
            Random random = new Random(31337);
            int s = 1100 + random.nextInt(901);
            Map<String, Integer> got = new LinkedHashMap<>();
            for (String size : List.of(s + "," + s, "," + s, s + ",", "pct:200", "!2000,3000")) {
                got.put(size, get(sizeUrl(size)).status());
            }
            for (Map.Entry<String, Integer> e : got.entrySet()) {
                assertEquals(400, e.getValue(), "size " + e.getKey() + " without ^: " + got);
            }
        }

        /**
         * size_up (optional; iipsrv advertises sizeUpscaling), rewrite: ",s" without '^' is not
         * 200; ^s,s ^,s ^s, are s x s, ^max 1000, ^pct:200 2000, ^!2000,500 500 and ^!2000,3000
         * 2000 square, squares in place. The validator sends '^' as it is (urllib does not escape
         * it), but Jetty 12's default URI compliance answers a raw '^' in a path with "400 Illegal
         * Path Character" before the webapp sees it (Tomcat likewise unless relaxedPathChars
         * allows it), so here it is sent as %5E; {@link V3QueryForm} sends it raw in the query.
         */
        @Test
        void sizeUpWithCaret() throws Exception {
            Random random = new Random(31337);
            int s = 1100 + random.nextInt(901);
            int plain = get(sizeUrl("," + s)).status();
            assertTrue(plain != 200, ",s without ^ answered " + plain);
            Map<String, Integer> sizes = new LinkedHashMap<>();
            sizes.put("%5E" + s + "," + s, s);
            sizes.put("%5E," + s, s);
            sizes.put("%5E" + s + ",", s);
            sizes.put("%5Emax", 1000);
            sizes.put("%5Epct:200", 2000);
            sizes.put("%5E!2000,500", 500);
            sizes.put("%5E!2000,3000", 2000);
            for (Map.Entry<String, Integer> e : sizes.entrySet()) {
                scaled(sizeUrl(e.getKey()), e.getValue(), e.getValue());
            }
        }

        /**
         * size_nofull (v3; classic: a warning, rewrite: a level-0 failure): {@code full} is not a
         * 3.0 size, so a request for it must not be 200. iipsrv accepts full in every version
         * (docs/protocols.md 8.5.2 and 15.1, docs/decisions.md Decision 26); we follow the validator here.
         */
        @Test
        void sizeNofull() throws Exception {
            String u = sizeUrl("full");
            int status = get(u).status();
            assertTrue(status != 200, u + " answered 200; the validator wants 3.0 to refuse size 'full'");
        }
    }
}

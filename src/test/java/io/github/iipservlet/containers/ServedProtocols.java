package io.github.iipservlet.containers;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.testsupport.Http;
import io.github.iipservlet.testsupport.Jp2Writer;
import io.github.iipservlet.testsupport.TestImages;
import io.github.iipservlet.testsupport.TiffWriter;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What every container must serve from the deployed WAR: one request or two per protocol (IIP,
 * IIIF, DeepZoom, Zoomify) on a 1000x700 pyramid of 256x256 JPEG tiles, the configuration the
 * container passed in (FILESYSTEM_PREFIX, and MAX_CVT replacing web.xml's 5000), and the
 * X-Forwarded headers of config/nginx/iip.conf reaching the webapp.
 */
final class ServedProtocols {
    static final String IMAGE = "test.tif";
    /** A JPEG2000 copy (untiled codestream, 5 levels): decoded by libopenjp2 where installed, else JJ2000. */
    static final String JP2 = "test.jp2";
    /** MAX_CVT in the config/ examples: info.json's maxWidth shows the container's value won over web.xml's. */
    static final int MAX_CVT = 4000;

    private ServedProtocols() {
    }

    /** target/containers/images/test.tif, written once per run. */
    static synchronized Path images() throws IOException {
        Path dir = Setup.containersDir().resolve("images");
        if (!Files.exists(dir.resolve(IMAGE))) {
            Files.createDirectories(dir);
            Path tmp = dir.resolve(IMAGE + ".part");
            TiffWriter.builder().size(1000, 700).compression(TiffWriter.Compression.JPEG)
                    .photometric(TiffWriter.Photometric.YCBCR_JPEG).write(tmp);
            Files.move(tmp, dir.resolve(IMAGE));
        }
        if (!Files.exists(dir.resolve(JP2))) {
            Path tmp = dir.resolve(JP2 + ".part");
            Jp2Writer.builder().size(500, 350).channels(3).levels(5).untiled().write(tmp);
            Files.move(tmp, dir.resolve(JP2));
        }
        return dir;
    }

    /** The request that shows the webapp is up and reads FILESYSTEM_PREFIX. */
    static String probeUrl(String webapp) {
        return webapp + "/fcgi-bin/iipsrv.fcgi?FIF=" + IMAGE + "&OBJ=Max-size";
    }

    static void check(String webapp) {
        String iip = webapp + "/fcgi-bin/iipsrv.fcgi?";
        assertAll(
                () -> assertTrue(text(probeUrl(webapp)).contains("Max-size:1000 700"), "IIP OBJ=Max-size"),
                () -> {
                    BufferedImage tile = image(iip + "FIF=" + IMAGE + "&JTL=2,0", 256, 256);
                    for (int c = 0; c < 3; c++) {
                        int expected = TestImages.expectedRgb(100, 100, c);
                        int actual = (tile.getRGB(100, 100) >> (16 - 8 * c)) & 0xff;
                        assertTrue(Math.abs(expected - actual) <= 12,
                                "JTL=2,0 pixel (100,100) channel " + c + ": " + actual + ", expected " + expected);
                    }
                },
                () -> image(iip + "FIF=" + IMAGE + "&JTL=0,0", 250, 175),
                () -> {
                    String info = text(webapp + "/iiif/" + IMAGE + "/info.json");
                    assertTrue(hasMember(info, "id", "\"" + webapp + "/iiif/" + IMAGE + "\""), "IIIF id: " + info);
                    assertTrue(hasMember(info, "width", "1000"), "IIIF width: " + info);
                    assertTrue(hasMember(info, "height", "700"), "IIIF height: " + info);
                    assertTrue(hasMember(info, "maxWidth", Integer.toString(MAX_CVT)),
                            "IIIF maxWidth from the container's MAX_CVT: " + info);
                },
                () -> image(webapp + "/iiif/" + IMAGE + "/256,256,256,256/max/0/default.jpg", 256, 256),
                () -> image(webapp + "/iiif/" + IMAGE + "/full/250,/0/default.jpg", 250, 175),
                () -> {
                    String dzi = text(webapp + "/deepzoom/" + IMAGE + ".dzi");
                    assertTrue(dzi.contains("Width=\"1000\"") && dzi.contains("Height=\"700\""), "DeepZoom: " + dzi);
                    assertEquals(dzi, text(iip + "DeepZoom=" + IMAGE + ".dzi"), "DeepZoom query form");
                },
                () -> image(webapp + "/deepzoom/" + IMAGE + "_files/10/0_0.jpg", 256, 256),
                () -> image(webapp + "/deepzoom/" + IMAGE + "_files/8/0_0.jpg", 250, 175),
                () -> {
                    String props = text(webapp + "/zoomify/" + IMAGE + "/ImageProperties.xml");
                    assertTrue(props.contains("WIDTH=\"1000\"") && props.contains("HEIGHT=\"700\""),
                            "Zoomify: " + props);
                    assertEquals(props, text(iip + "Zoomify=" + IMAGE + "/ImageProperties.xml"), "Zoomify query form");
                },
                () -> image(webapp + "/zoomify/" + IMAGE + "/TileGroup0/0-0-0.jpg", 250, 175),
                () -> image(webapp + "/zoomify/" + IMAGE + "/TileGroup0/2-3-2.jpg", 232, 188),
                // The other encoders and the native decoders: WebP (bundled libwebp), PNG, JPEG2000.
                () -> image(webapp + "/iiif/" + IMAGE + "/full/250,/0/default.webp", 250, 175),
                () -> image(webapp + "/iiif/" + JP2 + "/full/250,/0/default.png", 250, 175),
                () -> image(iip + "FIF=" + JP2 + "&JTL=4,0", 250, 175),
                () -> checkForwardedHeaders(webapp));
    }

    /**
     * The headers config/nginx/iip.conf sets, as nginx would fill them for
     * https://images.example.org/images/iip/..., sent straight to the container: the IIIF id must
     * be the public URL, so the container passes them through and the webapp honours them.
     */
    private static void checkForwardedHeaders(String webapp) throws Exception {
        Map<String, String> nginxVariables = Map.of("$scheme", "https", "$host", "images.example.org",
                "$server_port", "443");
        String conf = Files.readString(Setup.example("nginx/iip.conf"), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("(?m)^\\s*proxy_set_header\\s+(X-Forwarded-[\\w-]+)\\s+(\\S+);").matcher(conf);
        List<String> headers = new ArrayList<>();
        while (m.find()) {
            headers.add(m.group(1));
            headers.add(nginxVariables.getOrDefault(m.group(2), m.group(2)));
        }
        assertEquals(8, headers.size(), "X-Forwarded-Proto, -Host, -Port and -Prefix in config/nginx/iip.conf");
        Http.Reply r = Http.get(webapp + "/iiif/" + IMAGE + "/info.json", headers.toArray(String[]::new));
        assertEquals(200, r.status(), "info.json behind the proxy");
        String publicId = "https://images.example.org/images" + Container.CONTEXT_PATH + "/iiif/" + IMAGE;
        assertTrue(hasMember(r.text(), "id", "\"" + publicId + "\""), "IIIF id behind nginx: " + r.text());
    }

    /** Whether the JSON text has {@code "name" : value} (any spacing around the colon). */
    private static boolean hasMember(String json, String name, String value) {
        return Pattern.compile("\"" + Pattern.quote(name) + "\"\\s*:\\s*" + Pattern.quote(value) + "(?![\\w.])")
                .matcher(json).find();
    }

    private static String text(String url) throws Exception {
        Http.Reply r = Http.get(url);
        assertEquals(200, r.status(), url + ": " + r.text());
        return r.text();
    }

    private static BufferedImage image(String url, int width, int height) throws Exception {
        Http.Reply r = Http.get(url);
        assertEquals(200, r.status(), url + ": " + r.text());
        // Exactly: no charset (Undertow used to add one to forwarded replies: FrontServlet.StreamOnlyResponse).
        String type = url.endsWith(".webp") ? "image/webp" : url.endsWith(".png") ? "image/png" : "image/jpeg";
        assertEquals(type, r.contentType(), url);
        BufferedImage img = r.image();
        assertEquals(width + "x" + height, img.getWidth() + "x" + img.getHeight(), url);
        return img;
    }
}

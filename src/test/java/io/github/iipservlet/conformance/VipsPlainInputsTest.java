package io.github.iipservlet.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.iipservlet.testsupport.Chunks;
import io.github.iipservlet.testsupport.Http;
import io.github.iipservlet.testsupport.TestServer;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plain images as vips 8.14 writes them (docs/protocols.md 9.6): JPEG baseline and progressive,
 * grey and RGB, PNG 8 and 16-bit, with alpha and with a palette, and a striped TIFF. The full
 * resolution served through IIP and IIIF equals vips' own decode of the same file, sample for
 * sample: JPEG too, whether libjpeg-turbo or the JDK's reader decodes it (measured: no sample
 * differs). Needs libvips-tools.
 */
@Tag("conformance")
class VipsPlainInputsTest {
    @TempDir
    static Path tmp;
    static Path images;
    static TestServer server;
    static String iip;
    /** File name to the vips command (after the source) that makes it. */
    static final Map<String, String[]> FILES = new LinkedHashMap<>();

    static {
        FILES.put("baseline.jpg", new String[] {"copy", "src.png", "baseline.jpg[Q=90]"});
        FILES.put("progressive.jpg", new String[] {"copy", "src.png", "progressive.jpg[Q=90,interlace]"});
        FILES.put("grey.jpg", new String[] {"copy", "grey.png", "grey.jpg[Q=85]"});
        FILES.put("rgb.png", new String[] {"copy", "src.png", "rgb.png"});
        FILES.put("rgb16.png", new String[] {"copy", "src16.v", "rgb16.png"});
        FILES.put("alpha.png", new String[] {"bandjoin_const", "src.png", "alpha.png", "180"});
        FILES.put("palette.png", new String[] {"copy", "src.png", "palette.png[palette]"});
        FILES.put("striped.tif", new String[] {"tiffsave", "src.png", "striped.tif", "--compression", "deflate"});
    }

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(VipsTiffInputsTest.vipsInstalled(), "vips is not installed (apt-get install libvips-tools)");
        images = Files.createDirectories(tmp.resolve("images"));
        BufferedImage src = new BufferedImage(700, 500, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 500; y++) {
            for (int x = 0; x < 700; x++) {
                int r = x * 255 / 699;
                int g = y * 255 / 499;
                int b = (x / 20 + y / 20) % 2 == 0 ? (x ^ y) & 0xff : 255 - (x * y & 0x7f);
                src.setRGB(x, y, r << 16 | g << 8 | b);
            }
        }
        ImageIO.write(src, "png", tmp.resolve("src.png").toFile());
        VipsTiffInputsTest.vips("colourspace", tmp.resolve("src.png").toString(), tmp.resolve("grey.png").toString(),
                "b-w");
        // 16 bits: the 8-bit samples times 257 with a ramp in the low byte.
        VipsTiffInputsTest.vips("linear", tmp.resolve("src.png").toString(), tmp.resolve("src16.v").toString(),
                "257", "3", "--uchar=false");
        VipsTiffInputsTest.vips("cast", tmp.resolve("src16.v").toString(), tmp.resolve("src16c.v").toString(),
                "ushort");
        Files.move(tmp.resolve("src16c.v"), tmp.resolve("src16.v"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        for (Map.Entry<String, String[]> f : FILES.entrySet()) {
            String[] a = f.getValue().clone();
            a[1] = tmp.resolve(a[1]).toString();
            a[2] = images.resolve(a[2]).toString();
            VipsTiffInputsTest.vips(a);
            VipsTiffInputsTest.vips("copy", images.resolve(f.getKey()).toString(),
                    tmp.resolve(f.getKey() + ".ref.png").toString());
        }
        server = TestServer.start(Map.of("FILESYSTEM_PREFIX", images + "/"));
        iip = server.iipUrl() + "?";
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private static int[] samples(BufferedImage img, int x, int y, int w, int h) {
        return img.getRaster().getPixels(x, y, w, h, (int[]) null);
    }

    @Test
    void theFullResolutionIsVipsOwnDecode() throws Exception {
        for (String name : FILES.keySet()) {
            BufferedImage ref = Chunks.decode(Files.readAllBytes(tmp.resolve(name + ".ref.png")), Chunks.JDK_PNG);
            int[] expected = samples(ref, 0, 0, 700, 500);
            for (String url : new String[] {iip + "FIF=" + name + "&CVT=png",
                    server.baseUrl() + "/iiif/" + name + "/full/max/0/default.png"}) {
                Http.Reply r = Http.get(url);
                assertEquals(200, r.status(), url + ": " + r.text());
                BufferedImage got = Chunks.decode(r.body(), Chunks.JDK_PNG);
                assertEquals(ref.getRaster().getNumBands(), got.getRaster().getNumBands(), name + " bands");
                assertEquals(ref.getSampleModel().getSampleSize(0), got.getSampleModel().getSampleSize(0),
                        name + " bits");
                assertArrayEquals(expected, samples(got, 0, 0, 700, 500), name + " " + url);
            }
        }
    }
}

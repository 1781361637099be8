package io.github.iipservlet.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.iipservlet.codec.WebpDecoder;
import io.github.iipservlet.codec.Zstd;
import io.github.iipservlet.image.PixelBlock;
import io.github.iipservlet.image.SampleType;
import io.github.iipservlet.image.tiff.TiffPyramidReader;
import io.github.iipservlet.testsupport.Chunks;
import io.github.iipservlet.testsupport.Http;
import io.github.iipservlet.testsupport.TestCodecs;
import io.github.iipservlet.testsupport.TestServer;
import io.github.iipservlet.testsupport.TiffPatch;
import io.github.iipservlet.testsupport.TiffWriter;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TIFF inputs as vips 8.14 writes them (docs/protocols.md 9.2): WebP (lossy, lossless) and Zstd
 * (with and without the horizontal predictor; floats with the floating-point predictor)
 * pyramids, 2- and 4-bit grey, 1-bit MinIsWhite. Every pixel served through IIP, IIIF and
 * DeepZoom equals vips' own decode of the same file (libtiff with the same libwebp, so lossy
 * WebP too), and stored WebP tiles are passed through byte for byte. Needs libvips-tools.
 */
@Tag("conformance")
class VipsTiffInputsTest {
    @TempDir
    static Path tmp;
    static Path images;
    static TestServer server;
    static String iip;
    /** File name to the vips tiffsave options that make it from src.png (grey.png for "grey" names). */
    static final Map<String, String> FILES = new LinkedHashMap<>();

    static {
        FILES.put("webp80.tif", "--compression webp --Q 80");
        FILES.put("webplossless.tif", "--compression webp --lossless");
        FILES.put("zstd.tif", "--compression zstd");
        FILES.put("zstdhorizontal.tif", "--compression zstd --predictor horizontal --level 19");
        FILES.put("grey2.tif", "--bitdepth 2");
        // vips 8.14 crashes (SIGSEGV) writing 2- or 4-bit pyramids with any compression.
        FILES.put("grey4.tif", "--bitdepth 4");
        FILES.put("grey1miniswhite.tif", "--bitdepth 1 --miniswhite");
    }

    static void vips(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("vips"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(command + ": " + out);
        }
    }

    static boolean vipsInstalled() {
        try {
            vips("--version");
            return true;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(vipsInstalled(), "vips is not installed (apt-get install libvips-tools)");
        // Both come with vips; hidden only in the jdk-codecs run.
        assumeTrue(Zstd.available() && WebpDecoder.available(), "libzstd or libwebp hidden");
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
        vips("colourspace", tmp.resolve("src.png").toString(), tmp.resolve("grey.png").toString(), "b-w");
        for (Map.Entry<String, String> f : FILES.entrySet()) {
            List<String> args = new ArrayList<>(List.of("tiffsave",
                    tmp.resolve(f.getKey().startsWith("grey") ? "grey.png" : "src.png").toString(),
                    images.resolve(f.getKey()).toString(), "--tile", "--tile-width", "256", "--tile-height", "256",
                    "--pyramid"));
            args.addAll(List.of(f.getValue().split(" ")));
            vips(args.toArray(String[]::new));
            // vips' own decode of the full resolution, the reference.
            vips("copy", images.resolve(f.getKey()) + "[page=0]", tmp.resolve(f.getKey() + ".png").toString());
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

    private static Http.Reply ok(String url) throws Exception {
        Http.Reply r = Http.get(url);
        assertEquals(200, r.status(), url + ": " + r.text());
        return r;
    }

    private static int[] samples(BufferedImage img, int x, int y, int w, int h) {
        return img.getRaster().getPixels(x, y, w, h, (int[]) null);
    }

    private static int resolutions(String name) throws Exception {
        String obj = ok(iip + "FIF=" + name + "&OBJ=Resolution-number").text();
        return Integer.parseInt(obj.substring(obj.indexOf(':') + 1).trim());
    }

    @Test
    void everyPixelAsVipsDecodesIt() throws Exception {
        for (String name : FILES.keySet()) {
            BufferedImage ref = ImageIO.read(tmp.resolve(name + ".png").toFile());
            int[] expected = samples(ref, 0, 0, 700, 500);
            BufferedImage cvt = Chunks.decode(ok(iip + "FIF=" + name + "&CVT=png").body(), Chunks.JDK_PNG);
            assertEquals(ref.getRaster().getNumBands(), cvt.getRaster().getNumBands(), name);
            assertArrayEquals(expected, samples(cvt, 0, 0, 700, 500), name + " CVT");
            BufferedImage iiif = Chunks.decode(ok(server.baseUrl() + "/iiif/" + name + "/full/max/0/default.png")
                    .body(), Chunks.JDK_PNG);
            assertArrayEquals(expected, samples(iiif, 0, 0, 700, 500), name + " IIIF");
            BufferedImage region = Chunks.decode(ok(server.baseUrl() + "/iiif/" + name
                    + "/300,200,333,222/333,/0/default.png").body(), Chunks.JDK_PNG);
            assertArrayEquals(samples(ref, 300, 200, 333, 222), samples(region, 0, 0, 333, 222), name + " region");
            int full = resolutions(name) - 1;
            // Tile 4 (column 1, row 1) and the cropped last tile 5.
            BufferedImage tile = Chunks.decode(ok(iip + "FIF=" + name + "&PTL=" + full + ",4").body(), Chunks.JDK_PNG);
            assertArrayEquals(samples(ref, 256, 256, 256, 244), samples(tile, 0, 0, 256, 244), name + " PTL");
            BufferedImage last = Chunks.decode(ok(iip + "FIF=" + name + "&PTL=" + full + ",5").body(), Chunks.JDK_PNG);
            assertEquals("188x244", last.getWidth() + "x" + last.getHeight());
            assertArrayEquals(samples(ref, 512, 256, 188, 244), samples(last, 0, 0, 188, 244), name + " last PTL");
            // DeepZoom's full-resolution level (10 for 700 pixels) is the same tile as JTL.
            assertArrayEquals(ok(iip + "FIF=" + name + "&JTL=" + full + ",4").body(),
                    ok(iip + "DeepZoom=" + name + "_files/10/1_1.jpg").body(), name + " DeepZoom");
        }
    }

    @Test
    void webpTilesArePassedThroughAsStored() throws Exception {
        for (String name : new String[] {"webp80.tif", "webplossless.tif"}) {
            TiffPatch stored = TiffPatch.of(images.resolve(name));
            int full = resolutions(name) - 1;
            // Tiles 0 and 1: the others are in the last column or row, padded by libtiff, so decoded.
            for (int t : new int[] {0, 1}) {
                byte[] tile = stored.tile(0, t);
                assertArrayEquals(tile, ok(iip + "FIF=" + name + "&WTL=" + full + "," + t).body(), name + " WTL " + t);
            }
            assertArrayEquals(stored.tile(0, 1), ok(server.baseUrl() + "/iiif/" + name
                    + "/256,0,256,256/256,/0/default.webp").body(), name + " IIIF");
            byte[] edge = ok(iip + "FIF=" + name + "&WTL=" + full + ",4").body();
            BufferedImage decoded = Chunks.decode(edge, Chunks.WEBP);
            assertEquals("256x244", decoded.getWidth() + "x" + decoded.getHeight(), name + " edge tile");
        }
    }

    @Test
    void floatsWithTheFloatingPointPredictor() throws Exception {
        Path plain = tmp.resolve("float-plain.tif");
        TiffWriter.Written w = TiffWriter.builder().size(600, 400).channels(1).bits(32).sampleType(SampleType.FLOAT)
                .photometric(TiffWriter.Photometric.MINISBLACK)
                .pixels((x, y, c) -> Math.sin(x / 37.0) * Math.cos(y / 23.0) * 1000.5).write(plain);
        Path zstd = tmp.resolve("float-zstd.tif");
        vips("tiffsave", plain.toString(), zstd.toString(), "--tile", "--pyramid", "--compression", "zstd",
                "--predictor", "float");
        try (TiffPyramidReader r = TiffPyramidReader.open(zstd, TestCodecs.SHARED)) {
            PixelBlock b = r.readRegion(0, 0, 0, 600, 400);
            for (int y = 0; y < 400; y++) {
                for (int x = 0; x < 600; x++) {
                    assertEquals((float) w.sample(0, x, y, 0), (float) b.sample(y * 600 + x), x + "," + y);
                }
            }
        }
    }
}

package io.github.iipservlet.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.conformance.Comparison.Json;
import io.github.iipservlet.conformance.Comparison.Response;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** The diffconf.py rules of {@link Comparison} and the case-line parsing, without any server. */
class ComparisonTest {

    private static Response text(int status, String type, String body) {
        return new Response(status, type, body.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void statusRules() {
        assertTrue(Comparison.compare(true, text(404, null, ""), text(400, null, "")).ok());
        assertFalse(Comparison.compare(true, text(404, null, ""), text(500, null, "")).ok());
        assertFalse(Comparison.compare(false, text(200, "text/plain", ""), text(404, "text/plain", "")).ok());
        assertTrue(Comparison.compare(false, text(302, "a/b", ""), text(302, "c/d", "")).ok());
        assertTrue(Comparison.compare(false, text(400, "text/plain", "x"), text(400, "text/html", "y")).ok());
        assertFalse(Comparison.compare(false, text(500, null, ""), text(500, null, "")).ok());
        assertFalse(Comparison.compare(false, text(200, "text/plain", "a"), text(200, "text/html", "a")).ok());
        assertTrue(Comparison.compare(false, text(200, "Text/Plain; charset=x", "a"), text(200, "text/plain", "a")).ok());
    }

    @Test
    void textIsNonEmptyStrippedLines() {
        assertTrue(Comparison.compare(false, text(200, "application/vnd.netfpx", "Max-size:1 2\r\n\r\nx \n"),
                text(200, "application/vnd.netfpx", "  Max-size:1 2\nx")).ok());
        assertEquals(List.of("a", "b"), Comparison.textLines("a\u000bb\u00a0".getBytes(StandardCharsets.ISO_8859_1)));
        assertFalse(Comparison.compare(false, text(200, "text/plain", "a\nb"), text(200, "text/plain", "b\na")).ok());
    }

    @Test
    void jsonIgnoresIdsKeyOrderAndNumberForm() {
        Object a = Comparison.normJson(Json.parse("{\"@id\":\"http://x\",\"w\":1,\"s\":[{\"id\":2,\"t\":\"\\u00e9\"}]}"));
        Object b = Comparison.normJson(Json.parse(" {\"s\":[{\"t\":\"é\",\"id\":3}],\"w\":1.0,\"id\":\"y\"} "));
        assertEquals(a, b);
        assertNotEquals(Comparison.normJson(Json.parse("{\"w\":1}")), Comparison.normJson(Json.parse("{\"w\":2}")));
        assertFalse(Comparison.compare(false, text(200, "application/ld+json", "{\"a\":1}"),
                text(200, "application/ld+json", "{\"a\":1")).ok());
    }

    @Test
    void xmlComparesNamesAndSortedAttributes() throws Exception {
        String a = "<?xml version=\"1.0\"?><Image xmlns=\"http://schemas.microsoft.com/deepzoom/2008\" "
                + "TileSize=\"256\" Format=\"jpg\"><Size Width=\"8\" Height=\"6\"/></Image>";
        String b = "<Image Format=\"jpg\" TileSize=\"256\" xmlns=\"http://schemas.microsoft.com/deepzoom/2008\">\n"
                + "  <Size Height=\"6\" Width=\"8\"></Size></Image>";
        assertEquals(Comparison.xmlAttrs(a.getBytes(StandardCharsets.UTF_8)), Comparison.xmlAttrs(b.getBytes(StandardCharsets.UTF_8)));
        assertFalse(Comparison.compare(false, text(200, "application/xml", a),
                text(200, "application/xml", b.replace("\"6\"", "\"7\""))).ok());
    }

    @Test
    void imagesByPsnr() throws Exception {
        BufferedImage img = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 48; y++) {
            for (int x = 0; x < 64; x++) {
                img.setRGB(x, y, (x * 4) << 16 | (y * 5) << 8 | ((x + y) & 0xff));
            }
        }
        byte[] png = encode(img, "png");
        Response r = new Response(200, "image/png", png);
        assertEquals("psnr 99.0 dB", Comparison.compare(false, r, r).why());
        BufferedImage grey = new BufferedImage(64, 48, BufferedImage.TYPE_BYTE_GRAY);
        assertFalse(Comparison.compare(false, r, new Response(200, "image/png", encode(grey, "png"))).ok());
        BufferedImage small = new BufferedImage(32, 48, BufferedImage.TYPE_INT_RGB);
        assertTrue(Comparison.compare(false, r, new Response(200, "image/png", encode(small, "png"))).why().startsWith("size"));
        assertTrue(Comparison.checkImage(r, "image/png", "64x48").ok());
        assertFalse(Comparison.checkImage(r, "image/jpeg", "*").ok());
        assertTrue(Comparison.checkLike(r, new Response(200, "image/jpeg", encode(img, "jpeg"))).ok());
    }

    @Test
    void caseLines() {
        assertTrue(ConformanceCase.parse("# comment").isEmpty());
        assertTrue(ConformanceCase.parse("   ").isEmpty());
        ConformanceCase c = ConformanceCase.parse("status-only FIF=x.tif&OBJ=Max-size  # why").orElseThrow();
        assertEquals(ConformanceCase.Kind.STATUS_ONLY, c.kind());
        assertEquals("FIF=x.tif&OBJ=Max-size", c.query());
        ConformanceCase i = ConformanceCase.parse("image image/jpeg 8x6 DeepZoom=big.tif_files/3/0_0.jpg").orElseThrow();
        assertEquals(List.of("image/jpeg", "8x6", "DeepZoom=big.tif_files/3/0_0.jpg"), List.of(i.mime(), i.size(), i.query()));
        ConformanceCase l = ConformanceCase.parse("like FIF=a&CVT=jpeg == FIF=a&CVT=png").orElseThrow();
        assertEquals(List.of("FIF=a&CVT=jpeg", "FIF=a&CVT=png"), l.queries());
        ConformanceCase e = ConformanceCase.parse("expect 400 IIIF=x/full/0/default.jpg").orElseThrow();
        assertEquals(400, e.expectStatus());

        assertTrue(ReferenceConformanceTest.notInScope(ConformanceCase.parse("FIF=big.tif&JTL=0,0").orElseThrow()).isEmpty());
        assertTrue(ReferenceConformanceTest.notInScope(c).isEmpty());
        assertTrue(ReferenceConformanceTest.notInScope(ConformanceCase.parse("FIF=big.jp2&JTL=3,9").orElseThrow()).isEmpty());
        assertTrue(ReferenceConformanceTest.notInScope(i).isEmpty());
        assertTrue(ReferenceConformanceTest.notInScope(ConformanceCase.parse("IIIF=big.tif/info.json").orElseThrow()).isEmpty());
        assertTrue(ReferenceConformanceTest.notInScope(ConformanceCase.parse("IIIF=big.jp2/info.json").orElseThrow()).isEmpty());
        assertFalse(ReferenceConformanceTest.notInScope(ConformanceCase.parse("MAGIC=big.tif&JTL=0,0").orElseThrow()).isEmpty());
    }

    private static byte[] encode(BufferedImage img, String format) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, format, out));
        return out.toByteArray();
    }
}

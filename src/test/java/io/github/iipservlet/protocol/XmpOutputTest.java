package io.github.iipservlet.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.testsupport.Http;
import io.github.iipservlet.testsupport.TestServer;
import io.github.iipservlet.testsupport.TiffWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An image's XMP packet (TIFF XMLPacket) carried into region outputs, iipsrv's CVT output, in each
 * format's own place for it, and not into tiles (docs/protocols.md 10).
 */
class XmpOutputTest {
    static final String XMP = "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf="
            + "\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><rdf:Description xmlns:dc=\"http://purl.org/dc/"
            + "elements/1.1/\"><dc:title>Sch\u00f6n</dc:title></rdf:Description></rdf:RDF></x:xmpmeta>";
    static final byte[] XMP_BYTES = XMP.getBytes(StandardCharsets.UTF_8);

    @TempDir
    static Path images;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        TiffWriter.builder().size(700, 500).compression(TiffWriter.Compression.DEFLATE)
                .photometric(TiffWriter.Photometric.RGB).tag("XMLPacket", XMP).write(images.resolve("xmp.tif"));
        TiffWriter.builder().size(700, 500).compression(TiffWriter.Compression.DEFLATE)
                .photometric(TiffWriter.Photometric.RGB).write(images.resolve("plain.tif"));
        server = TestServer.start(Map.of("FILESYSTEM_PREFIX", images + "/"));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static byte[] get(String query) throws Exception {
        Http.Reply r = Http.get(server.iipUrl() + "?" + query);
        assertEquals(200, r.status(), query + ": " + r.text());
        return r.body();
    }

    private static int indexOf(byte[] data, byte[] part) {
        outer:
        for (int i = 0; i + part.length <= data.length; i++) {
            for (int j = 0; j < part.length; j++) {
                if (data[i + j] != part[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void jpegRegionsCarryItInAnApp1Segment() throws Exception {
        byte[] jpeg = get("FIF=xmp.tif&RGN=0.1,0.1,0.5,0.5&WID=200&CVT=jpeg");
        int sig = indexOf(jpeg, ascii("http://ns.adobe.com/xap/1.0/\0"));
        assertTrue(sig > 4, "no XMP APP1 segment");
        assertEquals(0xFF, jpeg[sig - 4] & 0xff);
        assertEquals(0xE1, jpeg[sig - 3] & 0xff);
        int length = (jpeg[sig - 2] & 0xff) << 8 | jpeg[sig - 1] & 0xff;
        assertEquals(2 + 29 + XMP_BYTES.length, length);
        assertEquals(sig + 29, indexOf(jpeg, XMP_BYTES));
        assertNotNull(new Http.Reply(200, null, jpeg).image(), "still a JPEG the JDK decodes");
    }

    @Test
    void pngWebpAndTiffRegionsCarryItInTheirOwnPlaces() throws Exception {
        byte[] png = get("FIF=xmp.tif&RGN=0.1,0.1,0.5,0.5&WID=200&CVT=png");
        int itxt = indexOf(png, ascii("iTXtXML:com.adobe.xmp\0\0\0\0\0"));
        assertTrue(itxt > 0, "no iTXt XML:com.adobe.xmp chunk");
        assertEquals(itxt + 4 + 22, indexOf(png, XMP_BYTES));
        assertNotNull(new Http.Reply(200, null, png).image(), "still a PNG the JDK decodes");

        byte[] webp = get("FIF=xmp.tif&RGN=0.1,0.1,0.5,0.5&WID=200&CVT=webp");
        assertEquals("VP8X", new String(webp, 12, 4, StandardCharsets.ISO_8859_1));
        assertTrue((webp[20] & 0x04) != 0, "XMP flag of VP8X");
        assertEquals(webp.length - 8, le32(webp, 4), "RIFF size");
        // The chunks walk to the end of the file, the last being XMP.
        int pos = 12;
        String last = null;
        while (pos < webp.length) {
            last = new String(webp, pos, 4, StandardCharsets.ISO_8859_1);
            pos += 8 + le32(webp, pos + 4) + (le32(webp, pos + 4) & 1);
        }
        assertEquals(webp.length, pos);
        assertEquals("XMP ", last);
        assertTrue(indexOf(webp, XMP_BYTES) > 0);

        // AVIF keeps it as its XMP item (where libavif is missing, CVT=avif gives a JPEG: it has it too).
        assertTrue(indexOf(get("FIF=xmp.tif&RGN=0.1,0.1,0.5,0.5&WID=200&CVT=avif"), XMP_BYTES) > 0);

        byte[] tiff = get("FIF=xmp.tif&RGN=0.1,0.1,0.5,0.5&WID=200&CVT=tif");
        assertTrue(indexOf(tiff, XMP_BYTES) > 0, "no XMLPacket in the TIFF");
    }

    @Test
    void tilesAndImagesWithoutXmpCarryNone() throws Exception {
        for (String q : new String[] {"FIF=xmp.tif&JTL=1,0", "FIF=xmp.tif&PTL=1,0", "FIF=xmp.tif&WTL=1,0",
                "FIF=plain.tif&RGN=0.1,0.1,0.5,0.5&WID=200&CVT=jpeg", "FIF=plain.tif&RGN=0.1,0.1,0.5,0.5&WID=200&CVT=png"}) {
            byte[] b = get(q);
            assertEquals(-1, indexOf(b, ascii("<x:xmpmeta")), q);
        }
        Http.Reply iiifTile = Http.get(server.baseUrl() + "/iiif/xmp.tif/0,0,256,256/256,/0/default.jpg");
        assertFalse(indexOf(iiifTile.body(), XMP_BYTES) >= 0, "a IIIF tile is a tile");
        Http.Reply iiifRegion = Http.get(server.baseUrl() + "/iiif/xmp.tif/10,10,300,200/150,/0/default.jpg");
        assertTrue(indexOf(iiifRegion.body(), XMP_BYTES) > 0, "a IIIF region is CVT output");
    }

    private static int le32(byte[] b, int off) {
        return b[off] & 0xff | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }
}

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
 * An image's XMP packet (TIFF XMLPacket) and Exif block (a plain JPEG's APP1) carried into region
 * outputs, iipsrv's CVT output, in each format's own place for them, and not into tiles
 * (docs/protocols.md 10).
 */
class XmpOutputTest {
    static final String XMP = "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf="
            + "\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><rdf:Description xmlns:dc=\"http://purl.org/dc/"
            + "elements/1.1/\"><dc:title>Sch\u00f6n</dc:title></rdf:Description></rdf:RDF></x:xmpmeta>";
    static final byte[] XMP_BYTES = XMP.getBytes(StandardCharsets.UTF_8);
    static final byte[] EXIF = {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 2, 1, 15, 0, 2, 0, 0, 0, 4, 0, 0, 0, 38, 1, 18, 0, 3,
        0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 'I', 'I', 'P', 0};

    @TempDir
    static Path images;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        TiffWriter.builder().size(700, 500).compression(TiffWriter.Compression.DEFLATE)
                .photometric(TiffWriter.Photometric.RGB).tag("XMLPacket", XMP).write(images.resolve("xmp.tif"));
        TiffWriter.builder().size(700, 500).compression(TiffWriter.Compression.DEFLATE)
                .photometric(TiffWriter.Photometric.RGB).write(images.resolve("plain.tif"));
        TiffWriter.builder().size(700, 500).compression(TiffWriter.Compression.JPEG)
                .photometric(TiffWriter.Photometric.YCBCR_JPEG).tag("XMLPacket", XMP).write(images.resolve("xmpjpeg.tif"));
        // A plain JPEG with an Exif block (big-endian TIFF header, IFD0 with Orientation 1 and Make).
        java.awt.image.BufferedImage rgb = new java.awt.image.BufferedImage(600, 400,
                java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.io.ByteArrayOutputStream jpeg = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(rgb, "jpg", jpeg);
        byte[] plain = jpeg.toByteArray();
        byte[] segment = new byte[4 + 6 + EXIF.length];
        segment[0] = (byte) 0xFF;
        segment[1] = (byte) 0xE1;
        segment[2] = (byte) ((segment.length - 2) >> 8);
        segment[3] = (byte) (segment.length - 2);
        System.arraycopy("Exif\0\0".getBytes(StandardCharsets.ISO_8859_1), 0, segment, 4, 6);
        System.arraycopy(EXIF, 0, segment, 10, EXIF.length);
        byte[] withExif = new byte[plain.length + segment.length];
        System.arraycopy(plain, 0, withExif, 0, 2);
        System.arraycopy(segment, 0, withExif, 2, segment.length);
        System.arraycopy(plain, 2, withExif, 2 + segment.length, plain.length - 2);
        java.nio.file.Files.write(images.resolve("exif.jpg"), withExif);
        // A plain JPEG with an XMP packet (APP1 http://ns.adobe.com/xap/1.0/).
        byte[] xmpSegment = new byte[4 + 29 + XMP_BYTES.length];
        xmpSegment[0] = (byte) 0xFF;
        xmpSegment[1] = (byte) 0xE1;
        xmpSegment[2] = (byte) ((xmpSegment.length - 2) >> 8);
        xmpSegment[3] = (byte) (xmpSegment.length - 2);
        System.arraycopy(ascii("http://ns.adobe.com/xap/1.0/\0"), 0, xmpSegment, 4, 29);
        System.arraycopy(XMP_BYTES, 0, xmpSegment, 33, XMP_BYTES.length);
        byte[] withXmp = new byte[plain.length + xmpSegment.length];
        System.arraycopy(plain, 0, withXmp, 0, 2);
        System.arraycopy(xmpSegment, 0, withXmp, 2, xmpSegment.length);
        System.arraycopy(plain, 2, withXmp, 2 + xmpSegment.length, plain.length - 2);
        java.nio.file.Files.write(images.resolve("xmp.jpg"), withXmp);
        TiffWriter.builder().size(700, 500).compression(TiffWriter.Compression.DEFLATE)
                .photometric(TiffWriter.Photometric.RGB).write(images.resolve("exif.tif"));
        withExifIfd(images.resolve("exif.tif"));
        // A JP2 file with JP2's Exif box (uuid "JpgTiffExif->JP2") before its codestream.
        io.github.iipservlet.testsupport.Jp2Writer.builder().size(400, 300).channels(3).levels(3)
                .write(images.resolve("exif.jp2"));
        byte[] jp2 = java.nio.file.Files.readAllBytes(images.resolve("exif.jp2"));
        int at = 0;
        while (!new String(jp2, at + 4, 4, StandardCharsets.ISO_8859_1).equals("jp2c")) {
            at += java.nio.ByteBuffer.wrap(jp2, at, 4).getInt();
        }
        byte[] box = new byte[8 + 16 + EXIF.length];
        java.nio.ByteBuffer.wrap(box).putInt(box.length).put(ascii("uuid")).put(ascii("JpgTiffExif->JP2")).put(EXIF);
        byte[] spliced = new byte[jp2.length + box.length];
        System.arraycopy(jp2, 0, spliced, 0, at);
        System.arraycopy(box, 0, spliced, at, box.length);
        System.arraycopy(jp2, at, spliced, at + box.length, jp2.length - at);
        java.nio.file.Files.write(images.resolve("exif.jp2"), spliced);
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
    void aPlainJpegsExifGoesIntoJpegPngAndWebpRegions() throws Exception {
        String region = "FIF=exif.jpg&RGN=0.1,0.1,0.5,0.5&WID=200&CVT=";
        byte[] jpeg = get(region + "jpeg");
        int at = indexOf(jpeg, ascii("Exif\0\0"));
        assertTrue(at > 4 && (jpeg[at - 3] & 0xff) == 0xE1, "no APP1 Exif segment");
        assertEquals(at + 6, indexOf(jpeg, EXIF));
        byte[] png = get(region + "png");
        int exif = indexOf(png, ascii("eXIf"));
        assertTrue(exif > 4, "no eXIf chunk");
        assertEquals(EXIF.length, (png[exif - 4] & 0xff) << 24 | (png[exif - 3] & 0xff) << 16
                | (png[exif - 2] & 0xff) << 8 | png[exif - 1] & 0xff);
        assertEquals(exif + 4, indexOf(png, EXIF));
        assertNotNull(new Http.Reply(200, null, png).image());
        byte[] webp = get(region + "webp");
        assertTrue((webp[20] & 0x08) != 0, "EXIF flag of VP8X");
        assertEquals(indexOf(webp, ascii("EXIF")) + 8, indexOf(webp, EXIF));
        assertEquals(-1, indexOf(get("FIF=exif.jpg&JTL=1,0"), EXIF), "a tile carries none");
    }

    @Test
    void aJpeg2000FilesExifBoxGoesIntoRegions() throws Exception {
        byte[] jpeg = get("FIF=exif.jp2&RGN=0.1,0.1,0.5,0.5&WID=200&CVT=jpeg");
        int at = indexOf(jpeg, ascii("Exif\0\0"));
        assertTrue(at > 4 && (jpeg[at - 3] & 0xff) == 0xE1, "no APP1 Exif segment");
        assertEquals(at + 6, indexOf(jpeg, EXIF));
        assertTrue(indexOf(get("FIF=exif.jp2&RGN=0.1,0.1,0.5,0.5&WID=200&CVT=png"), EXIF) > 0);
        assertEquals(-1, indexOf(get("FIF=exif.jp2&JTL=1,0"), EXIF), "a tile carries none");
    }

    /**
     * Gives a classic TIFF's first IFD an EXIF IFD (ExifVersion 0230, ColorSpace 1): both IFDs
     * written at the end of the file, the header pointed at the new IFD0, the old one left unused.
     */
    static void withExifIfd(Path tif) throws java.io.IOException {
        byte[] f = java.nio.file.Files.readAllBytes(tif);
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(f).order(f[0] == 'I'
                ? java.nio.ByteOrder.LITTLE_ENDIAN : java.nio.ByteOrder.BIG_ENDIAN);
        int ifd0 = in.getInt(4);
        int count = in.getShort(ifd0) & 0xffff;
        int exifAt = (f.length + 1) & ~1;
        int newIfd0 = exifAt + 2 + 2 * 12 + 4;
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(newIfd0 + 2 + (count + 1) * 12 + 4).order(in.order());
        out.put(f);
        out.position(exifAt);
        out.putShort((short) 2);
        out.putShort((short) 0x9000).putShort((short) 7).putInt(4).put(ascii("0230"));
        out.putShort((short) 0xA001).putShort((short) 3).putInt(1).putShort((short) 1).putShort((short) 0);
        out.putInt(0);
        out.position(newIfd0);
        out.putShort((short) (count + 1));
        boolean added = false;
        for (int i = 0; i < count; i++) {
            int at = ifd0 + 2 + i * 12;
            int tag = in.getShort(at) & 0xffff;
            if (!added && tag > 0x8769) {
                out.putShort((short) 0x8769).putShort((short) 4).putInt(1).putInt(exifAt);
                added = true;
            }
            out.put(f, at, 12);
        }
        if (!added) {
            out.putShort((short) 0x8769).putShort((short) 4).putInt(1).putInt(exifAt);
        }
        out.putInt(in.getInt(ifd0 + 2 + count * 12));
        out.putInt(4, newIfd0);
        java.nio.file.Files.write(tif, out.array());
    }

    @Test
    void aTiffsExifIfdGoesIntoJpegAndPngRegions() throws Exception {
        String region = "FIF=exif.tif&RGN=0.1,0.1,0.5,0.5&WID=200&CVT=";
        assertEquals("Max-size:700 500", Http.get(server.iipUrl() + "?FIF=exif.tif&OBJ=Max-size").text().trim());
        byte[] jpeg = get(region + "jpeg");
        int at = indexOf(jpeg, ascii("Exif\0\0"));
        assertTrue(at > 4 && (jpeg[at - 3] & 0xff) == 0xE1, "no APP1 Exif segment");
        byte[] block = java.util.Arrays.copyOfRange(jpeg, at + 6, at - 4 + 2 + ((jpeg[at - 2] & 0xff) << 8
                | jpeg[at - 1] & 0xff));
        // A TIFF structure whose IFD0 points at an EXIF IFD holding the two fields.
        com.twelvemonkeys.imageio.metadata.Directory dir = new com.twelvemonkeys.imageio.metadata.tiff.TIFFReader()
                .read(new javax.imageio.stream.MemoryCacheImageInputStream(new java.io.ByteArrayInputStream(block)));
        Object exif = dir.getEntryById(0x8769).getValue();
        assertTrue(exif instanceof com.twelvemonkeys.imageio.metadata.Directory, String.valueOf(exif));
        com.twelvemonkeys.imageio.metadata.Directory e = (com.twelvemonkeys.imageio.metadata.Directory) exif;
        assertEquals(1, ((Number) e.getEntryById(0xA001).getValue()).intValue());
        assertNotNull(e.getEntryById(0x9000));
        byte[] png = get(region + "png");
        assertTrue(indexOf(png, ascii("eXIf")) > 0);
        assertEquals(-1, indexOf(get("FIF=exif.tif&JTL=1,0"), ascii("Exif\0\0")), "a tile carries none");

        // TIFF output: an EXIF IFD in its first IFD, and the same pixels as the PNG output.
        byte[] tif = get(region + "tif");
        com.twelvemonkeys.imageio.metadata.Directory out = new com.twelvemonkeys.imageio.metadata.tiff.TIFFReader()
                .read(new javax.imageio.stream.MemoryCacheImageInputStream(new java.io.ByteArrayInputStream(tif)));
        if (out instanceof com.twelvemonkeys.imageio.metadata.CompoundDirectory c) {
            out = c.getDirectory(0);
        }
        Object tiffExif = out.getEntryById(0x8769).getValue();
        assertTrue(tiffExif instanceof com.twelvemonkeys.imageio.metadata.Directory, String.valueOf(tiffExif));
        assertEquals(1, ((Number) ((com.twelvemonkeys.imageio.metadata.Directory) tiffExif).getEntryById(0xA001)
                .getValue()).intValue());
        java.awt.image.BufferedImage fromTif = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(tif));
        java.awt.image.BufferedImage fromPng = new Http.Reply(200, null, png).image();
        assertNotNull(fromTif, "a TIFF ImageIO reads");
        assertEquals(fromPng.getWidth(), fromTif.getWidth());
        org.junit.jupiter.api.Assertions.assertArrayEquals(
                fromPng.getRaster().getPixels(0, 0, fromPng.getWidth(), fromPng.getHeight(), (int[]) null),
                fromTif.getRaster().getPixels(0, 0, fromTif.getWidth(), fromTif.getHeight(), (int[]) null));
    }

    @Test
    void aPlainJpegsXmpIsReadAndCarried() throws Exception {
        assertEquals(XMP + "\r\n", new String(get("FIF=xmp.jpg&OBJ=xmp"), StandardCharsets.UTF_8));
        assertTrue(indexOf(get("FIF=xmp.jpg&RGN=0.1,0.1,0.5,0.5&WID=200&CVT=png"), XMP_BYTES) > 0);
    }

    /** iipsrv injects the XMP into passed-through tiles, as it does the ICC profile; decoded tiles carry none. */
    @Test
    void passedThroughJpegTilesCarryIt() throws Exception {
        byte[] passed = get("FIF=xmpjpeg.tif&JTL=2,0");
        int sig = indexOf(passed, ascii("http://ns.adobe.com/xap/1.0/\0"));
        assertTrue(sig > 0, "no XMP in a passed-through tile");
        assertEquals(sig + 29, indexOf(passed, XMP_BYTES));
        assertNotNull(new Http.Reply(200, null, passed).image(), "still a JPEG the JDK decodes");
        assertEquals(-1, indexOf(get("FIF=xmpjpeg.tif&INV&JTL=2,0"), XMP_BYTES), "a decoded tile");
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

package io.github.iipservlet.testsupport;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.InflaterInputStream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.spi.IIORegistry;
import javax.imageio.spi.ImageReaderSpi;
import javax.imageio.stream.ImageInputStream;

/**
 * Reads the chunks of PNG and WebP (RIFF) files, to check what an encoder wrote without trusting
 * the decoder, and decodes files with an ImageIO reader chosen by class name.
 */
public final class Chunks {
    /** One chunk: its four-letter type and its data. */
    public record Chunk(String type, byte[] data) {
        public String text() {
            return new String(data, StandardCharsets.ISO_8859_1);
        }
    }

    public static final String JDK_PNG = "com.sun.imageio.plugins.png.PNGImageReader";
    public static final String JDK_TIFF = "com.sun.imageio.plugins.tiff.TIFFImageReader";
    public static final String JDK_JPEG = "com.sun.imageio.plugins.jpeg.JPEGImageReader";
    public static final String WEBP = "com.luciad.imageio.webp.WebPReader";

    private Chunks() {
    }

    /** PNG chunks in order; fails on a bad signature or CRC. */
    public static List<Chunk> png(byte[] png) {
        byte[] sig = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
        if (!Arrays.equals(sig, Arrays.copyOf(png, 8))) {
            throw new IllegalArgumentException("not a PNG");
        }
        List<Chunk> out = new ArrayList<>();
        int i = 8;
        while (i + 12 <= png.length) {
            int len = be32(png, i);
            String type = new String(png, i + 4, 4, StandardCharsets.ISO_8859_1);
            byte[] data = Arrays.copyOfRange(png, i + 8, i + 8 + len);
            CRC32 crc = new CRC32();
            crc.update(png, i + 4, 4 + len);
            if ((int) crc.getValue() != be32(png, i + 8 + len)) {
                throw new IllegalArgumentException("bad CRC in " + type);
            }
            out.add(new Chunk(type, data));
            i += 12 + len;
        }
        return out;
    }

    /** The first chunk of a type, or null. */
    public static Chunk find(List<Chunk> chunks, String type) {
        return chunks.stream().filter(c -> c.type().equals(type)).findFirst().orElse(null);
    }

    /** The text of a PNG tEXt or iTXt chunk with this keyword, or null. */
    public static String pngText(List<Chunk> chunks, String keyword) {
        for (Chunk c : chunks) {
            byte[] d = c.data();
            int nul = indexOf(d, 0, (byte) 0);
            if (nul < 0 || !new String(d, 0, nul, StandardCharsets.ISO_8859_1).equals(keyword)) {
                continue;
            }
            if (c.type().equals("tEXt")) {
                return new String(d, nul + 1, d.length - nul - 1, StandardCharsets.ISO_8859_1);
            }
            if (c.type().equals("iTXt")) {
                // keyword NUL, compression flag, method, language NUL, translated keyword NUL, text
                int lang = indexOf(d, nul + 3, (byte) 0);
                int translated = indexOf(d, lang + 1, (byte) 0);
                return new String(d, translated + 1, d.length - translated - 1, StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    /** The profile in a PNG iCCP chunk, inflated, or null. */
    public static byte[] pngIcc(List<Chunk> chunks) throws IOException {
        Chunk c = find(chunks, "iCCP");
        if (c == null) {
            return null;
        }
        int nul = indexOf(c.data(), 0, (byte) 0);
        byte[] z = Arrays.copyOfRange(c.data(), nul + 2, c.data().length);
        try (InflaterInputStream in = new InflaterInputStream(new ByteArrayInputStream(z))) {
            return in.readAllBytes();
        }
    }

    /** The chunks of a RIFF WEBP file after the 12-byte header. */
    public static List<Chunk> webp(byte[] webp) {
        if (!new String(webp, 0, 4, StandardCharsets.ISO_8859_1).equals("RIFF")
                || !new String(webp, 8, 4, StandardCharsets.ISO_8859_1).equals("WEBP")) {
            throw new IllegalArgumentException("not a WebP file");
        }
        if (le32(webp, 4) != webp.length - 8) {
            throw new IllegalArgumentException("RIFF size " + le32(webp, 4) + " but file holds " + (webp.length - 8));
        }
        List<Chunk> out = new ArrayList<>();
        int i = 12;
        while (i + 8 <= webp.length) {
            int len = le32(webp, i + 4);
            out.add(new Chunk(new String(webp, i, 4, StandardCharsets.ISO_8859_1),
                    Arrays.copyOfRange(webp, i + 8, i + 8 + len)));
            i += 8 + len + (len & 1);
        }
        return out;
    }

    /** Decodes with the ImageIO reader of this class (never whichever the registry lists first). */
    public static BufferedImage decode(byte[] bytes, String readerClass) throws IOException {
        Iterator<ImageReaderSpi> spis = IIORegistry.getDefaultInstance().getServiceProviders(ImageReaderSpi.class,
                true);
        while (spis.hasNext()) {
            ImageReaderSpi spi = spis.next();
            if (!spi.getPluginClassName().equals(readerClass)) {
                continue;
            }
            ImageReader r = spi.createReaderInstance();
            try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
                r.setInput(in);
                return r.read(0);
            } finally {
                r.dispose();
            }
        }
        throw new IOException(readerClass + " is not registered");
    }

    private static int indexOf(byte[] b, int from, byte v) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == v) {
                return i;
            }
        }
        return -1;
    }

    private static int be32(byte[] b, int i) {
        return ((b[i] & 0xff) << 24) | ((b[i + 1] & 0xff) << 16) | ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
    }

    private static int le32(byte[] b, int i) {
        return (b[i] & 0xff) | ((b[i + 1] & 0xff) << 8) | ((b[i + 2] & 0xff) << 16) | ((b[i + 3] & 0xff) << 24);
    }
}

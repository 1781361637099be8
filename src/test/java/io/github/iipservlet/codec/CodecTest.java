package io.github.iipservlet.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** Both implementations are exercised: this class runs once with the natives and once without (pom). */
class CodecTest {
    private final NativeCodecs codecs = io.github.iipservlet.testsupport.TestCodecs.SHARED;

    private static byte[] zlib(byte[] data) {
        Deflater d = new Deflater(6);
        d.setInput(data);
        d.finish();
        byte[] buf = new byte[data.length + 1024];
        int n = d.deflate(buf);
        d.end();
        return Arrays.copyOf(buf, n);
    }

    @Test
    void inflatesExactlyAndRefusesDamage() throws Exception {
        byte[] data = new byte[200_000];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31 / 7 + (i >> 9));
        }
        byte[] packed = zlib(data);
        byte[] out = new byte[data.length];
        codecs.inflate().decompress(packed, out);
        assertArrayEquals(data, out);
        assertThrows(DataFormatException.class, () -> codecs.inflate().decompress(Arrays.copyOf(packed, packed.length / 2),
                new byte[data.length]));
        byte[] garbage = packed.clone();
        garbage[10] ^= 0x55;
        garbage[11] ^= 0x55;
        assertThrows(DataFormatException.class, () -> codecs.inflate().decompress(garbage, new byte[data.length]));
        System.out.println("inflate implementation: " + Inflate.implementation());
    }

    @Test
    void turboJpegRoundTripsWhenInstalled() throws Exception {
        System.out.println("libturbojpeg available: " + TurboJpeg.available());
        if (!TurboJpeg.available()) {
            assertNull(codecs.turboJpeg());
            return;
        }
        TurboJpeg turbo = codecs.turboJpeg();
        int w = 300;
        int h = 200;
        byte[] rgb = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                rgb[(y * w + x) * 3] = (byte) x;
                rgb[(y * w + x) * 3 + 1] = (byte) y;
                rgb[(y * w + x) * 3 + 2] = (byte) 100;
            }
        }
        byte[] jpeg = turbo.encode(rgb, w, h, 3, 95);
        assertNotNull(jpeg);
        BufferedImage viaJdk = ImageIO.read(new ByteArrayInputStream(jpeg));
        assertEquals(w, viaJdk.getWidth());
        int px = viaJdk.getRGB(150, 100);
        assertTrue(Math.abs(((px >> 16) & 0xff) - 150) < 6 && Math.abs(((px >> 8) & 0xff) - 100) < 6);
        TurboJpeg.Decoded d = turbo.decode(jpeg, w, h);
        assertEquals(3, d.channels());
        assertEquals(h, d.height());
        int i = (100 * w + 150) * 3;
        assertTrue(Math.abs((d.pixels()[i] & 0xff) - 150) < 6 && Math.abs((d.pixels()[i + 2] & 0xff) - 100) < 6);
        assertThrows(IllegalArgumentException.class, () -> turbo.decode(Arrays.copyOf(jpeg, 20), w, h));
        // A stream larger than the caller expects is refused before any pixel memory is reserved.
        assertThrows(IllegalArgumentException.class, () -> turbo.decode(jpeg, w - 1, h));
    }

    @Test
    void turboJpegGreyWhenInstalled() {
        assumeTrue(TurboJpeg.available());
        byte[] grey = new byte[64 * 64];
        Arrays.fill(grey, (byte) 77);
        TurboJpeg turbo = codecs.turboJpeg();
        TurboJpeg.Decoded d = turbo.decode(turbo.encode(grey, 64, 64, 1, 90), 64, 64);
        assertEquals(1, d.channels());
        assertTrue(Math.abs((d.pixels()[100] & 0xff) - 77) <= 1);
    }

    /**
     * A handle that failed on a damaged stream is destroyed, not pooled: libjpeg-turbo left it in an
     * error state that failed the next decode of a good stream (a component sampling factor of 0).
     */
    @Test
    void aFailedDecodeLeavesNoBrokenHandleBehind() {
        assumeTrue(TurboJpeg.available());
        TurboJpeg turbo = codecs.turboJpeg();
        byte[] rgb = new byte[64 * 64 * 3];
        Arrays.fill(rgb, (byte) 90);
        byte[] good = turbo.encode(rgb, 64, 64, 3, 90);
        byte[] bad = good.clone();
        int sof = 2;
        while (!((bad[sof] & 0xff) == 0xFF && (bad[sof + 1] & 0xff) == 0xC0)) {
            sof++;
        }
        bad[sof + 11] = 0; // marker, length, precision, height, width, components, first id: its H/V byte
        for (int i = 0; i < 2 * NativeCodecs.MAX_IDLE; i++) {
            assertThrows(IllegalArgumentException.class, () -> turbo.decode(bad, 64, 64));
            assertEquals(3, turbo.decode(good, 64, 64).channels());
        }
    }
}

package io.github.iipservlet.testsupport;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads the markers of a JPEG stream, to check what an encoder wrote without decoding. */
public final class Jpegs {
    /** One marker segment: its code (0xE0 for APP0...) and payload. */
    public record Segment(int marker, byte[] payload) {
    }

    private Jpegs() {
    }

    /** The segments before the scan data (SOS ends the list). */
    public static List<Segment> segments(byte[] jpeg) {
        if ((jpeg[0] & 0xff) != 0xFF || (jpeg[1] & 0xff) != 0xD8) {
            throw new IllegalArgumentException("not a JPEG");
        }
        List<Segment> out = new ArrayList<>();
        int i = 2;
        while (i + 4 <= jpeg.length) {
            int marker = jpeg[i + 1] & 0xff;
            int length = ((jpeg[i + 2] & 0xff) << 8) | (jpeg[i + 3] & 0xff);
            byte[] payload = java.util.Arrays.copyOfRange(jpeg, i + 4, i + 2 + length);
            out.add(new Segment(marker, payload));
            if (marker == 0xDA) {
                break;
            }
            i += 2 + length;
        }
        return out;
    }

    public static Segment find(byte[] jpeg, int marker) {
        return segments(jpeg).stream().filter(s -> s.marker() == marker).findFirst().orElse(null);
    }

    /** JFIF density as {units, x, y}, or null without a JFIF APP0. */
    public static int[] jfifDensity(byte[] jpeg) {
        Segment app0 = find(jpeg, 0xE0);
        if (app0 == null || !new String(app0.payload(), 0, 4, StandardCharsets.US_ASCII).equals("JFIF")) {
            return null;
        }
        byte[] p = app0.payload();
        return new int[] {p[7] & 0xff, ((p[8] & 0xff) << 8) | (p[9] & 0xff), ((p[10] & 0xff) << 8) | (p[11] & 0xff)};
    }

    public static String comment(byte[] jpeg) {
        Segment com = find(jpeg, 0xFE);
        return com == null ? null : new String(com.payload(), StandardCharsets.ISO_8859_1);
    }

    /** Number of components in the frame header. */
    public static int components(byte[] jpeg) {
        for (Segment s : segments(jpeg)) {
            if (s.marker() == 0xC0 || s.marker() == 0xC1 || s.marker() == 0xC2) {
                return s.payload()[5] & 0xff;
            }
        }
        throw new IllegalArgumentException("no frame header");
    }
}

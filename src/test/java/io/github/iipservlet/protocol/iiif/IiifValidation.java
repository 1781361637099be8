package io.github.iipservlet.protocol.iiif;

import io.github.iipservlet.testsupport.Http;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import javax.imageio.ImageIO;

/**
 * What the IIIF image validator (IIIF/image-validator) knows and does, restated for
 * {@link IiifValidatorTest}: the colours of its test image, its way of judging a square, its
 * random strings, and its HTTP requests (the same browser-like headers, and URLs sent as written,
 * unescaped characters included, as Python's urllib does).
 */
final class IiifValidation {
    /** The validator's identifier for its test image. */
    static final String ID = "67352ccc-d1b0-11e1-89ae-279075081939";

    /** Headers the validator sends with every request ("make it look like a real browser request"). */
    static final String ORIGIN = "http://iiif.io/";
    static final String[] BROWSER_HEADERS = {"Origin", ORIGIN, "Referer", "http://iiif.io/api/image/validator",
        "User-Agent", "Mozilla/5.0 (Macintosh; U; Intel Mac OS X 10.5; en-US; rv:1.9.1b3pre) Gecko/20081130 "
            + "Minefield/3.1b3pre"};

    /**
     * The validator's {@code colorInfo[x][y]}: RGB of the square in column x, row y of the test
     * image (squares are 100x100, flat).
     */
    private static final int[][][] COLOURS = {
        {{61, 170, 126}, {61, 107, 178}, {82, 85, 234}, {164, 122, 110}, {129, 226, 88}, {91, 37, 121},
            {138, 128, 42}, {6, 85, 234}, {121, 109, 204}, {65, 246, 84}},
        {{195, 133, 120}, {171, 43, 102}, {118, 45, 130}, {242, 105, 171}, {5, 85, 105}, {113, 58, 41},
            {223, 69, 3}, {45, 79, 140}, {35, 117, 248}, {121, 156, 184}},
        {{168, 92, 163}, {28, 91, 143}, {86, 41, 173}, {111, 230, 29}, {174, 189, 7}, {18, 139, 88},
            {93, 168, 128}, {35, 2, 14}, {204, 105, 137}, {18, 86, 128}},
        {{107, 55, 178}, {251, 40, 184}, {47, 36, 139}, {2, 127, 170}, {224, 12, 114}, {133, 67, 108},
            {239, 174, 209}, {85, 29, 156}, {8, 55, 188}, {240, 125, 7}},
        {{112, 167, 30}, {166, 63, 161}, {232, 227, 23}, {74, 80, 135}, {79, 97, 47}, {145, 160, 80},
            {45, 160, 79}, {12, 54, 215}, {203, 83, 70}, {78, 28, 46}},
        {{102, 193, 63}, {225, 55, 91}, {107, 194, 147}, {167, 24, 95}, {249, 214, 96}, {167, 34, 136},
            {53, 254, 209}, {172, 222, 21}, {153, 77, 51}, {137, 39, 183}},
        {{159, 182, 192}, {128, 252, 173}, {148, 162, 90}, {192, 165, 115}, {154, 102, 2}, {107, 237, 62},
            {111, 236, 219}, {129, 113, 172}, {239, 204, 166}, {60, 96, 37}},
        {{72, 172, 227}, {119, 51, 100}, {209, 85, 165}, {87, 172, 159}, {188, 42, 162}, {99, 3, 54},
            {7, 42, 37}, {105, 155, 100}, {38, 220, 240}, {98, 46, 2}},
        {{18, 223, 145}, {189, 121, 17}, {88, 3, 210}, {181, 16, 43}, {189, 39, 244}, {123, 147, 116},
            {246, 148, 214}, {223, 177, 199}, {77, 18, 136}, {235, 36, 21}},
        {{146, 137, 176}, {84, 248, 55}, {61, 144, 79}, {110, 251, 49}, {43, 105, 132}, {165, 131, 55},
            {60, 23, 225}, {147, 197, 226}, {80, 67, 104}, {161, 119, 182}}};

    private IiifValidation() {
    }

    static int[] colour(int x, int y) {
        return COLOURS[x][y].clone();
    }

    static BufferedImage reference() throws IOException {
        try (InputStream in = IiifValidation.class.getResourceAsStream("/iiif/" + ID + ".png")) {
            if (in == null) {
                throw new IOException("test resource /iiif/" + ID + ".png is missing");
            }
            BufferedImage img = ImageIO.read(in);
            BufferedImage rgb = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
            rgb.getGraphics().drawImage(img, 0, 0, null);
            return rgb;
        }
    }

    // ---- judging squares ------------------------------------------------------------------------

    /**
     * The most frequent colour of the box [x0,x1) x [y0,y1) (PIL's {@code crop} box), as the
     * validator's {@code do_test_square} takes it ({@code getcolors}, sorted, first). Pixels
     * outside the image count as black, as PIL's crop pads them.
     */
    static int[] dominant(BufferedImage img, int x0, int y0, int x1, int y1) {
        Map<Integer, Integer> counts = new HashMap<>();
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                int rgb = x >= 0 && y >= 0 && x < img.getWidth() && y < img.getHeight() ? img.getRGB(x, y) & 0xffffff : 0;
                counts.merge(rgb, 1, Integer::sum);
            }
        }
        int best = 0;
        int bestCount = -1;
        for (Map.Entry<Integer, Integer> e : counts.entrySet()) {
            if (e.getValue() > bestCount || (e.getValue() == bestCount && e.getKey() > best)) {
                best = e.getKey();
                bestCount = e.getValue();
            }
        }
        return new int[] {(best >> 16) & 0xff, (best >> 8) & 0xff, best & 0xff};
    }

    /** The validator's tolerance: every channel within 5 of the truth ({@code abs(...) < 6}). */
    static boolean close(int[] got, int[] want) {
        for (int c = 0; c < 3; c++) {
            if (Math.abs(got[c] - want[c]) >= 6) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code do_test_square}: the dominant colour of the box is the colour of grid square (gx, gy).
     * Returns null when it matches, else a line describing the mismatch.
     */
    static String squareMismatch(BufferedImage img, int x0, int y0, int x1, int y1, int gx, int gy) {
        int[] got = dominant(img, x0, y0, x1, y1);
        int[] want = COLOURS[gx][gy];
        if (close(got, want)) {
            return null;
        }
        return String.format(Locale.ROOT, "box (%d,%d,%d,%d) should be square %d,%d rgb(%d,%d,%d), dominant is rgb(%d,%d,%d)",
                x0, y0, x1, y1, gx, gy, want[0], want[1], want[2], got[0], got[1], got[2]);
    }

    /**
     * The size tests' sampling ({@code size_wc}, {@code size_ch}, {@code size_wh},
     * {@code size_bwh}, {@code size_percent}, {@code size_up}): square side truncated to an
     * integer, box from 13 px inside the square's start to the next start. Mismatches of all 100
     * squares.
     */
    static List<String> gridMismatches(BufferedImage img, int sqsw, int sqsh) {
        return gridMismatches(img, sqsw, sqsh, sqsw - 13, sqsh - 13);
    }

    /** All 100 squares, boxes of boxW x boxH from 13 px inside each square ({@code id_squares}: 100, 100, 74, 74). */
    static List<String> gridMismatches(BufferedImage img, int sqsw, int sqsh, int boxW, int boxH) {
        List<String> bad = new ArrayList<>();
        for (int gy = 0; gy < 10; gy++) {
            for (int gx = 0; gx < 10; gx++) {
                int xi = gx * sqsw + 13;
                int yi = gy * sqsh + 13;
                String m = squareMismatch(img, xi, yi, xi + boxW, yi + boxH, gx, gy);
                if (m != null) {
                    bad.add(m);
                }
            }
        }
        return bad;
    }

    // ---- whole-image comparisons of the validator's pyvips rewrite ------------------------------

    /** Mean absolute difference over all pixels and the three channels ({@code (a - b).abs().avg()}). */
    static double meanAbsDiff(BufferedImage a, BufferedImage b) {
        if (a.getWidth() != b.getWidth() || a.getHeight() != b.getHeight()) {
            return Double.POSITIVE_INFINITY;
        }
        double sum = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                int p = a.getRGB(x, y);
                int q = b.getRGB(x, y);
                for (int s = 0; s <= 16; s += 8) {
                    sum += Math.abs(((p >> s) & 0xff) - ((q >> s) & 0xff));
                }
            }
        }
        return sum / (3.0 * a.getWidth() * a.getHeight());
    }

    /**
     * {@code compare_rectangle}: the largest channel difference between the 74x74 centre of a
     * returned 100x100 square and the same part of grid square (gx, gy) of the reference.
     */
    static int centreMaxDiff(BufferedImage reference, BufferedImage rect, int gx, int gy) {
        int max = 0;
        for (int y = 13; y < 87; y++) {
            for (int x = 13; x < 87; x++) {
                int p = reference.getRGB(gx * 100 + x, gy * 100 + y);
                int q = rect.getRGB(x, y);
                for (int s = 0; s <= 16; s += 8) {
                    max = Math.max(max, Math.abs(((p >> s) & 0xff) - ((q >> s) & 0xff)));
                }
            }
        }
        return max;
    }

    /** The reference turned clockwise by a multiple of 90 degrees, after a horizontal flip if mirrored. */
    static BufferedImage transformed(BufferedImage src, boolean mirror, int degrees) {
        int w = src.getWidth();
        int h = src.getHeight();
        boolean swap = degrees == 90 || degrees == 270;
        BufferedImage out = new BufferedImage(swap ? h : w, swap ? w : h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < out.getHeight(); y++) {
            for (int x = 0; x < out.getWidth(); x++) {
                int sx;
                int sy;
                switch (degrees) {
                    case 90 -> {
                        sx = y;
                        sy = h - 1 - x;
                    }
                    case 180 -> {
                        sx = w - 1 - x;
                        sy = h - 1 - y;
                    }
                    case 270 -> {
                        sx = w - 1 - y;
                        sy = x;
                    }
                    default -> {
                        sx = x;
                        sy = y;
                    }
                }
                if (mirror) {
                    sx = w - 1 - sx;
                }
                out.setRGB(x, y, src.getRGB(sx, sy));
            }
        }
        return out;
    }

    // ---- random strings -------------------------------------------------------------------------

    /**
     * {@code make_randomstring}: characters 48 to 122 ('0' to 'z', so also {@code :;<=>?@[\]^_`}),
     * with '?', '#' and '/' replaced by '$'.
     */
    static String randomString(Random random, int length) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < length; i++) {
            char c = (char) (48 + random.nextInt(75));
            b.append(c == '?' || c == '#' || c == '/' ? '$' : c);
        }
        return b.toString();
    }

    // ---- HTTP as the validator does it ----------------------------------------------------------

    /**
     * GET with the validator's headers. URLs that java.net.URI refuses (raw '[', '\', '^', '`',
     * '<', '>' in a path, which urllib sends unchanged) go over a plain socket, byte for byte.
     */
    static Http.Reply get(String url, String... extraHeaders) throws IOException, InterruptedException {
        return send("GET", url, extraHeaders);
    }

    static Http.Reply send(String method, String url, String... extraHeaders) throws IOException, InterruptedException {
        String[] headers = concat(BROWSER_HEADERS, extraHeaders);
        try {
            URI.create(url);
        } catch (IllegalArgumentException notAUri) {
            return raw(method, url, headers);
        }
        return Http.send(method, url, null, headers);
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** HTTP/1.1 over a socket, the request target exactly as given (ASCII); reads to the end. */
    static Http.Reply raw(String method, String url, String... headerPairs) throws IOException {
        if (!url.startsWith("http://")) {
            throw new IllegalArgumentException(url);
        }
        int slash = url.indexOf('/', 7);
        String authority = url.substring(7, slash);
        String target = url.substring(slash);
        int colon = authority.lastIndexOf(':');
        String host = authority.substring(0, colon);
        int port = Integer.parseInt(authority.substring(colon + 1));
        StringBuilder req = new StringBuilder();
        req.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
        req.append("Host: ").append(authority).append("\r\n");
        for (int i = 0; i + 1 < headerPairs.length; i += 2) {
            req.append(headerPairs[i]).append(": ").append(headerPairs[i + 1]).append("\r\n");
        }
        req.append("Connection: close\r\n\r\n");
        byte[] all;
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 10_000);
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            all = socket.getInputStream().readAllBytes();
        }
        String text = new String(all, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            throw new IOException("no HTTP header in reply to " + url + ": " + text);
        }
        String[] lines = text.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 1; i < lines.length; i++) {
            int c = lines[i].indexOf(':');
            headers.computeIfAbsent(lines[i].substring(0, c).trim(), k -> new ArrayList<>())
                    .add(lines[i].substring(c + 1).trim());
        }
        byte[] body = java.util.Arrays.copyOfRange(all, end + 4, all.length);
        List<String> te = headers.get("Transfer-Encoding");
        if (te != null && te.get(0).equalsIgnoreCase("chunked")) {
            body = dechunk(body);
        }
        return new Http.Reply(status, HttpHeaders.of(headers, (a, b) -> true), body);
    }

    private static byte[] dechunk(byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int p = 0;
        while (p < in.length) {
            int eol = p;
            while (eol + 1 < in.length && !(in[eol] == '\r' && in[eol + 1] == '\n')) {
                eol++;
            }
            String sizeLine = new String(in, p, eol - p, StandardCharsets.ISO_8859_1);
            int semi = sizeLine.indexOf(';');
            int size = Integer.parseInt((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
            if (size == 0) {
                break;
            }
            out.write(in, eol + 2, size);
            p = eol + 2 + size + 2;
        }
        return out.toByteArray();
    }
}

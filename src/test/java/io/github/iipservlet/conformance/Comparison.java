package io.github.iipservlet.conformance;

import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap.SimpleEntry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import javax.imageio.ImageIO;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Attr;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;

/**
 * The comparison rules of shared/conformance/diffconf.py, ported rule for rule. Each check returns
 * a {@link Verdict}: pass/fail and the reason diffconf.py would print.
 */
final class Comparison {

    private Comparison() {}

    /** One HTTP answer; status -1 when the request itself failed (body then holds the error text). */
    record Response(int status, String contentType, byte[] body) {
        /** Content type before ';', trimmed and lower-cased, "" when absent (diffconf.py's ctype()). */
        String ctype() {
            if (contentType == null) {
                return "";
            }
            int semi = contentType.indexOf(';');
            return (semi >= 0 ? contentType.substring(0, semi) : contentType).strip().toLowerCase(Locale.ROOT);
        }

        String describe() {
            return status + " " + (contentType == null ? "(no content type)" : contentType) + " " + body.length + " bytes"
                    + (status == -1 ? " (" + new String(body, StandardCharsets.UTF_8) + ")" : "");
        }
    }

    record Verdict(boolean ok, String why) {}

    static final double PSNR_MIN = 30.0;
    static final double PSNR_MIN_LIKE = 25.0;

    /** diffconf.py compare(): the reference's answer against ours, for a plain or status-only line. */
    static Verdict compare(boolean statusOnly, Response ref, Response ours) {
        int rs = ref.status(), os = ours.status();
        if (statusOnly) {
            return new Verdict(Math.floorDiv(rs, 100) == Math.floorDiv(os, 100), "status " + rs + " vs " + os);
        }
        if (rs != os) {
            return new Verdict(false, "status " + rs + " vs " + os);
        }
        if (rs == 301 || rs == 302 || rs == 303) {
            return new Verdict(true, "redirect");
        }
        String rc = ref.ctype(), oc = ours.ctype();
        if (rs != 200) { // a 5xx is a crash on either side, never behaviour to match
            return new Verdict(os < 500, "error " + rs);
        }
        if (!rc.equals(oc)) {
            return new Verdict(false, "content-type " + rc + " vs " + oc);
        }
        if (rc.startsWith("image/")) {
            BufferedImage ri, oi;
            try {
                ri = decodeImage(ref.body());
                oi = decodeImage(ours.body());
            } catch (IOException | RuntimeException e) {
                return new Verdict(false, "decode: " + e);
            }
            if (ri.getWidth() != oi.getWidth() || ri.getHeight() != oi.getHeight()) {
                return new Verdict(false, "size " + size(ri) + " vs " + size(oi));
            }
            double p = psnr(ri, oi);
            return new Verdict(p >= PSNR_MIN, String.format(Locale.ROOT, "psnr %.1f dB", p));
        }
        if (rc.contains("json")) {
            try {
                boolean ok = normJson(Json.parse(ref.body())).equals(normJson(Json.parse(ours.body())));
                return new Verdict(ok, "json");
            } catch (RuntimeException e) {
                return new Verdict(false, "json: " + e.getMessage());
            }
        }
        if (rc.contains("xml")) {
            try {
                boolean ok = xmlAttrs(ref.body()).equals(xmlAttrs(ours.body()));
                return new Verdict(ok, "xml");
            } catch (Exception e) {
                return new Verdict(false, "xml: " + e.getMessage());
            }
        }
        List<String> rl = textLines(ref.body()), ol = textLines(ours.body());
        boolean ok = rl.equals(ol);
        return new Verdict(ok, ok ? "text" : "text " + first3(rl) + " vs " + first3(ol));
    }

    /** diffconf.py check_image(): ours alone must be a 200 of that type that decodes to that size. */
    static Verdict checkImage(Response ours, String mime, String size) {
        Decoded d = decode(ours);
        if (d.image == null) {
            return new Verdict(false, d.why);
        }
        if (!d.why.equals(mime)) {
            return new Verdict(false, "content-type " + d.why);
        }
        String got = size(d.image);
        if (!"*".equals(size) && !got.equals(size)) {
            return new Verdict(false, "size " + got);
        }
        return new Verdict(true, mime + " " + got);
    }

    /** diffconf.py check_like(): two answers of ours decode to the same size within 25 dB. */
    static Verdict checkLike(Response a, Response b) {
        Decoded da = decode(a), db = decode(b);
        if (da.image == null || db.image == null) {
            return new Verdict(false, da.why + " / " + db.why);
        }
        if (da.image.getWidth() != db.image.getWidth() || da.image.getHeight() != db.image.getHeight()) {
            return new Verdict(false, "size " + size(da.image) + " vs " + size(db.image));
        }
        double p = psnr(da.image, db.image);
        // different codecs of one view: lossy JPEG costs ~27 dB here
        return new Verdict(p >= PSNR_MIN_LIKE, String.format(Locale.ROOT, "psnr %.1f dB", p));
    }

    /** diffconf.py expect: ours alone must answer that status. */
    static Verdict checkExpect(Response ours, int expected) {
        return new Verdict(ours.status() == expected, "status " + ours.status() + ", spec says " + expected);
    }

    // ---- images -------------------------------------------------------------------------------

    private record Decoded(BufferedImage image, String why) {}

    /** diffconf.py decode(): image and content type, or null and why not. */
    private static Decoded decode(Response r) {
        if (r.status() != 200) {
            return new Decoded(null, "status " + r.status());
        }
        try {
            return new Decoded(decodeImage(r.body()), r.ctype());
        } catch (IOException | RuntimeException e) {
            return new Decoded(null, "decode: " + e);
        }
    }

    static BufferedImage decodeImage(byte[] bytes) throws IOException {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(bytes));
        if (image == null) {
            throw new IOException("no ImageIO reader recognises these " + bytes.length + " bytes");
        }
        return image;
    }

    private static String size(BufferedImage i) {
        return i.getWidth() + "x" + i.getHeight();
    }

    /**
     * PSNR of the two images converted to 8-bit RGB, as PIL's {@code convert("RGB")} does it: grey
     * is replicated into R, G and B, alpha is dropped (not composited), and the samples are taken
     * as stored (no colour management, which {@code BufferedImage.getRGB} would apply to grey).
     * 99 when identical. Sizes must be equal.
     */
    static double psnr(BufferedImage a, BufferedImage b) {
        int w = a.getWidth(), h = a.getHeight();
        int[] pa = new int[w * 3], pb = new int[w * 3];
        double sum = 0;
        for (int y = 0; y < h; y++) {
            rgbRow(a, y, pa);
            rgbRow(b, y, pb);
            for (int i = 0; i < pa.length; i++) {
                int d = pa[i] - pb[i];
                sum += (double) d * d;
            }
        }
        double mse = sum / ((double) w * h * 3);
        return mse == 0 ? 99.0 : 10 * Math.log10(255.0 * 255.0 / mse);
    }

    /** One row as interleaved 8-bit R,G,B. */
    private static void rgbRow(BufferedImage img, int y, int[] out) {
        int w = img.getWidth();
        Raster r = img.getRaster();
        int bands = r.getNumBands();
        if (img.getColorModel() instanceof ComponentColorModel && (bands <= 2 || bands == 3 || bands == 4)
                && img.getColorModel().getColorSpace().getNumComponents() == (bands <= 2 ? 1 : 3)) {
            int bits = img.getColorModel().getComponentSize(0);
            int[] s = new int[bands];
            for (int x = 0; x < w; x++) {
                r.getPixel(x, y, s);
                if (bands <= 2) { // grey, grey+alpha; PIL clips 16-bit grey ("I") to 0..255
                    int g = bits > 8 ? Math.min(s[0], 255) : s[0];
                    out[3 * x] = out[3 * x + 1] = out[3 * x + 2] = g;
                } else { // PIL reads 16-bit RGB as 8-bit (high byte)
                    for (int c = 0; c < 3; c++) {
                        out[3 * x + c] = bits > 8 ? s[c] >> (bits - 8) : s[c];
                    }
                }
            }
        } else { // packed RGB, palettes, anything else: the colour model's own sRGB conversion
            for (int x = 0; x < w; x++) {
                int argb = img.getRGB(x, y);
                out[3 * x] = (argb >> 16) & 0xff;
                out[3 * x + 1] = (argb >> 8) & 0xff;
                out[3 * x + 2] = argb & 0xff;
            }
        }
    }

    // ---- JSON ---------------------------------------------------------------------------------

    /** Removes every "@id" and "id" key, recursively (diffconf.py norm_json()). */
    static Object normJson(Object j) {
        if (j instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> {
                if (!"@id".equals(k) && !"id".equals(k)) {
                    out.put((String) k, normJson(v));
                }
            });
            return out;
        }
        if (j instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            l.forEach(v -> out.add(normJson(v)));
            return out;
        }
        return j;
    }

    /**
     * A strict little JSON parser (RFC 8259): objects become maps (equality ignores key order, as
     * Python's dicts), arrays lists, numbers BigDecimals without trailing zeros (so 1 equals 1.0,
     * as in Python), true/false Booleans, null a sentinel. Duplicate keys: the last wins, as in Python.
     */
    static final class Json {
        static final Object NULL = new Object() {
            @Override
            public String toString() {
                return "null";
            }
        };
        private final String s;
        private int i;

        private Json(String s) {
            this.s = s;
        }

        static Object parse(byte[] utf8) {
            return parse(new String(utf8, StandardCharsets.UTF_8));
        }

        static Object parse(String text) {
            Json p = new Json(text.startsWith("\uFEFF") ? text.substring(1) : text);
            Object v = p.value();
            p.ws();
            if (p.i != p.s.length()) {
                throw p.error("extra data");
            }
            return v;
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException(what + " at char " + i);
        }

        private void ws() {
            while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
        }

        private Object value() {
            ws();
            if (i >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(i);
            switch (c) {
                case '{': return object();
                case '[': return array();
                case '"': return string();
                case 't': return literal("true", Boolean.TRUE);
                case 'f': return literal("false", Boolean.FALSE);
                case 'n': return literal("null", NULL);
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        return number();
                    }
                    throw error("unexpected '" + c + "'");
            }
        }

        private Object literal(String word, Object v) {
            if (!s.startsWith(word, i)) {
                throw error("bad literal");
            }
            i += word.length();
            return v;
        }

        private Map<String, Object> object() {
            Map<String, Object> m = new LinkedHashMap<>();
            i++;
            ws();
            if (i < s.length() && s.charAt(i) == '}') {
                i++;
                return m;
            }
            while (true) {
                ws();
                if (i >= s.length() || s.charAt(i) != '"') {
                    throw error("expected key");
                }
                String k = string();
                ws();
                expect(':');
                m.put(k, value());
                ws();
                if (i < s.length() && s.charAt(i) == ',') {
                    i++;
                } else {
                    expect('}');
                    return m;
                }
            }
        }

        private List<Object> array() {
            List<Object> l = new ArrayList<>();
            i++;
            ws();
            if (i < s.length() && s.charAt(i) == ']') {
                i++;
                return l;
            }
            while (true) {
                l.add(value());
                ws();
                if (i < s.length() && s.charAt(i) == ',') {
                    i++;
                } else {
                    expect(']');
                    return l;
                }
            }
        }

        private void expect(char c) {
            if (i >= s.length() || s.charAt(i) != c) {
                throw error("expected '" + c + "'");
            }
            i++;
        }

        private String string() {
            StringBuilder b = new StringBuilder();
            i++;
            while (true) {
                if (i >= s.length()) {
                    throw error("unterminated string");
                }
                char c = s.charAt(i++);
                if (c == '"') {
                    return b.toString();
                }
                if (c < 0x20) {
                    throw error("control character in string");
                }
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                if (i >= s.length()) {
                    throw error("unterminated escape");
                }
                char e = s.charAt(i++);
                switch (e) {
                    case '"', '\\', '/' -> b.append(e);
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'u' -> {
                        if (i + 4 > s.length()) {
                            throw error("short \\u escape");
                        }
                        b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        i += 4;
                    }
                    default -> throw error("bad escape");
                }
            }
        }

        private BigDecimal number() {
            int start = i;
            if (s.charAt(i) == '-') {
                i++;
            }
            while (i < s.length() && "0123456789.eE+-".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
            try {
                BigDecimal d = new BigDecimal(s.substring(start, i));
                return d.signum() == 0 ? BigDecimal.ZERO : d.stripTrailingZeros();
            } catch (NumberFormatException e) {
                throw error("bad number");
            }
        }
    }

    // ---- XML ----------------------------------------------------------------------------------

    /**
     * diffconf.py xml_attrs(): for every element in document order, its local name and its
     * attributes sorted by name ("{ns}name" when namespaced; namespace declarations are not
     * attributes, as in ElementTree).
     */
    static List<Map.Entry<String, List<Map.Entry<String, String>>>> xmlAttrs(byte[] xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setExpandEntityReferences(false);
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        f.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
        DocumentBuilder db = f.newDocumentBuilder();
        db.setErrorHandler(null);
        Element root = db.parse(new ByteArrayInputStream(xml)).getDocumentElement();
        List<Map.Entry<String, List<Map.Entry<String, String>>>> out = new ArrayList<>();
        walk(root, out);
        return out;
    }

    private static void walk(Element e, List<Map.Entry<String, List<Map.Entry<String, String>>>> out) {
        String name = e.getLocalName() != null ? e.getLocalName() : e.getTagName();
        List<Map.Entry<String, String>> attrs = new ArrayList<>();
        NamedNodeMap nm = e.getAttributes();
        for (int k = 0; k < nm.getLength(); k++) {
            Attr a = (Attr) nm.item(k);
            if (XMLConstants.XMLNS_ATTRIBUTE_NS_URI.equals(a.getNamespaceURI())) {
                continue;
            }
            String an = a.getNamespaceURI() != null ? "{" + a.getNamespaceURI() + "}" + a.getLocalName()
                    : Objects.requireNonNullElse(a.getLocalName(), a.getName());
            attrs.add(new SimpleEntry<>(an, a.getValue()));
        }
        attrs.sort(Map.Entry.<String, String>comparingByKey().thenComparing(Map.Entry.comparingByValue()));
        out.add(new SimpleEntry<>(name, attrs));
        for (Node c = e.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c instanceof Element ce) {
                walk(ce, out);
            }
        }
    }

    // ---- text ---------------------------------------------------------------------------------

    /** The non-empty stripped lines of the body read as latin-1, split and stripped as Python does. */
    static List<String> textLines(byte[] body) {
        String t = new String(body, StandardCharsets.ISO_8859_1);
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int k = 0; k <= t.length(); k++) {
            if (k == t.length() || isPyLineBreak(t.charAt(k))) {
                String l = pyStrip(t.substring(start, k));
                if (!l.isEmpty()) {
                    lines.add(l);
                }
                start = k + 1; // "\r\n" gives an empty line in between, which is dropped anyway
            }
        }
        return lines;
    }

    private static boolean isPyLineBreak(char c) {
        return c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || (c >= 0x1c && c <= 0x1e) || c == 0x85;
    }

    private static boolean isPySpace(char c) {
        return c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f) || c == 0x85 || c == 0xa0;
    }

    private static String pyStrip(String s) {
        int a = 0, b = s.length();
        while (a < b && isPySpace(s.charAt(a))) {
            a++;
        }
        while (b > a && isPySpace(s.charAt(b - 1))) {
            b--;
        }
        return s.substring(a, b);
    }

    private static String first3(List<String> l) {
        return l.subList(0, Math.min(3, l.size())).toString();
    }
}

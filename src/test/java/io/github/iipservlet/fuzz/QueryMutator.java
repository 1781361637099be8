package io.github.iipservlet.fuzz;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the project's conformance cases into hostile requests for all four protocols. Request
 * {@code i} of seed {@code s} is always the same (its own generator, seeded from both), so a run
 * is repeatable whatever the number of client threads, and any failing request can be replayed
 * alone.
 *
 * <p>Each request starts from a seed query (a case of cases.txt, or one of a few shapes the cases
 * lack: info.json, ImageProperties.xml, the other IIP commands), gets one to three mutations
 * (numbers made huge, negative, NaN, infinite, hexadecimal, exponent or exotic Unicode digits;
 * parameters duplicated, repeated 20 times, dropped, reordered, emptied, made 64 KB long; unknown
 * commands; other identifiers, traversals; IIIF segments swapped, emptied, added, removed or given
 * hostile values; DeepZoom levels, columns and rows that overflow col*tileSize; Zoomify groups and
 * names), then is sent in query form or path form, by GET, POST (the request string as the body,
 * as iipsrv accepts) or HEAD, and may get byte-level damage (NUL, encoded dots and slashes, double
 * and truncated escapes, overlong and invalid UTF-8, raw bytes above 0x7F).
 */
final class QueryMutator {
    /** One generated request and what the checks need to know about it. */
    record Generated(long index, RawHttp.Request request, String protocol, String imageNamed, String ops) {
    }

    static final String IIP_PATH = "/fcgi-bin/iipsrv.fcgi";

    static final String[] EVIL_NUMBERS = {"2147483648", "2147483647", "-2147483648", "-2147483649", "4294967296",
        "4294967295", "9223372036854775807", "9223372036854775808", "-9223372036854775809", "18446744073709551616",
        "99999999999999999999999999999", "1e308", "-1e308", "1e309", "1e-308", "4.9e-324", "NaN", "nan", "-nan",
        "inf", "-inf", "Infinity", "-Infinity", "-0", "-0.0", "0", "-1", "-2", "0x10", "0X7fffffff", "1e3", "1E3",
        "0e0", "00000000000000000001", "+1", "1.", "-.5", ".5", "1.5", "0.0000001", "3.4028235e38", "65535",
        "65536", "65537", "8388608", "16777216", "16777217", "33554432", "1073741824", "1_000", "1e", "e5", "--1",
        "0b11", "1/2", "1%25", "0,5", "", " 1", "1 ", "%201", "1%00", "%2D1"};
    /** Digits other than ASCII: Arabic-Indic, fullwidth, NKo, mathematical bold, superscript, fraction, Roman. */
    static final String[] EXOTIC_DIGITS = {"\u0661\u0662", "\uff11\uff12\uff18", "\u07c1", "\ud835\udfcf", "\u00b2",
        "\u00bd", "\u216b", "\u0663\u066b5", "\u0967\u0966", "\uff11e\uff15", "\u09e8"};
    static final String[] EVIL_REGIONS = {"full", "square", "0,0,0,0", "0,0,1,1", "-1,0,10,10", "0,0,-10,10",
        "0,0,2147483648,1", "2147483647,2147483647,1,1", "0,0,4294967296,4294967296", "pct:0,0,100,100",
        "pct:-1,0,50,50", "pct:0,0,1e308,1", "pct:NaN,0,1,1", "pct:0,0,0,0", "pct:100,100,1,1",
        "pct:99.9999999,0,0.0000001,1", "1,1,1", "1,1,1,1,1", "a,b,c,d", "pct:", "pct:,,,", ",,,",
        "0,0,999999,999999", "2047,1535,1,1", "2048,1536,1,1", "0.5,0.5,10,10", "1e3,0,10,10", "0x10,0,10,10",
        "%200,0,10,10", "0,0,8388608,8388608", "pct:50,50,50,50,", "squarE", "FULL", "0,0,5000,5000",
        "pct:0,0,2147483648,2147483648", "0,0,1,2147483647"};
    static final String[] EVIL_SIZES = {"max", "^max", "full", "^full", "0,", ",0", "0,0", "1,", "1,1", "!1,1",
        "!0,0", "!2147483647,2147483647", "2147483647,", "^2147483647,", "^65536,", "5001,", "5000,", "4999,",
        "-1,", ",-1", "pct:0", "pct:100", "pct:1e308", "pct:-5", "pct:NaN", "pct:0.0001", "^pct:1000", "^pct:500",
        "!,", "!", "^", "^^max", ",", "w,h", "256,256,256", "1e3,", "0x100,", "256.5,", "!256,", "!,256",
        "^!65535,65535", "pct:50,50", "^5000,5000", "^4294967296,", "^,2147483648", "^!5000,5000", "%5Emax",
        "%5E1000,", "max,", "pct:", "^pct:2147483648"};
    static final String[] EVIL_ROTATIONS = {"0", "90", "180", "270", "360", "-90", "45", "0.5", "!0", "!90", "!!0",
        "!-0", "1e308", "NaN", "-0", "361", "720", "90.0000001", "", "!", "+90", "0x5A", "%2190", "Infinity"};
    static final String[] EVIL_QUALITIES = {"default", "color", "gray", "grey", "bitonal", "native", "negative",
        "stretch", "equalization", "log", "", "DEFAULT", "default.default", "..", "%2e%2e", "x"};
    static final String[] EVIL_FORMATS = {"jpg", "png", "webp", "tif", "tiff", "gif", "jp2", "pdf", "avif", "heic",
        "", "JPG", "jpg.jpg", "jpeg", "jpg%00", "json", "xml", "dzi"};
    static final String[] EVIL_IDENTIFIERS = {"missing.tif", "../big.tif", "./big.tif", "/big.tif", "big.tif/",
        "big.tif%00.jpg", "big.tif%00", "big.tif\\", "..%2fbig.tif", "%2e%2e/%2e%2e/etc/passwd", "../../etc/passwd",
        "....//big.tif", "big.tif;1", "big.tif;-1", "big.tif;99999999999", "BIG.TIF", "big.tif%20", "big%2Etif",
        "big.ti", "", "/etc/passwd", "file:///etc/passwd", "http://example.com/big.tif", ".hidden.tif",
        "big.tif/../big.tif", "%252e%252e%252fbig.tif", "big.tif%3F", "%C0%AE%C0%AE/big.tif", "big.tif%0a",
        "big.tif%0d%0aX-Injected:%201", "%2Fbig.tif", "big.tif%2F..%2F..%2Fetc%2Fpasswd", "%u002e%u002e/big.tif",
        "big.tif::$DATA", "C:\\big.tif", "~/big.tif", "*", "big*.tif", "big?.tif", "obj", "obj_pyr_000_090.tif",
        "WEB-INF/web.xml", "../WEB-INF/web.xml", "big.tif%ff"};
    /** Byte-level damage inserted into the request target. */
    static final String[] PERCENT_ABUSE = {"%00", "%2e%2e", "%2e%2e%2f", "%2F", "%2f", "%252F", "%25", "%", "%G1",
        "%4", "%%", "%C0%AF", "%C0%AE", "%E0%80%AF", "%F0%80%80%AF", "%FF", "%FE%FF", "%C3%28", "%ED%A0%80",
        "%EF%BF%BF", "%F4%90%80%80", "%26", "%3D", "%3F", "%23", "\u0080", "\u00c0\u00af", "\u00c3\u00a9", "\u00ff",
        "%5C", "%0A", "%0D%0A", "%09", "%20", "+", "%2B", "%u0041", "&", "&&", "=", "==", ";", "#", "?", "%7F",
        "\u007f", "%E2%80%AE", "%EF%BB%BF", "%00%00%00%00", "%2525252F", "%%32%66", "%c0%80"};
    static final String[] UNKNOWN_COMMANDS = {"XYZ=1", "FOO", "JTLX=1,1", "OBJ=nonexistent", "OBJ=", "CVT=",
        "CVT=gif", "CVT=jpeg2000", "SDS=5,5", "SDS=-1", "LYR=-1", "LYR=2147483648", "QLT=101", "QLT=-1",
        "QLT=lzw:99", "ICC=1", "SPECTRA=0,0,0,0", "PFL=0:0,0-1,1", "TIL=0,0", "PTL=0,0", "WTL=0,0", "TTL=0,0",
        "JTLS=0,0,0", "MINMAX=0:0,0", "MINMAX=-:1e308,-1e308", "CTW=[]", "CTW=[;;;]", "CNV=[]", "CNV=[1,2]", "SHD=0,0",
        "SHD=NaN,NaN", "DeepZoom=", "IIIF=", "Zoomify=", "FIF=", "INV", "INV=1", "CMP=", "CMP=nope", "COL=",
        "COL=nope", "CNT=", "CNT=NaN", "GAM=", "GAM=NaN", "GAM=-1", "ROT=45", "ROT=!", "ROT=NaN", "HEI=0", "WID=0",
        "RGN=", "RGN=1,1,0,0", "JTL=", "JTL=,", "OBJ=IIP,1.0", "OBJ=Horizontal-views", "OBJ=stack",
        "OBJ=metadata", "OBJ=colorspace,-1,-1", "OBJ=colorspace,2147483648,0", "OBJ=Tile-size,,,", "%00=%00",
        "=", "==", "&", "a=b=c", "CVT=jpeg&CVT=png", "SDS=2147483647,2147483647", "JTLS=2147483647,0,0"};

    /** Shapes the cases lack, per image: metadata of every protocol, the other IIP commands. */
    static final String[] EXTRA_SHAPES = {"IIIF=%s/info.json", "Zoomify=%s/ImageProperties.xml", "DeepZoom=%s.dzi",
        "FIF=%s&OBJ=IIP,1.0&OBJ=Max-size&OBJ=Tile-size&OBJ=Resolution-number", "FIF=%s&OBJ=Resolutions",
        "FIF=%s&JTL=0,0", "FIF=%s&PTL=1,0", "FIF=%s&WTL=1,0", "FIF=%s&TTL=1,0", "FIF=%s&JTLS=0,2,1",
        "FIF=%s&WID=300&CVT=png", "FIF=%s&WID=300&CVT=webp", "FIF=%s&WID=300&CVT=tif", "FIF=%s&HEI=200&ROT=!90&CVT=jpeg",
        "FIF=%s&SPECTRA=2,0,10,10", "FIF=%s&PFL=2:0,10-100,10", "FIF=%s&OBJ=metadata", "FIF=%s&SDS=0&JTL=1,0",
        "FIF=%s&MINMAX=0:0,255&WID=200&CVT=jpeg", "FIF=%s&LYR=1&WID=200&CVT=jpeg", "FIF=%s&QLT=lzw:5&WID=200&CVT=tif",
        "IIIF=%s", "IIIF=%s/full/max/0/default.png", "IIIF=%s/0,0,256,256/256,256/90/color.webp",
        "IIIF=%s/full/^max/!180/bitonal.tif", "Zoomify=%s/TileGroup0/1-0-0.jpg", "DeepZoom=%s_files/0/0_0.jpg",
        "FIF=%s&ICC&JTL=0,0", "FIF=%s&HEI=100&WID=100&RGN=0,0,1,1&CVT=jpeg"};

    private final long seed;
    private final List<String> seeds;
    private final List<String> images;

    QueryMutator(long seed, List<String> seeds, List<String> images) {
        this.seed = seed;
        this.seeds = List.copyOf(seeds);
        this.images = List.copyOf(images);
    }

    /**
     * The seed queries: every query of cases.txt (the prefixes status-only, expect, image and like
     * taken off; both sides of a like) and {@link #EXTRA_SHAPES} for every image, plus the empty
     * request.
     */
    static List<String> seeds(Path casesFile, List<String> images) throws IOException {
        Set<String> out = new LinkedHashSet<>();
        Pattern image = Pattern.compile("image (\\S+) (\\S+) (.*)");
        Pattern expect = Pattern.compile("expect (\\d{3}) (.*)");
        Pattern like = Pattern.compile("like (.*) == (.*)");
        for (String raw : Files.readAllLines(casesFile, StandardCharsets.UTF_8)) {
            int hash = raw.indexOf(" #");
            String line = (hash >= 0 ? raw.substring(0, hash) : raw).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Matcher m;
            if ((m = image.matcher(line)).matches()) {
                out.add(m.group(3));
            } else if ((m = like.matcher(line)).matches()) {
                out.add(m.group(1).strip());
                out.add(m.group(2).strip());
            } else if ((m = expect.matcher(line)).matches()) {
                out.add(m.group(2));
            } else if (line.startsWith("status-only ")) {
                out.add(line.substring("status-only ".length()));
            } else {
                out.add(line);
            }
        }
        for (String shape : EXTRA_SHAPES) {
            for (String img : images) {
                out.add(String.format(Locale.ROOT, shape, img));
            }
        }
        out.add("");
        return new ArrayList<>(out);
    }

    // ---- generation ---------------------------------------------------------------------------

    private static final class Param {
        String key;
        String value; // null: no '='

        Param(String key, String value) {
            this.key = key;
            this.value = value;
        }

        Param copy() {
            return new Param(key, value);
        }

        @Override
        public String toString() {
            return value == null ? key : key + "=" + value;
        }
    }

    Generated generate(long index) {
        SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index * 0xBF58476D1CE4E5B9L + 17);
        String base = seeds.get(rnd.nextInt(seeds.size()));
        List<Param> params = parse(base);
        StringBuilder ops = new StringBuilder();
        int n = params.isEmpty() ? (rnd.nextInt(4) == 0 ? 1 : 0) : 1 + rnd.nextInt(3);
        if (rnd.nextInt(12) == 0) {
            n = 0; // the unmutated seed, in another form or method
        }
        for (int i = 0; i < n; i++) {
            mutate(rnd, params, ops);
        }
        String query = join(params);
        String protocol = protocolOf(params);

        // Form and method.
        String target;
        String body = null;
        String method;
        int m = rnd.nextInt(100);
        method = m < 72 ? "GET" : m < 92 ? "POST" : "HEAD";
        boolean pathForm = !"IIP".equals(protocol) && !params.isEmpty() && params.get(0).value != null
                && rnd.nextInt(2) == 0;
        if (pathForm) {
            String prefix = switch (protocol) {
                case "IIIF" -> "/iiif/";
                case "DeepZoom" -> "/deepzoom/";
                default -> "/zoomify/";
            };
            target = prefix + params.get(0).value;
            if (params.size() > 1) {
                target += "?" + join(params.subList(1, params.size()));
            }
            ops.append(" path-form");
            if ("POST".equals(method)) {
                body = query;
            }
        } else {
            String endpoint = rnd.nextInt(8) == 0 ? "/iipsrv.fcgi" : IIP_PATH;
            if ("POST".equals(method) && rnd.nextInt(6) != 0) {
                target = endpoint;
                body = query;
            } else {
                target = query.isEmpty() && rnd.nextInt(2) == 0 ? endpoint : endpoint + "?" + query;
                if ("POST".equals(method)) {
                    body = query;
                }
            }
        }
        // Byte-level damage to the target (or the body).
        if (rnd.nextInt(5) == 0) {
            String token = PERCENT_ABUSE[rnd.nextInt(PERCENT_ABUSE.length)];
            if (body != null && target.indexOf('?') < 0 && rnd.nextBoolean()) {
                int at = rnd.nextInt(body.length() + 1);
                body = body.substring(0, at) + token + body.substring(at);
                ops.append(" body-bytes(").append(RawHttp.Request.escape(token)).append(")");
            } else {
                int from = Math.min(target.length(), target.indexOf('/', 1) < 0 ? 1 : target.indexOf('/', 1));
                int at = from + rnd.nextInt(target.length() - from + 1);
                target = target.substring(0, at) + token + target.substring(at);
                ops.append(" target-bytes(").append(RawHttp.Request.escape(token)).append(")");
            }
        }
        if (rnd.nextInt(40) == 0) {
            String tail = new String[] {"#frag", "?", "&", "&&&", "??FIF=big.tif", "%", "/", "//", "/..", "/%2e%2e"}[rnd.nextInt(10)];
            target = target + tail;
            ops.append(" tail(").append(tail).append(")");
        }
        RawHttp.Request req = new RawHttp.Request(method, target, body);
        return new Generated(index, req, classifyProtocol(req), namedImage(req, images), ops.toString().strip());
    }

    private void mutate(SplittableRandom rnd, List<Param> params, StringBuilder ops) {
        if (params.isEmpty()) {
            String c = UNKNOWN_COMMANDS[rnd.nextInt(UNKNOWN_COMMANDS.length)];
            params.addAll(parse(c));
            ops.append(" add(").append(c).append(")");
            return;
        }
        String first = params.get(0).key.toUpperCase(Locale.ROOT);
        int pick = rnd.nextInt(100);
        if (("IIIF".equals(first) || "DEEPZOOM".equals(first) || "ZOOMIFY".equals(first)) && pick < 45
                && params.get(0).value != null) {
            Param p = params.get(0);
            String before = p.value;
            p.value = switch (first) {
                case "IIIF" -> mutateIiif(rnd, p.value);
                case "DEEPZOOM" -> mutateDeepZoom(rnd, p.value);
                default -> mutateZoomify(rnd, p.value);
            };
            ops.append(" ").append(first.toLowerCase(Locale.ROOT)).append("(").append(shorten(before)).append(" -> ")
                    .append(shorten(p.value)).append(")");
            return;
        }
        Param p = params.get(rnd.nextInt(params.size()));
        if (pick < 30) {
            // one number, or every number, of a value made hostile
            if (p.value == null) {
                p.value = evilNumber(rnd);
            } else {
                p.value = replaceNumbers(rnd, p.value, rnd.nextInt(4) == 0);
            }
            ops.append(" number(").append(p.key).append("=").append(shorten(p.value)).append(")");
        } else if (pick < 40) {
            int times = rnd.nextBoolean() ? 2 : 20;
            if (rnd.nextBoolean() && params.size() > 1) {
                // the whole group after the image (RGN, WID, CVT...) repeated
                List<Param> group = new ArrayList<>();
                for (Param q : params.subList(1, params.size())) {
                    group.add(q.copy());
                }
                for (int i = 1; i < times; i++) {
                    for (Param q : group) {
                        params.add(q.copy());
                    }
                }
                ops.append(" repeat-group(x").append(times).append(")");
            } else {
                int at = params.indexOf(p);
                for (int i = 1; i < times; i++) {
                    params.add(at, p.copy());
                }
                ops.append(" duplicate(").append(p.key).append(" x").append(times).append(")");
            }
        } else if (pick < 47) {
            params.remove(p);
            ops.append(" drop(").append(p.key).append(")");
        } else if (pick < 51) {
            java.util.Collections.swap(params, rnd.nextInt(params.size()), rnd.nextInt(params.size()));
            ops.append(" swap");
        } else if (pick < 56) {
            int k = rnd.nextInt(4);
            p.value = k == 0 ? "" : k == 1 ? null : k == 2 ? "=" : p.value + "=" + p.value;
            ops.append(" empty(").append(p).append(")");
        } else if (pick < 59) {
            p.key = rnd.nextBoolean() ? p.key.toLowerCase(Locale.ROOT) : flipCase(rnd, p.key);
            ops.append(" key-case(").append(p.key).append(")");
        } else if (pick < 68) {
            String c = UNKNOWN_COMMANDS[rnd.nextInt(UNKNOWN_COMMANDS.length)];
            params.addAll(rnd.nextBoolean() ? params.size() : rnd.nextInt(params.size() + 1), parse(c));
            ops.append(" add(").append(c).append(")");
        } else if (pick < 78) {
            // another identifier for the image
            Param img = params.get(0);
            String id = rnd.nextInt(3) == 0 ? images.get(rnd.nextInt(images.size()))
                    : EVIL_IDENTIFIERS[rnd.nextInt(EVIL_IDENTIFIERS.length)];
            if (img.value != null) {
                String v = img.value;
                String old = leadingImage(v);
                img.value = old != null ? id + v.substring(old.length()) : id;
            } else {
                img.value = id;
            }
            ops.append(" identifier(").append(id).append(")");
        } else if (pick < 81) {
            // a 64 KB value (just under or over the POST body limit)
            int len = rnd.nextBoolean() ? 65536 : 60000;
            String unit = new String[] {"1,", "9", "A", "%41", "[1,", "0.5;", "\u00e9"}[rnd.nextInt(7)];
            StringBuilder b = new StringBuilder(len + 8);
            while (b.length() < len) {
                b.append(unit);
            }
            b.setLength(len);
            p.value = (p.value == null ? "" : p.value) + b;
            ops.append(" long(").append(p.key).append(" +").append(len).append(" of ").append(RawHttp.Request.escape(unit))
                    .append(")");
        } else if (pick < 88) {
            // a value with a count of items changed
            String v = p.value == null ? "" : p.value;
            int k = rnd.nextInt(4);
            p.value = k == 0 ? v + ",1,2,3,4,5,6,7,8,9" : k == 1 ? (v.contains(",") ? v.substring(0, v.indexOf(',')) : v + ",")
                    : k == 2 ? v.replace(",", ",,") : ",,,,";
            ops.append(" items(").append(p.key).append("=").append(shorten(p.value)).append(")");
        } else if (pick < 94) {
            String weird = new String[] {"[", "]", "[1,2", "%5B", ";", "{}", "null", "true", "-", "*", "\\", "../", "%",
                "%%", "%00", "[[1]]", "1;2;3", "(1)", "'", "\"", "<script>", "${jndi:ldap://x}", "%n%s%x"}[rnd.nextInt(23)];
            p.value = rnd.nextBoolean() ? weird : (p.value == null ? "" : p.value) + weird;
            ops.append(" weird(").append(p.key).append("=").append(shorten(p.value)).append(")");
        } else {
            // percent-encode or double-encode the whole value (or key)
            boolean twice = rnd.nextBoolean();
            if (p.value != null && rnd.nextInt(3) != 0) {
                p.value = twice ? percentAll(percentAll(p.value)) : percentAll(p.value);
            } else {
                p.key = twice ? percentAll(percentAll(p.key)) : percentAll(p.key);
            }
            ops.append(twice ? " double-encoded(" : " encoded(").append(shorten(p.toString())).append(")");
        }
    }

    private String mutateIiif(SplittableRandom rnd, String v) {
        String id = leadingImage(v);
        String rest = id != null ? v.substring(id.length()) : v.substring(Math.max(0, v.indexOf('/')));
        String ident = id != null ? id : v.indexOf('/') >= 0 ? v.substring(0, v.indexOf('/')) : v;
        List<String> segs = new ArrayList<>(List.of(rest.startsWith("/") ? rest.substring(1).split("/", -1) : new String[0]));
        if (segs.size() == 1 && "info.json".equals(segs.get(0)) && rnd.nextBoolean()) {
            String[] alt = {"info.json/", "info.JSON", "info.json.json", "info", "info.json/full/max/0/default.jpg",
                "info.json%00", "", "../info.json", "full/max/0/info.json"};
            return ident + "/" + alt[rnd.nextInt(alt.length)];
        }
        while (segs.size() < 4) {
            segs.add(new String[] {"full", "max", "0", "default.jpg"}[segs.size()]);
        }
        int k = rnd.nextInt(10);
        switch (k) {
            case 0 -> segs.set(0, EVIL_REGIONS[rnd.nextInt(EVIL_REGIONS.length)]);
            case 1 -> segs.set(1, EVIL_SIZES[rnd.nextInt(EVIL_SIZES.length)]);
            case 2 -> segs.set(2, EVIL_ROTATIONS[rnd.nextInt(EVIL_ROTATIONS.length)]);
            case 3 -> {
                String q = EVIL_QUALITIES[rnd.nextInt(EVIL_QUALITIES.length)];
                String f = EVIL_FORMATS[rnd.nextInt(EVIL_FORMATS.length)];
                segs.set(3, rnd.nextInt(6) == 0 ? q + f : q + "." + f);
            }
            case 4 -> java.util.Collections.swap(segs, rnd.nextInt(segs.size()), rnd.nextInt(segs.size()));
            case 5 -> segs.set(rnd.nextInt(segs.size()), "");
            case 6 -> segs.add(rnd.nextInt(segs.size() + 1), new String[] {"full", "max", "0", "x", "", "..", "info.json"}[rnd.nextInt(7)]);
            case 7 -> segs.remove(rnd.nextInt(segs.size()));
            case 8 -> {
                int s = rnd.nextInt(3);
                segs.set(s, replaceNumbers(rnd, segs.get(s), rnd.nextBoolean()));
            }
            default -> {
                segs.set(0, EVIL_REGIONS[rnd.nextInt(EVIL_REGIONS.length)]);
                segs.set(1, EVIL_SIZES[rnd.nextInt(EVIL_SIZES.length)]);
            }
        }
        return ident + "/" + String.join("/", segs);
    }

    private static final Pattern DZ_TILE = Pattern.compile("(.*)_files/([^/]*)/([^_/]*)_([^./]*)\\.?(.*)");

    private String mutateDeepZoom(SplittableRandom rnd, String v) {
        String[] big = {"8388608", "2147483647", "2147483648", "4294967296", "-1", "16777216", "33554432", "1e3",
            "0x10", "", "\u0663", "99999999999", "8388607", "131072", "31", "32", "64"};
        Matcher m = DZ_TILE.matcher(v);
        String id = leadingImage(v);
        if (id == null) {
            id = v.replaceFirst("(_files/.*|\\.dzi.*)$", "");
        }
        if (!m.matches() || rnd.nextInt(4) == 0) {
            String[] shapes = {"%s.dzi", "%s.DZI", "%s.dzi.dzi", "%s.dzi/x", "%s", "%s.xml", "%s_files/", "%s_files",
                "%s_files/13/", "%s_files//3_2.jpg", "%s_files/13/3_2", "%s_files/13/x/3_2.jpg",
                "%s_files/13/3_2_1.jpg", "%s_files/13/3-2.jpg", "%s_files/13/3_2.jpg/", "%s_files/../../big.tif.dzi",
                "%s_files/0/8388608_8388608.jpg", "%s_files/23/8388608_0.jpg", "%s_files/12/8388608_1.jpg",
                "%s_files/2147483647/0_0.jpg", "%s_files/13/4294967296_0.png", ".dzi"};
            return String.format(Locale.ROOT, shapes[rnd.nextInt(shapes.length)], id);
        }
        String level = m.group(2);
        String col = m.group(3);
        String row = m.group(4);
        String ext = m.group(5);
        switch (rnd.nextInt(5)) {
            case 0 -> level = big[rnd.nextInt(big.length)];
            case 1 -> col = big[rnd.nextInt(big.length)];
            case 2 -> row = big[rnd.nextInt(big.length)];
            case 3 -> {
                col = big[rnd.nextInt(big.length)];
                row = big[rnd.nextInt(big.length)];
            }
            default -> ext = new String[] {"jpg", "png", "webp", "tif", "gif", "", "jpeg", "JPG", "jpg.jpg"}[rnd.nextInt(9)];
        }
        return m.group(1) + "_files/" + level + "/" + col + "_" + row + (ext.isEmpty() ? "" : "." + ext);
    }

    private static final Pattern ZOOMIFY_TILE = Pattern.compile("(.*)/TileGroup([^/]*)/([^-/]*)-([^-/]*)-([^-./]*)\\.?(.*)");

    private String mutateZoomify(SplittableRandom rnd, String v) {
        String[] big = {"8388608", "2147483647", "2147483648", "4294967296", "-1", "16777216", "1e3", "0x10", "",
            "\u0661", "99999999999", "65535", "31"};
        String id = leadingImage(v);
        if (id == null) {
            id = v.indexOf('/') >= 0 ? v.substring(0, v.indexOf('/')) : v;
        }
        Matcher m = ZOOMIFY_TILE.matcher(v);
        if (!m.matches() || rnd.nextInt(4) == 0) {
            String[] shapes = {"%s/ImageProperties.xml", "%s/imageproperties.xml", "%s/ImageProperties.xml/x",
                "%s/TileGroup/0-0-0.jpg", "%s/TileGroup-1/0-0-0.jpg", "%s/TileGroup0/", "%s/TileGroup0", "%s/", "%s",
                "%s/TileGroup0/0-0.jpg", "%s/TileGroup0/0-0-0-0.jpg", "%s/TileGroup0/0-0-0", "%s/tilegroup0/0-0-0.jpg",
                "%s/TileGroup0/5-8388608-8388608.jpg", "%s/TileGroup2147483647/0-0-0.jpg",
                "%s/TileGroup0/2147483647-0-0.jpg", "%s//TileGroup0/0-0-0.jpg", "%s/TileGroup0/../../x.jpg"};
            return String.format(Locale.ROOT, shapes[rnd.nextInt(shapes.length)], id);
        }
        String group = m.group(2);
        String z = m.group(3);
        String x = m.group(4);
        String y = m.group(5);
        String ext = m.group(6);
        switch (rnd.nextInt(5)) {
            case 0 -> group = big[rnd.nextInt(big.length)];
            case 1 -> z = big[rnd.nextInt(big.length)];
            case 2 -> x = big[rnd.nextInt(big.length)];
            case 3 -> y = big[rnd.nextInt(big.length)];
            default -> ext = new String[] {"jpg", "png", "", "jpeg", "xml", "JPG"}[rnd.nextInt(6)];
        }
        return m.group(1) + "/TileGroup" + group + "/" + z + "-" + x + "-" + y + (ext.isEmpty() ? "" : "." + ext);
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static final Pattern NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?");

    private static String evilNumber(SplittableRandom rnd) {
        if (rnd.nextInt(6) == 0) {
            String d = EXOTIC_DIGITS[rnd.nextInt(EXOTIC_DIGITS.length)];
            return rnd.nextBoolean() ? rawUtf8(d) : percentUtf8(d);
        }
        return EVIL_NUMBERS[rnd.nextInt(EVIL_NUMBERS.length)];
    }

    /** One number (or all) of {@code v} replaced by hostile ones. */
    static String replaceNumbers(SplittableRandom rnd, String v, boolean all) {
        Matcher m = NUMBER.matcher(v);
        List<int[]> spans = new ArrayList<>();
        while (m.find()) {
            spans.add(new int[] {m.start(), m.end()});
        }
        if (spans.isEmpty()) {
            return v + evilNumber(rnd);
        }
        StringBuilder b = new StringBuilder(v);
        if (all) {
            String same = rnd.nextBoolean() ? evilNumber(rnd) : null;
            for (int i = spans.size() - 1; i >= 0; i--) {
                b.replace(spans.get(i)[0], spans.get(i)[1], same != null ? same : evilNumber(rnd));
            }
        } else {
            int[] s = spans.get(rnd.nextInt(spans.size()));
            b.replace(s[0], s[1], evilNumber(rnd));
        }
        return b.toString();
    }

    private static String flipCase(SplittableRandom rnd, String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            b.append(rnd.nextBoolean() ? Character.toUpperCase(c) : Character.toLowerCase(c));
        }
        return b.toString();
    }

    /** Every byte as %XX. */
    static String percentAll(String s) {
        StringBuilder b = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.ISO_8859_1)) {
            b.append(String.format("%%%02X", x & 0xff));
        }
        return b.toString();
    }

    /** The UTF-8 bytes of a Unicode string as an ISO-8859-1 string (one char per byte, sent raw). */
    static String rawUtf8(String s) {
        return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }

    static String percentUtf8(String s) {
        return percentAll(rawUtf8(s));
    }

    private static String shorten(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "...(" + s.length() + ")" : s;
    }

    private String leadingImage(String v) {
        String best = null;
        for (String img : images) {
            if (v.startsWith(img) && (best == null || img.length() > best.length())) {
                best = img;
            }
        }
        return best;
    }

    static List<Param> parse(String query) {
        List<Param> out = new ArrayList<>();
        if (query.isEmpty()) {
            return out;
        }
        for (String part : query.split("&", -1)) {
            int eq = part.indexOf('=');
            out.add(eq < 0 ? new Param(part, null) : new Param(part.substring(0, eq), part.substring(eq + 1)));
        }
        return out;
    }

    static String join(List<Param> params) {
        StringBuilder b = new StringBuilder();
        for (Param p : params) {
            if (b.length() > 0) {
                b.append('&');
            }
            b.append(p);
        }
        return b.toString();
    }

    private static String protocolOf(List<Param> params) {
        if (params.isEmpty()) {
            return "IIP";
        }
        return switch (params.get(0).key.toUpperCase(Locale.ROOT)) {
            case "IIIF" -> "IIIF";
            case "DEEPZOOM" -> "DeepZoom";
            case "ZOOMIFY" -> "Zoomify";
            default -> "IIP";
        };
    }

    // ---- classification of a request as sent ----------------------------------------------------

    /** The request string a request carries: the query, or for a POST without one, the body. */
    static String requestString(RawHttp.Request r) {
        String t = r.target();
        int q = t.indexOf('?');
        String query = q >= 0 ? t.substring(q + 1) : "";
        if (query.isEmpty() && "POST".equals(r.method()) && r.body() != null) {
            return r.body();
        }
        return query;
    }

    /** IIIF, DeepZoom, Zoomify or IIP: which protocol servlet a request reaches (by its path or first command). */
    static String classifyProtocol(RawHttp.Request r) {
        String t = r.target();
        String lower = ReplyChecks.decode(t).toLowerCase(Locale.ROOT);
        if (lower.startsWith("/iiif/") || lower.equals("/iiif")) {
            return "IIIF";
        }
        if (lower.startsWith("/deepzoom/")) {
            return "DeepZoom";
        }
        if (lower.startsWith("/zoomify/")) {
            return "Zoomify";
        }
        String rs = requestString(r);
        List<Param> params = parse(rs);
        // As ParsedRequest: a command with an empty name or an empty value is no command.
        params.removeIf(p -> p.key.isEmpty() || p.value != null && p.value.isEmpty());
        return protocolOf(params);
    }

    /** The existing image a request names (its identifier, decoded once), or null. */
    static String namedImage(RawHttp.Request r, List<String> images) {
        String t = r.target();
        int q = t.indexOf('?');
        String path = ReplyChecks.decode(q >= 0 ? t.substring(0, q) : t);
        for (String prefix : new String[] {"/iiif/", "/zoomify/"}) {
            if (path.startsWith(prefix)) {
                return startsWithImage(path.substring(prefix.length()), images, "/", true);
            }
        }
        if (path.startsWith("/deepzoom/")) {
            String rest = path.substring("/deepzoom/".length());
            String img = startsWithImage(rest, images, ".dzi", false);
            return img != null ? img : startsWithImage(rest, images, "_files/", false);
        }
        for (Param p : parse(requestString(r))) {
            String key = ReplyChecks.decode(p.key).toUpperCase(Locale.ROOT);
            String value = p.value == null ? "" : ReplyChecks.decode(p.value);
            String found = switch (key) {
                case "FIF" -> images.contains(value) ? value : null;
                case "IIIF", "ZOOMIFY" -> startsWithImage(value, images, "/", true);
                case "DEEPZOOM" -> {
                    String a = startsWithImage(value, images, ".dzi", false);
                    yield a != null ? a : startsWithImage(value, images, "_files/", false);
                }
                default -> null;
            };
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    private static String startsWithImage(String s, List<String> images, String after, boolean alone) {
        for (String img : images) {
            if (s.startsWith(img + after) || alone && s.equals(img)) {
                return img;
            }
        }
        return null;
    }
}

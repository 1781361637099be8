package io.github.iipservlet.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.iipservlet.testsupport.Jp2Writer;
import io.github.iipservlet.testsupport.TestImages;
import io.github.iipservlet.testsupport.TiffWriter;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The damaged-file sweep (issue "Trustworthy under broken files, hostile requests and months of
 * uptime"): at least 300 damaged variants each of a JPEG, a deflate (predictor 2) and an LZW
 * pyramidal TIFF and of a tiled and an untiled JP2 ({@link Damage}: truncations, IFD and box
 * damage, bad sizes and sample layouts, tile offsets and byte counts past the end or huge, IFD and
 * SubIFD loops, decompression bombs, garbage JPEGTables and SOF segments, sparse tiles, codestream
 * marker damage), each put under a fresh name into the folder our webapp serves (in its own JVM,
 * {@code OMP_NUM_THREADS=2}, {@code MAX_IMAGE_CACHE_SIZE=0} so that every request renders afresh)
 * and asked for its metadata (IIP OBJ, IIIF info.json, DeepZoom .dzi), tiles at the largest and
 * smallest levels, a CVT at WID=700, an unresized 1024x768 region (several threads) and a IIIF
 * region.
 *
 * <p>A damaged file may give a decodable image (harmless damage), a 404 or 400, or an IIP error
 * reply; not a 5xx, the banner page, a reply over 10 s, or a body with a path, class name or
 * stack trace. After every damaged file, healthy images must still render byte for byte as they
 * first did (a JPEG-TIFF region large enough for several threads, a deflate-TIFF region, a
 * JPEG-TIFF IIIF tile as stored and decoded, a JP2 tile): when they do not, the file's requests
 * are replayed one by one on a fresh server to name the one that breaks it, and the server is
 * restarted. A dying server is reported and restarted too.
 *
 * <p>All failures are collected, grouped and reported at the end and in
 * target/fuzz/damaged-failures.txt; the first damaged files of each group are kept in
 * target/fuzz/damaged-failing/ (with a .txt saying what was changed). System properties:
 * {@code fuzz.seed}, {@code fuzz.damaged} (variants per base file, 300), {@code fuzz.xmx} (1g),
 * {@code fuzz.kinds} (comma-separated subset of jpeg,deflate,lzw,jp2-tiled,jp2-untiled),
 * {@code fuzz.files} (comma-separated file numbers, as in d0275-jpeg.tif: only those, each kept
 * in target/fuzz/damaged-failing/ whatever it gives; the numbering assumes the same kinds).
 */
@Tag("fuzz")
class DamagedFilesTest {
    static final Path OUT = Path.of("target/fuzz").toAbsolutePath();
    static final Path SERVED = OUT.resolve("damaged-served");
    static final Path KEEP = OUT.resolve("damaged-failing");
    static final long SLOW_NANOS = 10_000_000_000L;

    enum Expect { IIP_META, INFO_JSON, DZI, IMAGE }

    record Probe(String label, RawHttp.Request request, Expect expect) {
    }

    record Base(String kind, String extension, byte[] bytes) {
    }

    private ServerProcess server;
    private RawHttp http;
    private FailureLog failures;
    private List<Probe> health;
    private final Map<String, byte[]> reference = new LinkedHashMap<>();
    private List<String> secrets;
    private final Map<String, Integer> culpritSearches = new java.util.HashMap<>();

    @Test
    void damagedFilesAreAnsweredCleanlyAndHarmNothingElse() throws Exception {
        long seed = Long.getLong("fuzz.seed", 20240611L);
        int perBase = Integer.getInteger("fuzz.damaged", 300);
        List<String> kinds = List.of(System.getProperty("fuzz.kinds", "jpeg,deflate,lzw,jp2-tiled,jp2-untiled").split(","));
        java.util.Set<Integer> only = new java.util.TreeSet<>();
        for (String n : System.getProperty("fuzz.files", "").split(",")) {
            if (!n.isBlank()) {
                only.add(Integer.parseInt(n.strip()));
            }
        }
        long t0 = System.nanoTime();
        Path images = FuzzImages.ensure(OUT.resolve("images"));
        FuzzImages.resetFolder(SERVED);
        FuzzImages.resetFolder(KEEP);
        for (String n : List.of("big.tif", "big_deflate.tif", "big.jp2")) {
            Files.copy(images.resolve(n), SERVED.resolve(n));
        }
        List<Base> bases = bases(kinds);
        secrets = List.of(SERVED + "/", SERVED.toString(), OUT.toString(), Path.of("").toAbsolutePath().toString(),
                System.getProperty("java.io.tmpdir") + "/");
        failures = new FailureLog(5);
        Map<String, String> config = new LinkedHashMap<>();
        config.put("FILESYSTEM_PREFIX", SERVED + "/");
        config.put("OMP_NUM_THREADS", "2");
        config.put("MAX_IMAGE_CACHE_SIZE", "0");
        server = new ServerProcess("damaged", OUT,
                List.of("-Xmx" + System.getProperty("fuzz.xmx", "1g"), "-XX:+UseSerialGC", "-Xss1m"), config);
        int files = 0;
        int requests = 0;
        try {
            server.start();
            connect();
            int jp2Max = resolutionNumber("big.jp2") - 1;
            health = List.of(
                    // The whole image, unresized: 3.1 megapixels in bands over several threads, the largest
                    // pooled buffers (a 1024x768 region did not show the double-returned buffer).
                    iip("JPEG-TIFF region 2048x1536 unresized (several threads)", "FIF=big.tif&RGN=0,0,1,1&CVT=jpeg"),
                    iip("deflate-TIFF region 2048x1536 unresized", "FIF=big_deflate.tif&RGN=0,0,1,1&CVT=jpeg"),
                    path("JPEG-TIFF IIIF tile (as stored)", "/iiif/big.tif/512,512,256,256/256,/0/default.jpg"),
                    path("JPEG-TIFF IIIF tile decoded (gray)", "/iiif/big.tif/512,512,256,256/256,/0/gray.jpg"),
                    iip("JP2 tile", "FIF=big.jp2&JTL=" + jp2Max + ",10"));
            for (Probe h : health) {
                RawHttp.Reply r = http.send(h.request());
                if (r.status() != 200 || decode(r) == null) {
                    throw new AssertionError("healthy " + h.label() + " fails on a fresh server: " + r.status() + " "
                            + r.contentType() + " " + ReplyChecks.excerpt(r.body(), 200));
                }
                reference.put(h.label(), r.body());
            }
            System.out.printf("damaged: server pid %d port %d; healthy references: %s%n", server.pid(), server.port(),
                    reference.entrySet().stream().map(e -> e.getKey().split(" ")[0] + "=" + e.getValue().length + "B").toList());

            int index = 0;
            for (Base base : bases) {
                // The undamaged base must pass every probe: otherwise the sweep measures nothing.
                String pristine = "pristine-" + base.kind() + "." + base.extension();
                Files.write(SERVED.resolve(pristine), base.bytes());
                int maxRes = resolutionNumber(pristine) - 1;
                for (Probe p : probes(pristine, maxRes, 5)) {
                    RawHttp.Reply r = http.send(p.request());
                    String problem = r.status() != 200 ? "status " + r.status()
                            : p.expect() == Expect.IMAGE && decode(r) == null ? "no image" : null;
                    if (problem != null) {
                        failures.add("harness: the undamaged " + base.kind() + " base fails a probe", base.kind(),
                                p.request().show() + "\n-> " + r.status() + " " + r.contentType() + ": "
                                        + ReplyChecks.excerpt(r.body(), 200));
                    }
                }
                long tg = System.nanoTime();
                List<Damage.Variant> variants = base.extension().equals("jp2")
                        ? Damage.jp2(base.kind(), base.bytes(), seed, perBase)
                        : Damage.tiff(base.kind(), base.bytes(), seed, perBase);
                System.out.printf("damaged: %s: %d variants (made in %.1f s), resolution number %d%n", base.kind(),
                        variants.size(), (System.nanoTime() - tg) / 1e9, maxRes + 1);
                long tb = System.nanoTime();
                for (Damage.Variant v : variants) {
                    index++;
                    if (!only.isEmpty() && !only.contains(index)) {
                        continue;
                    }
                    files++;
                    String name = String.format(Locale.ROOT, "d%04d-%s.%s", index, base.kind(), base.extension());
                    Path file = SERVED.resolve(name);
                    Path tmp = SERVED.resolve("." + name + ".tmp");
                    Files.write(tmp, v.bytes());
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
                    List<Probe> probes = probes(name, maxRes, v.tile());
                    boolean keep = !only.isEmpty();
                    for (Probe p : probes) {
                        requests++;
                        keep |= probeDamaged(base, v, name, p);
                    }
                    requests += health.size();
                    String broken = checkHealth();
                    if (broken != null) {
                        keep |= healthBroken(base, v, name, probes, broken);
                    }
                    if (keep) {
                        Files.copy(file, KEEP.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                        Files.writeString(KEEP.resolve(name + ".txt"), v.base() + ": " + v.description() + "\n");
                    }
                    Files.delete(file);
                }
                System.out.printf("damaged: %s done in %.1f s, %d failure(s) so far%n", base.kind(),
                        (System.nanoTime() - tb) / 1e9, failures.total());
            }
        } finally {
            if (http != null) {
                http.close();
            }
            server.close();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        String summary = String.format(Locale.ROOT,
                "damaged files: %d files (%s), %d requests in %.1f s, seed %d, %d server start(s)%n"
                        + "failing files kept in %s (each with a .txt of its damage)",
                files, String.join(",", kinds), requests, secs, seed, server.starts(), KEEP);
        failures.write(OUT.resolve("damaged-failures.txt"), "damaged files", summary);
        System.out.println(summary);
        System.out.println("damaged: report in " + OUT.resolve("damaged-failures.txt"));
        assertEquals(0, failures.total(), () -> summary + "\n" + failures.report("damaged files"));
    }

    /** Sends one probe for a damaged file; true when the file is worth keeping (an example of a failure). */
    private boolean probeDamaged(Base base, Damage.Variant v, String name, Probe p) throws Exception {
        RawHttp.Reply r;
        try {
            r = http.send(p.request());
        } catch (SocketTimeoutException e) {
            server.threadDump(OUT.resolve("damaged-stuck-" + name + ".txt"));
            boolean kept = failures.add(p.label() + ": no reply within 60 s", base.kind(), example(v, name, p, null));
            restart();
            return kept;
        } catch (IOException e) {
            boolean died = server.diedWithin(3000);
            boolean kept = failures.add(p.label() + ": " + (died ? "the server died: " + server.deathCause()
                    : "connection dropped without a reply"), base.kind(), example(v, name, p, null) + "\n   " + e
                    + (died ? "\n   log " + server.log() : ""));
            restart();
            return kept;
        }
        String symptom = judge(p, r);
        if (symptom != null && passedThroughEntropyDamage(v, p, symptom)) {
            symptom = null;
        }
        boolean kept = false;
        if (symptom != null) {
            kept = failures.add(p.label() + " -> " + symptom, base.kind(), example(v, name, p, r));
        }
        if (r.nanos() > SLOW_NANOS) {
            kept |= failures.add(p.label() + " -> slow reply over 10 s", base.kind(), example(v, name, p, r));
        }
        if (ReplyChecks.isErrorBody(r)) {
            for (String leak : ReplyChecks.leaks(r.body(), p.request().target(), secrets)) {
                kept |= failures.add(p.label() + " -> error body shows a " + leak, base.kind(), example(v, name, p, r));
            }
        }
        return kept;
    }

    /** Why a reply to a damaged file is not acceptable, or null. */
    static String judge(Probe p, RawHttp.Reply r) {
        String ct = r.contentType().toLowerCase(Locale.ROOT);
        String type = ct.contains(";") ? ct.substring(0, ct.indexOf(';')).strip() : ct;
        int s = r.status();
        if (s == 400 || s == 404) {
            return null;
        }
        if (s >= 500) {
            return s + " " + type + ": " + QueryFuzzTest.normalise(ReplyChecks.excerpt(r.body(), 60));
        }
        if (ReplyChecks.isBanner(r)) {
            return "200 banner page (text/html)";
        }
        if (s != 200) {
            return "unexpected status " + s + " " + type;
        }
        boolean iip = p.request().target().startsWith(QueryMutator.IIP_PATH);
        if (iip && type.equals("application/vnd.netfpx")) {
            return null; // IIP's own error reply
        }
        return switch (p.expect()) {
            case IIP_META -> type.equals("text/plain") ? null : "200 " + type + " (not OBJ lines)";
            case INFO_JSON -> type.equals("application/json") || type.equals("application/ld+json") ? null
                    : "200 " + type + " (not JSON)";
            case DZI -> type.endsWith("/xml") ? null : "200 " + type + " (not XML)";
            case IMAGE -> !type.startsWith("image/") ? "200 " + type + " (not an image)"
                    : decode(r) == null ? "200 " + type + " that does not decode" : null;
        };
    }

    /**
     * A stored JPEG tile sent as it is (codec pass-through: a JTL tile, nothing asked of its
     * pixels) whose entropy-coded data is damaged: only a decode finds such damage, and the point
     * of pass-through is not to decode, so the client gets the stored bytes, as from iipsrv (the
     * docs/operations.md "Limits and damaged files" says so). Its headers are checked (JpegTileCheck); any request that decodes it is 404.
     */
    static boolean passedThroughEntropyDamage(Damage.Variant v, Probe p, String symptom) {
        return v.description().contains(": entropy-coded data") && symptom.endsWith("that does not decode")
                && p.request().target().contains("&JTL=");
    }

    static BufferedImage decode(RawHttp.Reply r) {
        try {
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(r.body()));
            return img != null && img.getWidth() > 0 && img.getHeight() > 0 ? img : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Null when every healthy render is byte for byte its reference; else what changed. */
    private String checkHealth() throws Exception {
        for (Probe h : health) {
            RawHttp.Reply r;
            try {
                r = http.send(h.request());
            } catch (IOException e) {
                return h.label() + ": no reply (" + e.getClass().getSimpleName()
                        + (server.diedWithin(3000) ? ", the server died: " + server.deathCause() + ")" : ")");
            }
            if (!Arrays.equals(r.body(), reference.get(h.label()))) {
                return h.label() + " now answers " + (r.status() == 200 && r.contentType().startsWith("image/")
                        ? "different bytes (" + r.body().length + " instead of " + reference.get(h.label()).length + ")"
                        : r.status() + " " + r.contentType() + ": " + QueryFuzzTest.normalise(ReplyChecks.excerpt(r.body(), 60)));
            }
        }
        return null;
    }

    /**
     * Healthy images broke after a damaged file: replays its probes one by one on a fresh server,
     * checking health after each, to name the request that does it; then a fresh server again.
     */
    private boolean healthBroken(Base base, Damage.Variant v, String name, List<Probe> probes, String broken)
            throws Exception {
        String symptom = "healthy images broken after a damaged file: " + broken.replaceAll("\\(\\d+ instead of \\d+\\)", "");
        restart();
        if (culpritSearches.merge(symptom, 1, Integer::sum) > 3) {
            // the first three of a kind were replayed; later ones only get a fresh server
            return failures.add(symptom, base.kind(), name + ": " + v.description());
        }
        String fresh = checkHealth();
        if (fresh != null) {
            throw new AssertionError("healthy renders differ on a fresh server (" + fresh + "): the harness cannot go on");
        }
        String culprit = "not reproduced when the requests were replayed one by one (a race?)";
        for (Probe p : probes) {
            try {
                http.send(p.request());
            } catch (IOException e) {
                restart();
                continue;
            }
            String again = checkHealth();
            if (again != null) {
                culprit = "reproduced by this one request on a fresh server: " + p.request().show() + "\n   then: " + again;
                break;
            }
        }
        restart();
        return failures.add(symptom, base.kind(), name + ": " + v.description() + "\n   " + culprit);
    }

    private void restart() throws Exception {
        server.restart();
        connect();
    }

    private void connect() {
        if (http != null) {
            http.close();
        }
        http = new RawHttp("127.0.0.1", server.port(), 60_000);
    }

    private int resolutionNumber(String name) throws IOException {
        RawHttp.Reply r = http.send(new RawHttp.Request("GET",
                QueryMutator.IIP_PATH + "?FIF=" + name + "&OBJ=Resolution-number", null));
        Matcher m = Pattern.compile("Resolution-number:(\\d+)").matcher(r.text());
        if (!m.find()) {
            throw new AssertionError("no Resolution-number for " + name + ": " + r.status() + " " + r.text());
        }
        return Integer.parseInt(m.group(1));
    }

    static List<Probe> probes(String name, int maxRes, int tile) {
        List<Probe> p = new ArrayList<>();
        p.add(iip("IIP OBJ metadata", "FIF=" + name + "&OBJ=Max-size&OBJ=Resolution-number", Expect.IIP_META));
        p.add(path("IIIF info.json", "/iiif/" + name + "/info.json", Expect.INFO_JSON));
        p.add(path("DeepZoom .dzi", "/deepzoom/" + name + ".dzi", Expect.DZI));
        p.add(iip("JTL largest level tile 0", "FIF=" + name + "&JTL=" + maxRes + ",0"));
        if (tile > 0) {
            p.add(iip("JTL largest level, the damaged tile", "FIF=" + name + "&JTL=" + maxRes + "," + tile));
        }
        p.add(iip("JTL smallest level", "FIF=" + name + "&JTL=0,0"));
        p.add(iip("CVT WID=700", "FIF=" + name + "&WID=700&CVT=jpeg"));
        p.add(iip("CVT region 1024x768 unresized", "FIF=" + name + "&RGN=0,0,1,1&CVT=jpeg"));
        p.add(path("IIIF region", "/iiif/" + name + "/256,256,512,512/max/0/default.jpg", Expect.IMAGE));
        return p;
    }

    static Probe iip(String label, String query) {
        return iip(label, query, Expect.IMAGE);
    }

    static Probe iip(String label, String query, Expect e) {
        return new Probe(label, new RawHttp.Request("GET", QueryMutator.IIP_PATH + "?" + query, null), e);
    }

    static Probe path(String label, String target) {
        return path(label, target, Expect.IMAGE);
    }

    static Probe path(String label, String target, Expect e) {
        return new Probe(label, new RawHttp.Request("GET", target, null), e);
    }

    static String example(Damage.Variant v, String name, Probe p, RawHttp.Reply r) {
        String got = r == null ? "(no reply)"
                : r.status() + " " + r.contentType() + " " + r.body().length + " bytes in "
                        + String.format(Locale.ROOT, "%.0f", r.millis()) + " ms: " + ReplyChecks.excerpt(r.body(), 120);
        return name + ": " + v.description() + "\n   " + p.request().show() + "\n   -> " + got;
    }

    /** The undamaged files: 1024x768, 256x256 tiles (TIFF: 3 levels; JP2: 5 resolutions). */
    static List<Base> bases(List<String> kinds) throws IOException {
        Path dir = OUT.resolve("damaged-bases");
        Files.createDirectories(dir);
        List<Base> out = new ArrayList<>();
        for (String kind : kinds) {
            Path f = dir.resolve("base-" + kind + (kind.startsWith("jp2") ? ".jp2" : ".tif"));
            if (!Files.isRegularFile(f)) {
                Path tmp = dir.resolve("." + f.getFileName() + ".tmp");
                switch (kind) {
                    case "jpeg" -> TiffWriter.builder().size(1024, 768).tile(256, 256).channels(3)
                            .compression(TiffWriter.Compression.JPEG).photometric(TiffWriter.Photometric.YCBCR_JPEG)
                            .pixels(TestImages::rgb).write(tmp);
                    case "deflate" -> TiffWriter.builder().size(1024, 768).tile(256, 256).channels(3)
                            .compression(TiffWriter.Compression.DEFLATE).predictor(2)
                            .photometric(TiffWriter.Photometric.RGB).pixels(TestImages::rgb).write(tmp);
                    case "lzw" -> TiffWriter.builder().size(1024, 768).tile(256, 256).channels(3)
                            .compression(TiffWriter.Compression.LZW).photometric(TiffWriter.Photometric.RGB)
                            .pixels(TestImages::rgb).write(tmp);
                    case "jp2-tiled" -> Jp2Writer.builder().size(1024, 768).channels(3).levels(4).rate(2.0)
                            .tiling(256, 256).pixels(TestImages::rgb).write(tmp);
                    case "jp2-untiled" -> Jp2Writer.builder().size(1024, 768).channels(3).levels(4).rate(2.0)
                            .pixels(TestImages::rgb).write(tmp);
                    default -> throw new IllegalArgumentException("unknown kind " + kind);
                }
                Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING);
            }
            out.add(new Base(kind, kind.startsWith("jp2") ? "jp2" : "tif", Files.readAllBytes(f)));
        }
        return out;
    }
}

package io.github.iipservlet.testsupport;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * The model of {@link ViewerTraffic}: the tile requests OpenSeadragon makes while people look at
 * the 8192x6144 benchmark images, computed without a server.
 *
 * <p>Viewport 1280x800 screen pixels, 256x256 tiles. Viewer v shows combination v mod 6 of
 * {IIIF, DeepZoom} x {big.tif, big_deflate.tif, big.jp2} ({@link #COMBINATIONS}). Each of its
 * sessions picks a random point of interest (seeded) and goes through these viewports: fitted
 * (the whole image at min(1280/W, 800/H)); zoom in x2 and x2 again keeping the point where it is
 * on the screen (a scroll-wheel zoom); four pans by half a viewport (right, right, down, left);
 * zoom out x2 about the view's centre; zoom out x2 to the fitted view again. The view's centre is
 * kept inside the image (OpenSeadragon's constraints keep part of the image on the screen).
 *
 * <p>For a viewport at display scale d: the tiles of the level OpenSeadragon draws (the smallest
 * level whose scale is at least d, full resolution at most) that intersect the viewport, after the
 * tiles of the level below it (half the resolution; drawn first, as a placeholder). Levels are
 * W, ceil(W/2), ... down to 256 or less wide (as both servers make them for these images). A
 * session never asks twice for a tile (OpenSeadragon's tile cache); the next session starts with
 * an empty cache. A viewport that needs no new tile is not written.
 *
 * <p>URL forms, those of OpenSeadragon 6.1 (the viewer in this webapp) for a non-level-0 IIIF
 * service with 256 tiles and for a DZI with TileSize 256, Overlap 0 (what both servers give):
 * {@code IIIF=big.tif/X,Y,W,H/SW,SH/0/default.jpg} (region in full-resolution pixels clipped to
 * the image, size the tile's pixels at its level; {@code full} as the region of the one tile of
 * the smallest level) and {@code DeepZoom=big.tif_files/L/C_R.jpg} (L from 0 = 1x1 to
 * ceil(log2(max(W,H))) = full resolution).
 */
final class ViewerSessions {
    static final int WIDTH = 8192;
    static final int HEIGHT = 6144;
    static final int VIEW_W = 1280;
    static final int VIEW_H = 800;
    static final int TILE = 256;
    static final int VIEWERS = 16;
    /** Protocol and image of each combination, in the order viewer v mod 6 picks them. */
    static final String[][] COMBINATIONS = {
        {"iiif", "big.tif"}, {"deepzoom", "big.tif"},
        {"iiif", "big_deflate.tif"}, {"deepzoom", "big_deflate.tif"},
        {"iiif", "big.jp2"}, {"deepzoom", "big.jp2"}};

    /** One viewport's new tiles, as query strings. */
    record Viewport(int viewer, int session, int index, String protocol, String image, List<String> queries) {
    }

    /** Index of the coarsest level: level k is the image at 1/2^k. */
    static final int COARSEST = coarsest();

    private ViewerSessions() {
    }

    private static int coarsest() {
        int k = 0;
        while (levelSize(Math.max(WIDTH, HEIGHT), k) > TILE) {
            k++;
        }
        return k;
    }

    static int levelSize(int full, int k) {
        return (int) Math.ceil(full / Math.pow(2, k));
    }

    /** All viewports of all viewers, viewer by viewer, sessions in order. */
    static List<Viewport> record(long seed, int sessions) {
        Random random = new Random(seed);
        List<Viewport> all = new ArrayList<>();
        for (int v = 0; v < VIEWERS; v++) {
            String[] combination = COMBINATIONS[v % COMBINATIONS.length];
            for (int s = 0; s < sessions; s++) {
                double px = random.nextDouble() * WIDTH;
                double py = random.nextDouble() * HEIGHT;
                all.addAll(session(v, s, combination, px, py));
            }
        }
        return all;
    }

    /** One session's viewports around the point (px, py), with a fresh tile cache. */
    private static List<Viewport> session(int viewer, int session, String[] combination, double px, double py) {
        Set<String> cache = new HashSet<>();
        List<Viewport> out = new ArrayList<>();
        for (double[] view : views(px, py)) {
            List<String> tiles = new ArrayList<>();
            for (String q : tiles(combination, view[0], view[1], view[2])) {
                if (cache.add(q)) {
                    tiles.add(q);
                }
            }
            if (!tiles.isEmpty()) {
                out.add(new Viewport(viewer, session, out.size() + 1, combination[0], combination[1], tiles));
            }
        }
        return out;
    }

    /** The session's views as {scale, centre x, centre y} in full-resolution pixels. */
    static List<double[]> views(double px, double py) {
        double fitted = Math.min((double) VIEW_W / WIDTH, (double) VIEW_H / HEIGHT);
        List<double[]> views = new ArrayList<>();
        double[] view = {fitted, WIDTH / 2.0, HEIGHT / 2.0};
        views.add(view);
        for (int i = 0; i < 2; i++) {
            // Zooming about a point keeps it on the same screen pixel: the centre moves halfway to it.
            view = clamp(view[0] * 2, px + (view[1] - px) / 2, py + (view[2] - py) / 2);
            views.add(view);
        }
        int[][] pans = {{1, 0}, {1, 0}, {0, 1}, {-1, 0}};
        for (int[] pan : pans) {
            view = clamp(view[0], view[1] + pan[0] * VIEW_W / 2.0 / view[0], view[2] + pan[1] * VIEW_H / 2.0 / view[0]);
            views.add(view);
        }
        views.add(clamp(view[0] / 2, view[1], view[2]));
        views.add(views.get(0));
        return views;
    }

    private static double[] clamp(double scale, double cx, double cy) {
        return new double[] {scale, Math.max(0, Math.min(WIDTH, cx)), Math.max(0, Math.min(HEIGHT, cy))};
    }

    /** The tiles of one view: the level below the drawn one first, then the drawn one. */
    static List<String> tiles(String[] combination, double scale, double cx, double cy) {
        int k = drawnLevel(scale);
        double halfW = VIEW_W / 2.0 / scale;
        double halfH = VIEW_H / 2.0 / scale;
        List<String> out = new ArrayList<>();
        if (k < COARSEST) {
            addLevel(out, combination, k + 1, cx - halfW, cy - halfH, cx + halfW, cy + halfH);
        }
        addLevel(out, combination, k, cx - halfW, cy - halfH, cx + halfW, cy + halfH);
        return out;
    }

    /** The smallest level whose scale 1/2^k is at least the display scale (full resolution at most). */
    static int drawnLevel(double scale) {
        int k = COARSEST;
        while (k > 0 && Math.pow(0.5, k) < scale) {
            k--;
        }
        return k;
    }

    /** Adds, row by row, the tiles of level k intersecting the full-resolution rectangle. */
    private static void addLevel(List<String> out, String[] combination, int k,
            double x0, double y0, double x1, double y1) {
        double span = TILE * Math.pow(2, k); // a tile's side in full-resolution pixels
        int cols = (int) Math.ceil(levelSize(WIDTH, k) / (double) TILE);
        int rows = (int) Math.ceil(levelSize(HEIGHT, k) / (double) TILE);
        int c0 = Math.max(0, (int) Math.floor(x0 / span));
        int c1 = Math.min(cols - 1, (int) Math.ceil(x1 / span) - 1);
        int r0 = Math.max(0, (int) Math.floor(y0 / span));
        int r1 = Math.min(rows - 1, (int) Math.ceil(y1 / span) - 1);
        for (int r = r0; r <= r1; r++) {
            for (int c = c0; c <= c1; c++) {
                out.add(combination[0].equals("iiif") ? iiif(combination[1], k, c, r) : deepZoom(combination[1], k, c, r));
            }
        }
    }

    /** OpenSeadragon's IIIF tile URL (Image API 2 and 3 give the same for these images). */
    static String iiif(String image, int k, int c, int r) {
        int span = TILE << k;
        int x = c * span;
        int y = r * span;
        int w = Math.min(span, WIDTH - x);
        int h = Math.min(span, HEIGHT - y);
        String region = w == WIDTH && h == HEIGHT ? "full" : x + "," + y + "," + w + "," + h;
        int sw = Math.min(TILE, levelSize(WIDTH, k) - c * TILE);
        int sh = Math.min(TILE, levelSize(HEIGHT, k) - r * TILE);
        return "IIIF=" + image + "/" + region + "/" + sw + "," + sh + "/0/default.jpg";
    }

    static String deepZoom(String image, int k, int c, int r) {
        int top = 32 - Integer.numberOfLeadingZeros(Math.max(WIDTH, HEIGHT) - 1); // ceil(log2(max))
        return "DeepZoom=" + image + "_files/" + (top - k) + "/" + c + "_" + r + ".jpg";
    }

    /** Writes the session file: a header comment, then per viewport a V line and its queries. */
    static void write(List<Viewport> viewports, long seed, int sessions, PrintWriter out) throws IOException {
        out.println("# ViewerTraffic session file: seed " + seed + ", " + VIEWERS + " viewers, " + sessions
            + " sessions each, viewport " + VIEW_W + "x" + VIEW_H + ", tiles " + TILE);
        out.println("# V <viewer> <session> <viewport> <protocol> <image>, then one query string per tile");
        for (Viewport v : viewports) {
            out.println("V " + v.viewer() + " " + v.session() + " " + v.index() + " " + v.protocol() + " " + v.image());
            v.queries().forEach(out::println);
        }
        if (out.checkError()) {
            throw new IOException("could not write the session file");
        }
    }
}

package io.github.iipservlet.image.jp2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.PixelBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The turns of JPEG2000 decodes: requests that wait while the decoder is busy are decoded
 * together when they lie next to each other, each getting exactly its own area; areas far apart,
 * or of another level, are decoded on their own; a failed batch leaves the other requests to
 * decode on their own. The decoder here paints every pixel with its coordinates, so a wrongly
 * cut area shows.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class AreaBatchesTest {
    /** A decoder whose first call waits for {@link #release}, recording the bounds of every call. */
    static final class Painter {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final List<int[]> calls = new ArrayList<>();
        /** Bounds wider than this fail, as a damaged file would. */
        int failWiderThan = Integer.MAX_VALUE;

        PixelBlock decode(int x, int y, int w, int h) throws ImageException {
            boolean first;
            synchronized (calls) {
                first = calls.isEmpty();
                calls.add(new int[] {x, y, w, h});
            }
            if (first) {
                started.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
            if (w > failWiderThan) {
                throw new ImageException(ImageException.Kind.CORRUPT, "damaged");
            }
            byte[] px = new byte[w * h * 2];
            for (int j = 0; j < h; j++) {
                for (int i = 0; i < w; i++) {
                    px[(j * w + i) * 2] = (byte) ((x + i) / 4);
                    px[(j * w + i) * 2 + 1] = (byte) ((y + j) / 4);
                }
            }
            return PixelBlock.ofBytes(w, h, 2, px);
        }
    }

    private static void assertPainted(int x, int y, int w, int h, PixelBlock got) {
        assertEquals(w + "x" + h, got.width + "x" + got.height);
        byte[] px = got.bytes();
        for (int j = 0; j < h; j += 7) {
            for (int i = 0; i < w; i += 7) {
                assertEquals((byte) ((x + i) / 4), px[(j * w + i) * 2], "x at " + i + "," + j);
                assertEquals((byte) ((y + j) / 4), px[(j * w + i) * 2 + 1], "y at " + i + "," + j);
            }
        }
    }

    /** Starts one decode that holds the only turn, then the areas, waiting until all are queued. */
    private static List<Future<PixelBlock>> queue(AreaBatches batches, Painter p, ExecutorService pool,
            AreaBatches.Key key, int[][] areas) throws Exception {
        List<Future<PixelBlock>> out = new ArrayList<>();
        out.add(pool.submit(() -> batches.decode(key, 4096, 4096, 256, 256, p::decode)));
        assertTrue(p.started.await(10, TimeUnit.SECONDS));
        for (int[] a : areas) {
            AreaBatches.Key k = a.length > 4 ? new AreaBatches.Key("other", a[4], 0) : key;
            out.add(pool.submit(() -> batches.decode(k, a[0], a[1], a[2], a[3], p::decode)));
        }
        while (batches.waitingCount() < areas.length) {
            Thread.sleep(5);
        }
        return out;
    }

    @Test
    void waitingNeighboursAreDecodedTogetherAndEachGetsItsOwnArea() throws Exception {
        AreaBatches batches = new AreaBatches(1);
        Painter p = new Painter();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            AreaBatches.Key key = new AreaBatches.Key("file", 0, 1);
            // A 3x2 viewport of 256x256 tiles, the last column 100 wide, asked for in any order.
            int[][] tiles = {{512, 256, 100, 256}, {0, 0, 256, 256}, {256, 256, 256, 256}, {256, 0, 256, 256},
                {0, 256, 256, 256}, {512, 0, 100, 256}};
            List<Future<PixelBlock>> replies = queue(batches, p, pool, key, tiles);
            p.release.countDown();
            for (int i = 0; i < tiles.length; i++) {
                int[] t = tiles[i];
                assertPainted(t[0], t[1], t[2], t[3], replies.get(i + 1).get());
            }
            assertPainted(4096, 4096, 256, 256, replies.get(0).get());
            assertEquals(2, p.calls.size(), "one call for the first tile, one for the six waiting");
            assertEquals("0,0,612,512", String.join(",", java.util.Arrays.stream(p.calls.get(1))
                    .mapToObj(String::valueOf).toArray(String[]::new)));
            assertEquals(2, batches.counts()[0]);
            assertEquals(7, batches.counts()[1]);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void areasFarApartOrOfAnotherLevelOrFileAreDecodedOnTheirOwn() throws Exception {
        AreaBatches batches = new AreaBatches(1);
        Painter p = new Painter();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            AreaBatches.Key key = new AreaBatches.Key("file", 0, 1);
            int[][] areas = {{0, 0, 256, 256}, {2048, 2048, 256, 256}, {256, 0, 256, 256, 0},
                {1024, 0, 1024, 1024}, {2048, 0, 1024, 1024}};
            List<Future<PixelBlock>> replies = queue(batches, p, pool, key, areas);
            p.release.countDown();
            for (int i = 0; i < areas.length; i++) {
                int[] a = areas[i];
                assertPainted(a[0], a[1], a[2], a[3], replies.get(i + 1).get());
            }
            // Far apart; another file's neighbour; two large areas whose bounds pass the limit.
            assertEquals(6, p.calls.size());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFailedBatchFailsItsFirstRequestAndTheOthersDecodeOnTheirOwn() throws Exception {
        AreaBatches batches = new AreaBatches(1);
        Painter p = new Painter();
        p.failWiderThan = 256;
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            AreaBatches.Key key = new AreaBatches.Key("file", 0, 1);
            int[][] tiles = {{0, 0, 256, 256}, {256, 0, 256, 256}, {512, 0, 256, 256}};
            List<Future<PixelBlock>> replies = queue(batches, p, pool, key, tiles);
            p.release.countDown();
            // The request whose turn it was fails (which one depends on the order they queued in).
            int failed = 0;
            for (int i = 0; i < tiles.length; i++) {
                try {
                    assertPainted(tiles[i][0], tiles[i][1], 256, 256, replies.get(i + 1).get());
                } catch (ExecutionException e) {
                    assertInstanceOf(ImageException.class, e.getCause());
                    failed++;
                }
            }
            assertEquals(1, failed);
            assertEquals(4, p.calls.size(), "the blocker, the failed batch, then two on their own");
        } finally {
            pool.shutdownNow();
        }
    }
}

package io.github.iipservlet.render;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.cache.TileStore;
import io.github.iipservlet.config.ServerConfig;
import io.github.iipservlet.encode.Encoders;
import io.github.iipservlet.encode.OutputFormat;
import io.github.iipservlet.image.FileSource;
import io.github.iipservlet.image.ImageStore;
import io.github.iipservlet.image.OpenImage;
import io.github.iipservlet.image.formats.ImageFormats;
import io.github.iipservlet.metrics.RenderTimes;
import io.github.iipservlet.parallel.Workers;
import io.github.iipservlet.process.Processing;
import io.github.iipservlet.testsupport.TestCodecs;
import io.github.iipservlet.testsupport.TiffWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class ViewRendererTest {

    /** Renders that each fit the budget, but not two at once, wait for each other and all finish. */
    @Test
    @Timeout(60)
    void rendersThatFitTheBudgetOneAtATimeWaitAndAllFinish(@TempDir Path dir) throws Exception {
        TiffWriter.builder().size(1000, 700).compression(TiffWriter.Compression.DEFLATE).predictor(2)
                .photometric(TiffWriter.Photometric.RGB).write(dir.resolve("a.tif"));
        ImageStore store = new ImageStore(new FileSource(dir + "/"), "", 10,
                new ImageFormats(null, TestCodecs.SHARED)::open, "_pyr_");
        View first;
        try (OpenImage img = store.open("a.tif")) {
            first = region(img, 80);
            long one = MemoryBudget.estimatedBytes(first, img.info(), 1);
            // Room for one render and a half.
            ViewRenderer renderer = renderer(one * 3 / 2);
            assertEquals(1, store.size());
            ExecutorService pool = Executors.newFixedThreadPool(6);
            try {
                List<Future<byte[]>> results = new ArrayList<>();
                for (int i = 0; i < 12; i++) {
                    int q = 80 + i % 2;
                    results.add(pool.submit(() -> {
                        try (OpenImage image = store.open("a.tif")) {
                            return renderer.render(region(image, q), image);
                        }
                    }));
                }
                for (int i = 2; i < results.size(); i++) {
                    assertArrayEquals(results.get(i % 2).get(30, TimeUnit.SECONDS), results.get(i).get(30,
                            TimeUnit.SECONDS));
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** A render larger than the whole budget is refused before it starts, not run until the heap runs out. */
    @Test
    void aRenderLargerThanTheWholeBudgetIsRefused(@TempDir Path dir) throws Exception {
        TiffWriter.builder().size(1000, 700).compression(TiffWriter.Compression.DEFLATE)
                .photometric(TiffWriter.Photometric.RGB).write(dir.resolve("a.tif"));
        ImageStore store = new ImageStore(new FileSource(dir + "/"), "", 10,
                new ImageFormats(null, TestCodecs.SHARED)::open, "_pyr_");
        try (OpenImage img = store.open("a.tif")) {
            View view = region(img, 80);
            long need = MemoryBudget.estimatedBytes(view, img.info(), 1);
            ViewRenderer renderer = renderer(need - (2 << 20));
            TooLargeToRender e = assertThrows(TooLargeToRender.class, () -> renderer.render(view, img));
            assertTrue(e.getMessage().startsWith("Too large to render here"), e.getMessage());
            assertEquals(0, renderer.renders());
            assertTrue(renderer(need + (1 << 20)).render(view, img).length > 0);
        }
    }

    private static View region(OpenImage img, int quality) {
        return View.region(img.cacheIdentity(), 0, 0, 0, 1000, 700, 900, 630, Processing.NONE, OutputFormat.JPEG,
                quality);
    }

    private static ViewRenderer renderer(long budgetBytes) {
        return new ViewRenderer(TileStore.NONE, new Encoders("t", TestCodecs.SHARED, 65536, ""),
                new ViewRenderer.Settings(true, true, 75, 0), new MemoryBudget(budgetBytes), Workers.SERIAL, null,
                RenderTimes.NONE, OutputFingerprint.of(ServerConfig.defaults(), "t", "none"));
    }

    /** iipsrv's View::getLayers (docs/protocols.md 3.9): MAX_LAYERS against LYR. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({
        "0,0,0", "0,3,3", "0,-1,-1", "4,0,4", "4,2,2", "4,4,4", "4,9,4", "4,-1,4", "-1,0,-1", "-1,2,2"})
    void layerValueFollowsMaxLayersThenLyr(int maxLayers, int lyr, int expected) {
        assertEquals(expected, ViewRenderer.layerValue(maxLayers, lyr));
    }

    @Test
    void layersEnterTheCacheKeyOnlyWhenGiven() {
        View v = View.tile("img@1", 0, 3, Processing.NONE, OutputFormat.JPEG, 75);
        assertEquals(v.key(), v.withLayers(0).key());
        org.junit.jupiter.api.Assertions.assertNotEquals(v.key(), v.withLayers(2).key());
        org.junit.jupiter.api.Assertions.assertNotEquals(v.withLayers(1).key(), v.withLayers(2).key());
    }
}

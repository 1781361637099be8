package io.github.iipservlet.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The context's native codecs: pooled within bounds, shrinking when idle, all freed on close. */
class NativeCodecsTest {

    @Test
    void closingANativeImageTwiceGivesItsMemoryBackOnce() {
        assumeTrue(TurboJpeg.available());
        try (NativeCodecs codecs = new NativeCodecs()) {
            NativeImage a = codecs.image(16, 16, 3);
            a.close();
            a.close();
            try (NativeImage b = codecs.image(16, 16, 3); NativeImage c = codecs.image(16, 16, 3)) {
                b.pixels().put(0, (byte) 1);
                c.pixels().put(0, (byte) 2);
                assertEquals(1, b.pixels().get(0), "two open images share one buffer");
            }
            assertThrows(IllegalStateException.class, a::pixels);
        }
    }

    /** Many requests at once each hold a handle; afterwards only a bounded number stays. */
    @Test
    void idleHandlesAndMemoryAreBoundedShrinkAndAreFreedOnClose() throws Exception {
        assumeTrue(TurboJpeg.available());
        NativeCodecs codecs = new NativeCodecs();
        TurboJpeg turbo = codecs.turboJpeg();
        byte[] rgb = new byte[256 * 256 * 3];
        Arrays.fill(rgb, (byte) 40);
        byte[] jpeg = turbo.encode(rgb, 256, 256, 3, 80);
        int threads = NativeCodecs.MAX_IDLE + 16;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch together = new CountDownLatch(threads);
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            done.add(pool.submit(() -> {
                // Each thread holds an image while it decodes, so all are out at once.
                try (NativeImage image = codecs.image(512, 512, 3)) {
                    together.countDown();
                    together.await(10, TimeUnit.SECONDS);
                    turbo.decodeRect(new byte[] {(byte) 0xFF, (byte) 0xD8}, jpeg, 256, 256, 0, 0, 256, 256, image, 0,
                            0);
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get(30, TimeUnit.SECONDS);
        }
        pool.shutdown();
        NativeCodecs.Stats stats = codecs.stats();
        // Decoders within their bound, and the one encoder the test used.
        assertTrue(stats.handles() <= NativeCodecs.MAX_IDLE + 1, "handles kept: " + stats);
        assertTrue(stats.bytes() <= 3 * NativeCodecs.MAX_IDLE_BYTES, "native bytes kept: " + stats);
        assertNotEquals(0, stats.bytes());

        codecs.trim(0);
        assertEquals(new NativeCodecs.Stats(0, 0, 0), codecs.stats(), "idle resources left after trimming");

        try (NativeImage open = codecs.image(64, 64, 3)) {
            turbo.decode(jpeg, 256, 256);
            codecs.close();
            assertEquals(0, codecs.stats().handles());
            assertEquals(64 * 1024, codecs.stats().bytes(), "only the image still open holds memory");
        }
        assertEquals(new NativeCodecs.Stats(0, 0, 0), codecs.stats(), "memory given back after close is freed");
    }
}

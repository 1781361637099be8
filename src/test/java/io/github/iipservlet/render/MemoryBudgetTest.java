package io.github.iipservlet.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.testsupport.Http;
import io.github.iipservlet.testsupport.TiffWriter;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The memory budget against a real heap: a server in its own JVM at -Xmx192m (renders may hold
 * 96 MB) gets a render that cannot fit, which is refused up front, and renders that fit, which
 * complete, several at once; no OutOfMemoryError is ever met. The refused request used to be run
 * "alone" and meet the heap's end (503, "retry later", for a request that could never work).
 */
class MemoryBudgetTest {

    @Test
    @Timeout(180)
    void aRenderTheHeapCannotHoldIsRefusedAndTheOthersComplete(@TempDir Path dir) throws Exception {
        // One level only, so every region is read from the full 4000x3000 image.
        TiffWriter.builder().size(4000, 3000).levels(1).photometric(TiffWriter.Photometric.RGB)
                .pixels((x, y, c) -> (x * 7 + y * 3 + c * 50) & 255).write(dir.resolve("big.tif"));
        Path log = dir.resolve("server.log");
        Process server = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx192m", "-cp", System.getProperty("java.class.path"),
                "io.github.iipservlet.testsupport.TestServer", "0", "FILESYSTEM_PREFIX=" + dir + "/",
                "MAX_IMAGE_CACHE_SIZE=0").redirectErrorStream(true).start();
        try {
            String url = awaitUrl(server, log);
            // A convolution needs a float frame of the whole 12-megapixel image: about 190 MB in all.
            Http.Reply refused = Http.get(url + "?FIF=big.tif&WID=3000&CTW=[1,1,1;1,1,1;1,1,1]&CNV=sobel&CVT=png");
            assertEquals(400, refused.status(), refused.text());
            assertTrue(refused.text().startsWith("Too large to render here"), refused.text());
            // A quarter of it fits, and so does a plain full-size reduction; three of each at once.
            Thread[] clients = new Thread[6];
            int[] statuses = new int[clients.length];
            for (int i = 0; i < clients.length; i++) {
                int n = i;
                String q = n % 2 == 0 ? "FIF=big.tif&RGN=0,0,0.5,0.5&WID=2000&CTW=[1,1,1;1,1,1;1,1,1]&CNV=sobel&CVT=png"
                        : "FIF=big.tif&WID=2000&ROT=90&CVT=png";
                clients[i] = new Thread(() -> {
                    try {
                        statuses[n] = Http.get(url + "?" + q + "&QLT=" + n).status();
                    } catch (Exception e) {
                        statuses[n] = -1;
                    }
                });
                clients[i].start();
            }
            for (Thread t : clients) {
                t.join(120_000);
            }
            for (int i = 0; i < statuses.length; i++) {
                assertEquals(200, statuses[i], "client " + i);
            }
        } finally {
            server.destroy();
            server.waitFor(10, TimeUnit.SECONDS);
        }
        String output = Files.readString(log);
        assertFalse(output.contains("OutOfMemoryError") || output.contains("out of memory"), output);
    }

    /** Copies the server's output to {@code log} and returns its IIP URL once it listens. */
    private static String awaitUrl(Process server, Path log) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(),
                StandardCharsets.UTF_8));
        Pattern listening = Pattern.compile("listening (http://\\S+)");
        String line;
        while ((line = out.readLine()) != null) {
            Files.writeString(log, line + "\n", java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
            Matcher m = listening.matcher(line);
            if (m.find()) {
                Thread copier = new Thread(() -> {
                    try {
                        String l;
                        while ((l = out.readLine()) != null) {
                            Files.writeString(log, l + "\n", java.nio.file.StandardOpenOption.APPEND);
                        }
                    } catch (java.io.IOException e) {
                        // the server stopped
                    }
                });
                copier.setDaemon(true);
                copier.start();
                return m.group(1);
            }
        }
        throw new AssertionError("the server did not start: " + Files.readString(log));
    }
}

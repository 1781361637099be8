package io.github.iipservlet.image.remote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.testsupport.Http;
import io.github.iipservlet.testsupport.S3ProxyServer;
import io.github.iipservlet.testsupport.TestServer;
import io.github.iipservlet.testsupport.TiffWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Images in an S3 bucket (FILESYSTEM_PREFIX {@code s3://...}; docs/operations.md "Object storage"):
 * a real S3 API (s3proxy: SigV4, ranges, ListObjectsV2) holding objects uploaded with the AWS SDK,
 * credentials from the SDK's default chain (here its system properties), against the same images
 * from local files.
 */
@Tag("external")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class S3SourceTest {
    @TempDir
    static Path images;
    S3ProxyServer s3;
    S3Client client;
    TestServer local;
    TestServer remote;
    private final Map<String, String> savedProperties = new HashMap<>();

    @BeforeAll
    void start() throws Exception {
        RemoteSourceChecks.writeImages(images);
        TiffWriter.builder().size(300, 200).compression(TiffWriter.Compression.DEFLATE)
                .photometric(TiffWriter.Photometric.RGB).write(images.resolve(TiffWriter.sequenceName("seq", "_pyr_", 0, 90, "tif")));
        TiffWriter.builder().size(300, 200).compression(TiffWriter.Compression.DEFLATE)
                .photometric(TiffWriter.Photometric.RGB).write(images.resolve(TiffWriter.sequenceName("seq", "_pyr_", 10, 90, "tif")));
        s3 = new S3ProxyServer(null, 0, true);
        s3.bucketDir("images");
        client = S3Client.builder().endpointOverride(s3.endpoint()).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(s3.identity(), s3.credential())))
                .httpClient(UrlConnectionHttpClient.create())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED).build();
        try (Stream<Path> files = Files.walk(images)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                String key = "collection/" + images.relativize(f).toString().replace('\\', '/');
                client.putObject(b -> b.bucket("images").key(key), RequestBody.fromFile(f));
            }
        }
        // The SDK's default chain: its system properties, as -Daws.accessKeyId would give them.
        for (String[] p : new String[][] {{"aws.accessKeyId", s3.identity()}, {"aws.secretAccessKey", s3.credential()}}) {
            savedProperties.put(p[0], System.getProperty(p[0]));
            System.setProperty(p[0], p[1]);
        }
        local = TestServer.start(Map.of("FILESYSTEM_PREFIX", images + "/", "MAX_IMAGE_CACHE_SIZE", "0"));
        remote = TestServer.start(s3Settings("s3://images/collection/", Map.of("MAX_IMAGE_CACHE_SIZE", "0",
                "REMOTE_CACHE_DIR", images.resolve(".cache").toString())));
    }

    private Map<String, String> s3Settings(String prefix, Map<String, String> more) {
        Map<String, String> m = new HashMap<>(more);
        m.put("FILESYSTEM_PREFIX", prefix);
        m.put("S3_ENDPOINT", s3.endpoint().toString());
        m.put("S3_REGION", "us-east-1");
        m.put("S3_PATH_STYLE", "1");
        return m;
    }

    @AfterAll
    void stop() throws Exception {
        for (Map.Entry<String, String> p : savedProperties.entrySet()) {
            if (p.getValue() == null) {
                System.clearProperty(p.getKey());
            } else {
                System.setProperty(p.getKey(), p.getValue());
            }
        }
        for (AutoCloseable c : new AutoCloseable[] {remote, local, client, s3}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    void everyProtocolAnswersAsFromLocalFiles() throws Exception {
        RemoteSourceChecks.sameAsLocal(local, remote);
    }

    @Test
    void anUncachedTileCostsOneRangedGet() throws Exception {
        String iip = remote.iipUrl() + "?FIF=jpeg.tif";
        assertEquals(200, Http.get(iip + "&OBJ=Max-size").status());
        s3.resetRequests();
        for (int tile = 40; tile < 44; tile++) {
            Http.Reply r = Http.get(iip + "&JTL=3," + tile);
            assertEquals(200, r.status());
            assertArrayEquals(Http.get(local.iipUrl() + "?FIF=jpeg.tif&JTL=3," + tile).body(), r.body());
        }
        assertEquals(4, s3.requests("GET"));
        assertEquals(4, s3.requests());
    }

    @Test
    void aColdImageCostsAFewRequests() throws Exception {
        client.putObject(b -> b.bucket("images").key("collection/cold.tif"), RequestBody.fromFile(images.resolve("jpeg.tif")));
        s3.resetRequests();
        assertEquals(200, Http.get(remote.baseUrl() + "/iiif/cold.tif/info.json").status());
        long cold = s3.requests();
        System.out.println("cold info.json of a 2000x1500 JPEG TIFF: " + cold + " requests");
        assertTrue(cold >= 1 && cold <= 8, "requests for a cold info.json: " + cold);
        s3.resetRequests();
        assertEquals(200, Http.get(remote.baseUrl() + "/iiif/cold.tif/info.json").status());
        assertEquals(0, s3.requests());
    }

    @Test
    void theBucketIsListedAndSequencesFound() throws Exception {
        String top = Http.get(remote.baseUrl() + "/list/").text();
        assertTrue(top.contains("{\"name\":\"sub\",\"id\":\"sub/\",\"folder\":true}"), top);
        assertTrue(top.contains("\"id\":\"jpeg.tif\",\"folder\":false,\"width\":2000,\"height\":1500,"), top);
        assertTrue(top.contains("\"id\":\"rgb.jp2\",\"folder\":false,\"width\":700,\"height\":500,"), top);
        assertEquals(Http.get(local.baseUrl() + "/list/sub/").text(), Http.get(remote.baseUrl() + "/list/sub/").text());
        assertEquals("Horizontal-views:0 10\r\n",
                Http.get(remote.iipUrl() + "?FIF=seq&OBJ=Horizontal-views").text());
        // A bucket has no folders of its own: a prefix nothing starts with is a missing folder.
        assertEquals(404, Http.get(remote.baseUrl() + "/list/nothing/").status());
    }

    @Test
    void wrongCredentialsOrBucketAreNotFoundNamingNothing() throws Exception {
        try (TestServer other = TestServer.start(s3Settings("s3://no-such-bucket/", Map.of()))) {
            Http.Reply r = Http.get(other.iipUrl() + "?FIF=jpeg.tif&OBJ=Max-size");
            assertEquals(404, r.status());
            assertFalse(r.text().contains("no-such-bucket"), r.text());
            Http.Reply iiif = Http.get(other.baseUrl() + "/iiif/jpeg.tif/info.json");
            assertEquals(404, iiif.status());
            assertFalse(iiif.text().contains("bucket") || iiif.text().contains("127.0.0.1"), iiif.text());
        }
    }

    @Test
    void aStoppedStoreIsA503AndThenServesAgain() throws Exception {
        try (TestServer s = TestServer.start(s3Settings("s3://images/collection/", Map.of("MAX_IMAGE_CACHE_SIZE", "0",
                "REMOTE_TIMEOUT", "3")))) {
            // Tiles far into the file: those in its first 64 KB came with the image's first request.
            String tile = s.iipUrl() + "?FIF=jpeg.tif&JTL=3,";
            assertEquals(200, Http.get(tile + "40").status());
            s3.stop();
            try {
                for (int t = 41; t < 46; t++) {
                    long start = System.nanoTime();
                    Http.Reply r = Http.get(tile + t);
                    long ms = (System.nanoTime() - start) / 1_000_000;
                    assertEquals(503, r.status(), r.text());
                    assertTrue(r.header("Retry-After") != null);
                    assertTrue(ms < 3000, "a 503 took " + ms + " ms");
                }
                assertTrue(s.health().contains("\"reachable\":false"));
            } finally {
                s3.start();
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            int status = 0;
            while (System.nanoTime() < deadline && (status = Http.get(tile + "43").status()) != 200) {
                Thread.sleep(200);
            }
            assertEquals(200, status);
            assertArrayEquals(Http.get(local.iipUrl() + "?FIF=jpeg.tif&JTL=3,43").body(), Http.get(tile + "43").body());
            assertTrue(List.of(s.health()).get(0).contains("\"reachable\":true"));
        }
    }
}

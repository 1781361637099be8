package io.github.iipservlet.testsupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * s3proxy as {@link S3ProxyServer} runs it, through the AWS SDK v2 the way an S3 image source uses
 * it: path-style, us-east-1, the JDK's URLConnection client. Needs the s3proxy jar (the
 * {@code external} profile copies it and sets {@code s3proxy.jar}).
 */
@Tag("external")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class S3ProxyServerTest {
    private S3ProxyServer s3;
    private S3Client client;
    private final byte[] data = new byte[300_000];

    @BeforeAll
    void start() throws Exception {
        new Random(11).nextBytes(data);
        s3 = new S3ProxyServer(null, 0, true);
        client = S3Client.builder()
                .endpointOverride(s3.endpoint())
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(s3.identity(), s3.credential())))
                .httpClient(UrlConnectionHttpClient.create())
                // Uploads only: the SDK's default CRC32 trailer on PutObject (aws-chunked) is
                // refused by s3proxy 2.6.0 as a content-sha256 mismatch. GetObject keeps the
                // default (WHEN_SUPPORTED), as an image source would.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .build();
    }

    @AfterAll
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    @Test
    void putHeadAndRangedGet() throws Exception {
        s3.bucketDir("images");
        client.putObject(b -> b.bucket("images").key("put/image.tif"), RequestBody.fromBytes(data));
        assertTrue(Files.isRegularFile(s3.basedir().resolve("images/put/image.tif")), "an object is a file");

        HeadObjectResponse head = client.headObject(b -> b.bucket("images").key("put/image.tif"));
        assertEquals(data.length, head.contentLength());
        assertNotNull(head.eTag(), "an uploaded object has an ETag");
        assertNotNull(head.lastModified());

        ResponseBytes<GetObjectResponse> part = client.getObjectAsBytes(b -> b.bucket("images").key("put/image.tif")
                .range("bytes=1000-1999"));
        assertEquals(206, part.response().sdkHttpResponse().statusCode());
        assertEquals("bytes 1000-1999/300000", part.response().contentRange());
        assertEquals(1000, part.response().contentLength());
        assertArrayEquals(Arrays.copyOfRange(data, 1000, 2000), part.asByteArray());
        assertEquals(head.eTag(), part.response().eTag());

        ResponseBytes<GetObjectResponse> last = client.getObjectAsBytes(b -> b.bucket("images").key("put/image.tif")
                .range("bytes=299990-400000"));
        assertEquals(206, last.response().sdkHttpResponse().statusCode());
        assertArrayEquals(Arrays.copyOfRange(data, 299990, 300000), last.asByteArray());

        S3Exception past = assertThrows(S3Exception.class, () -> client.getObjectAsBytes(b -> b.bucket("images")
                .key("put/image.tif").range("bytes=400000-400010")));
        assertEquals(416, past.statusCode());
        assertThrows(NoSuchKeyException.class, () -> client.headObject(b -> b.bucket("images").key("missing.tif")));
    }

    @Test
    void filesPlacedInTheFolderAreObjects() throws Exception {
        Path source = Files.createTempFile("placed", ".tif");
        Files.write(source, data);
        s3.put("placed", "a/b/linked.tif", source);
        s3.put("placed", "bytes.tif", Arrays.copyOf(data, 5000));
        HeadObjectResponse head = client.headObject(b -> b.bucket("placed").key("a/b/linked.tif"));
        assertEquals(data.length, head.contentLength());
        assertNotNull(head.eTag(), "put() writes the MD5 jclouds serves as ETag");
        ResponseBytes<GetObjectResponse> part = client.getObjectAsBytes(b -> b.bucket("placed").key("bytes.tif")
                .range("bytes=10-19"));
        assertArrayEquals(Arrays.copyOfRange(data, 10, 20), part.asByteArray());

        // A file copied in by hand is an object too, but without an ETag (no attribute): real S3 always has one.
        Files.write(s3.bucketDir("placed").resolve("by-hand.bin"), Arrays.copyOf(data, 100));
        HeadObjectResponse byHand = client.headObject(b -> b.bucket("placed").key("by-hand.bin"));
        assertEquals(100, byHand.contentLength());
        System.out.println("ETag of a file placed without put(): " + byHand.eTag());
    }

    @Test
    void listsWithADelimiter() throws Exception {
        for (String key : List.of("top.tif", "a/1.tif", "a/2.tif", "b/c/3.tif")) {
            s3.put("listed", key, Arrays.copyOf(data, 10));
        }
        ListObjectsV2Response root = client.listObjectsV2(b -> b.bucket("listed").delimiter("/"));
        assertEquals(List.of("top.tif"), root.contents().stream().map(S3Object::key).collect(Collectors.toList()));
        assertEquals(List.of("a/", "b/"),
                root.commonPrefixes().stream().map(CommonPrefix::prefix).sorted().collect(Collectors.toList()));
        ListObjectsV2Response a = client.listObjectsV2(b -> b.bucket("listed").prefix("a/").delimiter("/"));
        assertEquals(List.of("a/1.tif", "a/2.tif"),
                a.contents().stream().map(S3Object::key).sorted().collect(Collectors.toList()));
        assertEquals(10L, a.contents().get(0).size());
    }

    @Test
    void countsRequestsAndRestartsOnTheSamePort() throws Exception {
        s3.put("restart", "x.bin", data);
        s3.resetRequests();
        client.headObject(b -> b.bucket("restart").key("x.bin"));
        client.getObjectAsBytes(b -> b.bucket("restart").key("x.bin").range("bytes=0-9"));
        client.getObjectAsBytes(b -> b.bucket("restart").key("x.bin").range("bytes=10-19"));
        assertEquals(3, s3.requests());
        assertEquals(2, s3.requests("GET"));
        assertEquals(1, s3.requests("HEAD"));

        String endpoint = s3.endpoint().toString();
        s3.stop();
        assertFalse(s3.isRunning());
        assertThrows(SdkClientException.class, () -> client.headObject(b -> b.bucket("restart").key("x.bin")));
        long t0 = System.nanoTime();
        s3.start();
        System.out.printf("s3proxy restarted in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        assertTrue(s3.isRunning());
        assertEquals(endpoint, s3.endpoint().toString());
        ResponseBytes<GetObjectResponse> again = client.getObjectAsBytes(b -> b.bucket("restart").key("x.bin")
                .range("bytes=5-14"));
        assertArrayEquals(Arrays.copyOfRange(data, 5, 15), again.asByteArray());
        assertEquals(4, s3.requests(), "the log and its count go on across a restart");
    }

    @Test
    void aMissingJarIsAClearError() {
        String saved = System.getProperty(S3ProxyServer.JAR_PROPERTY);
        try {
            System.clearProperty(S3ProxyServer.JAR_PROPERTY);
            IllegalStateException e = assertThrows(IllegalStateException.class, S3ProxyServer::new);
            assertTrue(e.getMessage().contains("-Pexternal"), e.getMessage());
            System.setProperty(S3ProxyServer.JAR_PROPERTY, "/nonexistent/s3proxy.jar");
            e = assertThrows(IllegalStateException.class, S3ProxyServer::new);
            assertTrue(e.getMessage().contains("/nonexistent/s3proxy.jar"), e.getMessage());
        } finally {
            if (saved == null) {
                System.clearProperty(S3ProxyServer.JAR_PROPERTY);
            } else {
                System.setProperty(S3ProxyServer.JAR_PROPERTY, saved);
            }
        }
    }
}

package io.github.iipservlet.containers;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.testsupport.Http;
import io.github.iipservlet.testsupport.S3ProxyServer;
import io.github.iipservlet.testsupport.TestServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The WAR's deployment cycle ({@link DeploymentCycle}) in Tomcat with its images in an S3 bucket
 * (docs/operations.md "Object storage"). s3proxy ({@link S3ProxyServer}, its jar copied by the
 * containers profile) holds {@link ServedProtocols}' images, uploaded with the AWS SDK; the context
 * file names the bucket ({@value #PREFIX}), S3_ENDPOINT, S3_REGION and S3_PATH_STYLE=1; the
 * credentials reach the webapp only as AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the
 * environment of the Tomcat process, for the AWS SDK's default chain, never in a file or a system
 * property. So every protocol the other containers serve from a folder is served from the bucket,
 * and each undeploy must unload every class of the WAR, the SDK's included, after an S3 client
 * served. Besides, while deployed: the same bytes as the embedded {@link TestServer} serving the
 * same files from the local folder, {@code /list/} listing the bucket, {@code /health} showing the
 * S3 source; and, once undeployed twice, the secret key in no file of the Tomcat base (its logs,
 * the webapp's log, the configuration, the work files).
 */
abstract class S3DeploymentCycle extends DeploymentCycle {
    static final String BUCKET = "images";
    /** FILESYSTEM_PREFIX: the bucket and a key prefix, as a collection in a shared bucket would be. */
    static final String PREFIX = "s3://" + BUCKET + "/collection/";
    /**
     * Compared byte for byte with the local folder's replies (relative to the webapp): IIP OBJ and
     * tiles, a region, IIIF info.json and regions, DeepZoom and Zoomify, TIFF and JPEG2000, a missing image.
     */
    static final List<String> SAME_AS_LOCAL = List.of(
            "fcgi-bin/iipsrv.fcgi?FIF=test.tif&OBJ=IIP,1.0&OBJ=Max-size&OBJ=Tile-size&OBJ=Resolution-number",
            "fcgi-bin/iipsrv.fcgi?FIF=test.tif&JTL=2,1",
            "fcgi-bin/iipsrv.fcgi?FIF=test.tif&JTL=1,0",
            "fcgi-bin/iipsrv.fcgi?FIF=test.tif&RGN=0.1,0.2,0.5,0.5&WID=300&CVT=png",
            "fcgi-bin/iipsrv.fcgi?FIF=test.jp2&JTL=4,0",
            "iiif/test.tif/info.json",
            "iiif/test.tif/256,256,512,256/max/0/default.jpg",
            "iiif/test.tif/full/200,/0/default.png",
            "iiif/test.jp2/info.json",
            "iiif/test.jp2/100,50,200,100/max/0/default.png",
            "deepzoom/test.tif.dzi",
            "deepzoom/test.tif_files/10/1_1.jpg",
            "deepzoom/test.tif_files/9/0_0.jpg",
            "zoomify/test.tif/ImageProperties.xml",
            "zoomify/test.tif/TileGroup0/2-1-1.jpg",
            "fcgi-bin/iipsrv.fcgi?FIF=missing.tif&OBJ=Max-size");

    private S3ProxyServer s3;
    private TomcatContainer tomcat;
    private TestServer local;

    /** The system property of the Tomcat distribution (containers.tomcat11.home...). */
    abstract String tomcatHomeProperty();

    /** s3proxy started with the images uploaded, and the Tomcat that will serve them, not started. */
    @Override
    final Container container() throws Exception {
        Path images = ServedProtocols.images();
        s3 = new S3ProxyServer();
        s3.bucketDir(BUCKET);
        // Uploaded as an administrator would, with the SDK (PutObject; s3proxy refuses the SDK's
        // default checksum trailer, hence WHEN_REQUIRED), not placed in s3proxy's folder by hand.
        try (S3Client client = S3Client.builder().endpointOverride(s3.endpoint()).region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(s3.identity(), s3.credential())))
                .httpClient(UrlConnectionHttpClient.create())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED).build();
                Stream<Path> files = Files.list(images)) {
            for (Path f : (Iterable<Path>) files.filter(S3DeploymentCycle::isImageFile)::iterator) {
                String key = PREFIX.substring(("s3://" + BUCKET + "/").length()) + f.getFileName();
                client.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromFile(f));
            }
        }
        tomcat = new TomcatContainer(tomcatHomeProperty(), images,
                Map.of("FILESYSTEM_PREFIX", PREFIX,
                        "S3_ENDPOINT", s3.endpoint().toString(),
                        "S3_REGION", "us-east-1",
                        "S3_PATH_STYLE", "1"),
                Map.of("AWS_ACCESS_KEY_ID", s3.identity(),
                        "AWS_SECRET_ACCESS_KEY", s3.credential()));
        return tomcat;
    }

    private static boolean isImageFile(Path f) {
        String name = f.getFileName().toString();
        return Files.isRegularFile(f) && !name.startsWith(".") && !name.endsWith(".part");
    }

    /** The same images from the local folder, in the embedded webapp, with the container's MAX_CVT. */
    private TestServer local() throws Exception {
        if (local == null) {
            local = TestServer.start(0, Container.CONTEXT_PATH, Map.of(
                    "FILESYSTEM_PREFIX", ServedProtocols.images() + "/",
                    "MAX_CVT", Integer.toString(ServedProtocols.MAX_CVT)));
        }
        return local;
    }

    @AfterAll
    void stopStore() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {local, s3}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    @Order(11)
    void servesTheBucketAsTheLocalFolder() throws Exception {
        String webapp = tomcat.webappUrl();
        String base = local().baseUrl();
        List<Executable> checks = new ArrayList<>();
        for (String request : SAME_AS_LOCAL) {
            checks.add(() -> {
                Http.Reply expected = Http.get(base + "/" + request);
                Http.Reply actual = Http.get(webapp + "/" + request);
                assertEquals(expected.status(), actual.status(), request + ": " + actual.text());
                assertEquals(expected.contentType(), actual.contentType(), request);
                if (request.endsWith(".json")) {
                    assertEquals(expected.text().replace(base, "BASE"), actual.text().replace(webapp, "BASE"),
                            request);
                } else {
                    assertArrayEquals(expected.body(), actual.body(), request);
                }
            });
        }
        assertAll(checks);
        String health = health();
        assertTrue(Pattern.compile("\"imageSource\":\\{\"kind\":\"s3\",\"gets\":[1-9][0-9]*,[^}]*\"reachable\":true}")
                .matcher(health).find(), "/health shows the S3 source, its GETs, reachable: " + health);
    }

    @Test
    @Order(12)
    void listsTheBucket() throws Exception {
        Http.Reply r = Http.get(tomcat.webappUrl() + "/list/");
        assertEquals(200, r.status(), "/list/: " + r.text());
        assertTrue(r.text().contains("\"id\":\"" + ServedProtocols.IMAGE + "\",\"folder\":false,\"width\":1000,"
                + "\"height\":700,"), "/list/: " + r.text());
        assertTrue(r.text().contains("\"id\":\"" + ServedProtocols.JP2 + "\",\"folder\":false,"), r.text());
        assertEquals(Http.get(local().baseUrl() + "/list/").text(), r.text(), "/list/ of the bucket and the folder");
        assertEquals(404, Http.get(tomcat.webappUrl() + "/list/nothing/").status(), "/list/ of a missing prefix");
    }

    /**
     * The credentials came the way an administrator is told to give them: in the environment of
     * Tomcat's JVM, not on its command line (no -Daws.secretAccessKey) nor in any file.
     */
    @Test
    @Order(13)
    void theCredentialsAreInTheEnvironmentOnly() throws Exception {
        long pid = tomcat.process().jvm().pid();
        String environ = Files.readString(Path.of("/proc/" + pid + "/environ"), StandardCharsets.ISO_8859_1);
        assertTrue(List.of(environ.split("\0")).contains("AWS_SECRET_ACCESS_KEY=" + s3.credential()),
                "Tomcat's JVM has the secret key in its environment");
        String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline"), StandardCharsets.ISO_8859_1);
        assertFalse(cmdline.contains(s3.credential()) || cmdline.contains("-Daws."), "Tomcat's command line: "
                + cmdline.replace('\0', ' '));
        String health = health();
        assertFalse(health.contains(s3.credential()), "/health shows the secret key: " + health);
        assertFalse(health.contains(s3.identity()), "/health shows the access key id: " + health);
        assertNoSecretInFiles();
    }

    /** After two deploys and undeploys, every request served and the webapp stopped. */
    @Test
    @Order(41)
    void theSecretKeyIsInNoLogOrFile() throws Exception {
        assertNoSecretInFiles();
    }

    /**
     * No file under CATALINA_BASE holds the secret key: Tomcat's logs (console, catalina, localhost,
     * access), the webapp's log of config/log4j2.xml, the context file, the work folder. The
     * webapp's log must show it used the bucket, so the search is not of empty files.
     */
    private void assertNoSecretInFiles() throws Exception {
        byte[] secret = s3.credential().getBytes(StandardCharsets.UTF_8);
        List<Path> holding = new ArrayList<>();
        int searched = 0;
        try (Stream<Path> all = Files.walk(tomcat.base())) {
            for (Path f : (Iterable<Path>) all.filter(Files::isRegularFile)::iterator) {
                searched++;
                if (indexOf(Files.readAllBytes(f), secret) >= 0) {
                    holding.add(tomcat.base().relativize(f));
                }
            }
        }
        assertTrue(holding.isEmpty(), "the secret key is written in " + holding);
        Path webappLog = tomcat.logFile();
        String log = Files.readString(webappLog);
        assertTrue(log.contains("images from " + PREFIX), webappLog + " does not name the bucket:\n" + log);
        assertTrue(searched >= 5, "files searched: " + searched);
    }

    private String health() throws Exception {
        Http.Reply r = Http.get(tomcat.webappUrl() + "/health");
        assertEquals(200, r.status(), "/health: " + r.text());
        return r.text();
    }

    private static int indexOf(byte[] data, byte[] part) {
        outer:
        for (int i = 0; i + part.length <= data.length; i++) {
            for (int j = 0; j < part.length; j++) {
                if (data[i + j] != part[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}

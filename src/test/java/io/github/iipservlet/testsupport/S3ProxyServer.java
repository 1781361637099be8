package io.github.iipservlet.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real S3 server for tests and the benchmark: s3proxy ({@code org.gaul:s3proxy}, the
 * {@code jar-with-dependencies} the {@code external} and {@code containers} profiles copy into
 * {@code target/s3proxy/} and name in the system property {@value #JAR_PROPERTY}), run as its own process on a loopback
 * port with jclouds' filesystem store: each folder of {@link #basedir()} is a bucket, each file
 * below it an object (sub-folders make keys with slashes). Signed requests only (SigV2 or SigV4,
 * with the fixed {@link #IDENTITY} and {@link #CREDENTIAL}); path-style addressing; any region.
 * Unknown headers are ignored ({@code s3proxy.ignore-unknown-headers}): without that, s3proxy 2.6.0
 * answers 501 to the {@code x-amz-checksum-mode} the AWS SDK v2 sends with every GetObject.
 * Uploads through the SDK need {@code requestChecksumCalculation(WHEN_REQUIRED)}: s3proxy refuses
 * its default checksum trailer (aws-chunked) as a content-sha256 mismatch.
 *
 * <p>An object's ETag is the MD5 jclouds keeps in an extended attribute of its file
 * ({@code user.user.content-md5}). s3proxy writes it for what is uploaded; a file placed in the
 * folder by hand has none and is served without an ETag, unlike real S3. {@link #put(String,
 * String, Path)} and {@link #put(String, String, byte[])} place a file and write that attribute.
 * (On a filesystem without extended attributes jclouds would hash the whole file on every request.)
 *
 * <p>{@link #stop()} kills the process (SIGKILL: the store vanishes mid-request, as a crash would),
 * {@link #start()} starts it again on the same port and folder. {@link #close()} and a shutdown
 * hook kill it for good. With {@code countRequests}, s3proxy logs every request (its
 * {@code LOG_LEVEL=debug}) and {@link #requests()} counts them from its log.
 *
 * <p>Also a main class, for bench/remote.sh:
 * {@code java -cp ... S3ProxyServer --jar=JAR --basedir=DIR [--port=N] [--count-requests] [--bucket=NAME=FOLDER]...}.
 */
public final class S3ProxyServer implements AutoCloseable {
    /** The system property naming the s3proxy jar-with-dependencies. */
    public static final String JAR_PROPERTY = "s3proxy.jar";
    /** The access key id the server accepts (AWS_ACCESS_KEY_ID, aws.accessKeyId). */
    public static final String IDENTITY = "iip-test-identity";
    /** The secret key the server accepts (AWS_SECRET_ACCESS_KEY, aws.secretAccessKey). */
    public static final String CREDENTIAL = "iip-test-credential";

    /** The path of the readiness probe, left out of {@link #requests()}. */
    private static final String PROBE_PATH = "/iip-s3proxyserver-probe";
    private static final Pattern REQUEST_LINE = Pattern.compile("S3ProxyHandler:\\d+ .*\\] request: Request\\((\\S+) ");

    private final Path jar;
    private final Path basedir;
    private final Path work;
    private final Path log;
    private final boolean countRequests;
    private final boolean ownBasedir;
    private final int port;
    private final Thread hook;
    private Process process;
    private long logAtReset;

    /** A new s3proxy on a free port with an empty folder of its own, started. */
    public S3ProxyServer() throws IOException, InterruptedException {
        this(null, 0, false);
    }

    /** s3proxy serving {@code basedir} (created if missing) on a free port, started. */
    public S3ProxyServer(Path basedir) throws IOException, InterruptedException {
        this(basedir, 0, false);
    }

    /**
     * @param basedir       the buckets' folder; null: a new temporary one
     * @param port          0: a free one
     * @param countRequests log each request, so that {@link #requests()} can count them
     */
    public S3ProxyServer(Path basedir, int port, boolean countRequests) throws IOException, InterruptedException {
        this.jar = jar();
        this.work = Files.createTempDirectory("s3proxy");
        this.basedir = basedir == null ? Files.createDirectories(work.resolve("data"))
                : Files.createDirectories(basedir).toAbsolutePath();
        this.log = work.resolve("s3proxy.log");
        this.countRequests = countRequests;
        this.port = port == 0 ? freePort() : port;
        Files.writeString(work.resolve("s3proxy.conf"), String.join("\n",
                "s3proxy.endpoint=http://127.0.0.1:" + this.port,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + IDENTITY,
                "s3proxy.credential=" + CREDENTIAL,
                "jclouds.provider=filesystem",
                "jclouds.filesystem.basedir=" + this.basedir,
                // The AWS SDK v2 (2.30 and later) asks for checksums on every GetObject
                // (x-amz-checksum-mode: ENABLED), which s3proxy 2.6.0 otherwise refuses with 501
                // NotImplemented; S3 itself accepts it.
                "s3proxy.ignore-unknown-headers=true",
                ""), StandardCharsets.UTF_8);
        this.ownBasedir = basedir == null;
        this.hook = new Thread(this::kill, "s3proxy-kill");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            start();
        } catch (IOException | InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The jar of {@value #JAR_PROPERTY}, checked; a clear error when it is not set or not there. */
    public static Path jar() {
        String value = System.getProperty(JAR_PROPERTY);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("system property " + JAR_PROPERTY + " is not set: run with -Pexternal "
                    + "(or -Pcontainers), which copies org.gaul:s3proxy:jar-with-dependencies into target/s3proxy/ and "
                    + "sets it, or give "
                    + "-D" + JAR_PROPERTY + "=PATH (in ~/.m2: org/gaul/s3proxy/VERSION/"
                    + "s3proxy-VERSION-jar-with-dependencies.jar)");
        }
        Path p = Path.of(value);
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException(JAR_PROPERTY + "=" + value + " is not a file (run mvn with -Pexternal "
                    + "to copy it into target/s3proxy/)");
        }
        return p;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Starts s3proxy again after {@link #stop()} (same port, folder and log); nothing when running. */
    public synchronized void start() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            return;
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-jar", jar.toString(), "--properties", work.resolve("s3proxy.conf").toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("LOG_LEVEL", countRequests ? "debug" : "info");
        long logStart = Files.exists(log) ? Files.size(log) : 0;
        process = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("s3proxy exited with " + process.exitValue() + " on port " + port
                        + ":\n" + logSince(logStart));
            }
            if (answers()) {
                return;
            }
            Thread.sleep(50);
        }
        kill();
        throw new IllegalStateException("s3proxy did not answer on port " + port + " within 60 s:\n" + logSince(logStart));
    }

    /** Any HTTP answer (to this unsigned GET: 403) means it is up. */
    private boolean answers() {
        try {
            HttpURLConnection c = (HttpURLConnection) endpoint().resolve(PROBE_PATH).toURL().openConnection();
            c.setConnectTimeout(500);
            c.setReadTimeout(2000);
            try {
                return c.getResponseCode() > 0;
            } finally {
                c.disconnect();
            }
        } catch (IOException notYet) {
            return false;
        }
    }

    private String logSince(long offset) {
        try {
            byte[] all = Files.readAllBytes(log);
            int from = (int) Math.max(offset, all.length - 8000);
            return new String(all, from, all.length - from, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Kills the process (the store is gone at once, connections reset) until {@link #start()}. */
    public synchronized void stop() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
            process = null;
        }
    }

    private void kill() {
        Process p = process;
        if (p != null) {
            p.destroyForcibly();
            try {
                p.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Kills the process for good; deletes the buckets' folder when it made it (the log stays). */
    @Override
    public void close() throws InterruptedException {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
        if (ownBasedir) {
            try (Stream<Path> all = Files.walk(basedir)) {
                all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // left in the temporary folder
            }
        }
    }

    /** http://127.0.0.1:PORT (S3_ENDPOINT, the SDK's endpointOverride). */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public int port() {
        return port;
    }

    public String identity() {
        return IDENTITY;
    }

    public String credential() {
        return CREDENTIAL;
    }

    /** The folder whose sub-folders are the buckets. */
    public Path basedir() {
        return basedir;
    }

    /** s3proxy's output, kept across restarts. */
    public Path log() {
        return log;
    }

    /** The folder of bucket {@code name}, created (so the bucket exists) if it does not. */
    public Path bucketDir(String name) throws IOException {
        if (name.isEmpty() || name.contains("/") || name.startsWith(".")) {
            throw new IllegalArgumentException("not a bucket name: " + name);
        }
        return Files.createDirectories(basedir.resolve(name));
    }

    /**
     * Places {@code file} as object {@code key} of {@code bucket} (a hard link when the filesystem
     * allows, else a copy) with its MD5 as ETag, as an upload would have.
     *
     * @return the object's file
     */
    public Path put(String bucket, String key, Path file) throws IOException {
        Path target = objectFile(bucket, key);
        if (Files.exists(target) && Files.isSameFile(target, file)) {
            writeEtag(target);
            return target;
        }
        Files.deleteIfExists(target);
        try {
            Files.createLink(target, file);
        } catch (IOException | UnsupportedOperationException e) {
            Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
        }
        writeEtag(target);
        return target;
    }

    /** Writes {@code data} as object {@code key} of {@code bucket}, with its MD5 as ETag. */
    public Path put(String bucket, String key, byte[] data) throws IOException {
        Path target = objectFile(bucket, key);
        Files.write(target, data);
        writeEtag(target);
        return target;
    }

    private Path objectFile(String bucket, String key) throws IOException {
        Path dir = bucketDir(bucket);
        Path target = dir.resolve(key).normalize();
        if (!target.startsWith(dir) || target.equals(dir)) {
            throw new IllegalArgumentException("not an object key: " + key);
        }
        Files.createDirectories(target.getParent());
        return target;
    }

    /**
     * The attribute jclouds' filesystem store reads an object's ETag from. It is named through Java's
     * user attribute view, as jclouds does, which adds the {@code user.} of Linux itself.
     */
    private static void writeEtag(Path file) throws IOException {
        UserDefinedFileAttributeView view = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class);
        if (view == null) {
            return; // jclouds then hashes the file itself
        }
        MessageDigest md5;
        try {
            md5 = MessageDigest.getInstance("MD5");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0;) {
                md5.update(buf, 0, n);
            }
        }
        try {
            view.write("user.content-md5", ByteBuffer.wrap(md5.digest()));
        } catch (IOException | UnsupportedOperationException noXattrs) {
            // served without an ETag
        }
    }

    /**
     * Requests s3proxy received since it started or the last {@link #resetRequests()}, refused ones
     * included, this class's own readiness probes not (needs countRequests).
     */
    public long requests() throws IOException {
        return requests(null);
    }

    /** The same, for one method only (GET, HEAD, PUT, ...). */
    public long requests(String method) throws IOException {
        if (!countRequests) {
            throw new IllegalStateException("started without countRequests");
        }
        long n = 0;
        try (InputStream in = Files.newInputStream(log)) {
            in.skipNBytes(Math.min(logAtReset, Files.size(log)));
            java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(in,
                    StandardCharsets.ISO_8859_1));
            for (String l = r.readLine(); l != null; l = r.readLine()) {
                Matcher m = REQUEST_LINE.matcher(l);
                if (m.find() && (method == null || m.group(1).equals(method)) && !l.contains(PROBE_PATH)) {
                    n++;
                }
            }
        }
        return n;
    }

    /** Counts from now on. s3proxy logs a request as it starts handling it, so wait for replies first. */
    public void resetRequests() throws IOException {
        logAtReset = Files.size(log);
    }

    public static void main(String[] args) throws Exception {
        Path base = null;
        int port = 0;
        boolean count = false;
        List<String[]> buckets = new ArrayList<>();
        for (String a : args) {
            if (a.startsWith("--jar=")) {
                System.setProperty(JAR_PROPERTY, a.substring("--jar=".length()));
            } else if (a.startsWith("--basedir=")) {
                base = Path.of(a.substring("--basedir=".length()));
            } else if (a.startsWith("--port=")) {
                port = Integer.parseInt(a.substring("--port=".length()));
            } else if (a.equals("--count-requests")) {
                count = true;
            } else if (a.startsWith("--bucket=")) {
                String spec = a.substring("--bucket=".length());
                int eq = spec.indexOf('=');
                buckets.add(new String[] {spec.substring(0, eq), spec.substring(eq + 1)});
            } else {
                System.err.println("usage: S3ProxyServer --jar=JAR [--basedir=DIR] [--port=N] [--count-requests] "
                        + "[--bucket=NAME=FOLDER]...  (each regular file of FOLDER becomes an object of bucket NAME)");
                System.exit(2);
            }
        }
        S3ProxyServer s = new S3ProxyServer(base, port, count);
        for (String[] b : buckets) {
            s.bucketDir(b[0]);
            try (Stream<Path> files = Files.list(Path.of(b[1]))) {
                for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                    s.put(b[0], f.getFileName().toString(), f);
                }
            }
        }
        System.out.println("listening " + s.endpoint() + " identity " + IDENTITY + " credential " + CREDENTIAL
                + " basedir " + s.basedir() + " log " + s.log());
        System.out.flush();
        Thread.currentThread().join();
    }
}

package io.github.iipservlet.conformance;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The reference iipsrv (Debian's iipimage-server behind lighttpd), started and stopped with the
 * project's copy of iipsrv.sh (src/test/conformance/iipsrv.sh).
 */
final class ReferenceIipsrv implements AutoCloseable {
    static final Path SCRIPT = Path.of("src/test/conformance/iipsrv.sh");

    private final int port;
    private volatile boolean stopped;

    private ReferenceIipsrv(int port) {
        this.port = port;
    }

    /** Starts it on a free loopback port serving imagesDir, with extra iipsrv variables (NAME=VALUE). */
    static ReferenceIipsrv start(Path imagesDir, Path log, String... env) throws IOException, InterruptedException {
        int port = freePort();
        List<String> cmd = new ArrayList<>(List.of("bash", SCRIPT.toString(), "start", imagesDir.toString(),
                Integer.toString(port)));
        cmd.addAll(List.of(env));
        ReferenceIipsrv ref = new ReferenceIipsrv(port);
        Runtime.getRuntime().addShutdownHook(new Thread(ref::stopQuietly)); // also when the JVM is killed
        run(cmd, log, 60);
        return ref;
    }

    int port() {
        return port;
    }

    String iipUrl() {
        return "http://127.0.0.1:" + port + "/fcgi-bin/iipsrv.fcgi";
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (!stopped) {
            stopped = true;
            run(List.of("bash", SCRIPT.toString(), "stop", Integer.toString(port)), null, 30);
        }
    }

    private void stopQuietly() {
        try {
            close();
        } catch (Exception ignored) {
            // shutting down anyway
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Runs a command to its end, output to log (or discarded); fails with the log's tail unless it exits 0. */
    static void run(List<String> cmd, Path log, int timeoutSeconds) throws IOException, InterruptedException {
        Path out = log != null ? log : Files.createTempFile("conformance-cmd", ".log");
        Files.createDirectories(out.toAbsolutePath().getParent());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        try {
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + ": no end after " + timeoutSeconds + " s" + tail(out));
            }
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + ": exit " + p.exitValue() + tail(out));
            }
        } finally {
            if (log == null) {
                Files.deleteIfExists(out);
            }
        }
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
        return "\n  " + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    }
}

package io.github.iipservlet.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real memcached (Debian's {@code memcached} binary) run by a test on a loopback port, and its
 * own counters read over the text protocol. For the {@code external} profile.
 */
public final class Memcached implements AutoCloseable {
    private final int port;
    private Process process;

    private Memcached(int port, Process process) {
        this.port = port;
        this.process = process;
    }

    /** A memcached on a free port. */
    public static Memcached start() throws Exception {
        return start(freePort());
    }

    /** A memcached on this port (one that was stopped, started again, or a port chosen before). */
    public static Memcached start(int port) throws Exception {
        return new Memcached(port, launch(port));
    }

    /** A loopback port nothing listens on now. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static Process launch(int port) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("memcached", "-l", "127.0.0.1", "-p", Integer.toString(port),
                "-U", "0", "-m", "64"));
        if ("root".equals(System.getProperty("user.name"))) {
            cmd.addAll(List.of("-u", "root")); // memcached refuses to run as root without it
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        for (int i = 0; i < 100; i++) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return p;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        p.destroyForcibly();
        throw new IllegalStateException("memcached did not start on port " + port);
    }

    public int port() {
        return port;
    }

    /** {@code 127.0.0.1:PORT}, for MEMCACHED_SERVERS. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    /** Kills it (a crash, not a shutdown); {@link #restart} brings it back on the same port, empty. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    public void restart() throws Exception {
        process = launch(port);
    }

    /** One of memcached's own counters ("stats" in the text protocol, which it speaks beside the binary one). */
    public long stat(String name) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            OutputStream out = s.getOutputStream();
            out.write("stats\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            for (String line = in.readLine(); line != null && !line.equals("END"); line = in.readLine()) {
                String[] f = line.split(" ");
                if (f.length == 3 && f[1].equals(name)) {
                    return Long.parseLong(f[2]);
                }
            }
        }
        throw new IllegalStateException("no memcached stat " + name);
    }

    /**
     * Waits until memcached has taken a set more than {@code before} (its {@code cmd_set}): a
     * server writes a render to memcached after answering (spymemcached queues the set), so a
     * second server asked at once could otherwise come before the entry.
     *
     * @throws AssertionError when no set came within 5 seconds
     */
    public void awaitSet(long before) throws Exception {
        long deadline = System.currentTimeMillis() + 5_000;
        while (stat("cmd_set") <= before && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        if (stat("cmd_set") <= before) {
            throw new AssertionError("the render was not written to memcached within 5 s");
        }
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}

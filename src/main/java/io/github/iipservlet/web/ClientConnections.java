package io.github.iipservlet.web;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Whether a client has closed its connection while its request is still being worked on. The
 * Servlet API cannot tell until a response is written (and ours is written only when complete),
 * so this asks the operating system: on Linux, a connection the client has closed waits in
 * CLOSE_WAIT in {@code /proc/net/tcp} (or {@code tcp6}) until the server closes its end. Only
 * that positive sign counts: a connection not found (another platform, a proxy's address put in
 * place of the peer's by the container) is taken as still open, so no wanted render is ever
 * stopped. The table is read at most every {@link #REFRESH_NANOS}, and only while some long
 * render asks (a chunk of work checks, a single tile does not).
 */
final class ClientConnections {
    private static final Logger LOG = LogManager.getLogger(ClientConnections.class);
    private static final long REFRESH_NANOS = 100_000_000L;
    private static final Path[] TABLES = {Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6")};
    /** Connection states the client has ended: CLOSE_WAIT, LAST_ACK, CLOSING. */
    private static final Set<String> ENDED = Set.of("08", "09", "0B");
    /** An IPv4 or IPv6 address literal: nothing that could make getByName look a name up. */
    private static final Pattern LITERAL = Pattern.compile("[0-9A-Fa-f.:]{2,45}");

    private final boolean available;
    private volatile Set<String> ended = Set.of();
    private volatile long readAt;
    private final java.util.concurrent.atomic.AtomicBoolean reading = new java.util.concurrent.atomic.AtomicBoolean();

    ClientConnections() {
        boolean readable = Files.isReadable(TABLES[0]);
        if (!readable) {
            LOG.info("{} cannot be read: renders for clients that have gone run to the end", TABLES[0]);
        }
        this.available = readable;
    }

    /**
     * True when the connection from {@code remoteAddress:remotePort} to this server's
     * {@code localPort} has been closed by the client.
     */
    boolean closedByClient(int localPort, String remoteAddress, int remotePort) {
        if (!available) {
            return false;
        }
        String key = key(localPort, remoteAddress, remotePort);
        return key != null && endedConnections().contains(key);
    }

    /**
     * The connections last seen ended, read again when older than {@link #REFRESH_NANOS} by one
     * thread while the others go on with the last reading (a lock here held every render thread
     * for the length of a read: measured 7% fewer regions a second under load).
     */
    private Set<String> endedConnections() {
        long now = System.nanoTime();
        if (now - readAt > REFRESH_NANOS && reading.compareAndSet(false, true)) {
            try {
                ended = read();
                readAt = System.nanoTime();
            } finally {
                reading.set(false);
            }
        }
        return ended;
    }

    /** The ended connections of the tables: "localPort remoteAddress remotePort". */
    private static Set<String> read() {
        Set<String> out = new HashSet<>();
        for (Path table : TABLES) {
            try {
                for (String line : Files.readAllLines(table)) {
                    // "  sl: local_address rem_address st ...": fields 1 to 3, split by hand (no regex).
                    String[] f = fields(line, 4);
                    if (f == null || !ENDED.contains(f[3])) {
                        continue;
                    }
                    int local = f[1].indexOf(':');
                    int remote = f[2].indexOf(':');
                    if (local < 0 || remote < 0) {
                        continue;
                    }
                    InetAddress address = address(f[2].substring(0, remote));
                    if (address != null) {
                        out.add(Integer.parseInt(f[1].substring(local + 1), 16) + " " + address.getHostAddress() + " "
                                + Integer.parseInt(f[2].substring(remote + 1), 16));
                    }
                }
            } catch (IOException | RuntimeException e) {
                LOG.debug("cannot read {}: {}", table, e.toString());
            }
        }
        return out;
    }

    /** The first {@code n} fields of a line separated by spaces, or null when it has fewer. */
    private static String[] fields(String line, int n) {
        String[] out = new String[n];
        int i = 0;
        for (int k = 0; k < n; k++) {
            while (i < line.length() && line.charAt(i) == ' ') {
                i++;
            }
            int start = i;
            while (i < line.length() && line.charAt(i) != ' ') {
                i++;
            }
            if (start == i) {
                return null;
            }
            out[k] = line.substring(start, i);
        }
        return out;
    }

    /**
     * An address as the kernel prints it: hexadecimal, each 32-bit word in host (little-endian)
     * order; an IPv4 address mapped into IPv6 is given as the IPv4 address the container reports.
     */
    static InetAddress address(String hex) {
        if (hex.length() != 8 && hex.length() != 32) {
            return null;
        }
        byte[] bytes = new byte[hex.length() / 2];
        for (int word = 0; word < bytes.length / 4; word++) {
            for (int b = 0; b < 4; b++) {
                int at = word * 8 + (3 - b) * 2;
                bytes[word * 4 + b] = (byte) Integer.parseInt(hex.substring(at, at + 2), 16);
            }
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static String key(int localPort, String remoteAddress, int remotePort) {
        try {
            // A literal address: no name lookup happens.
            String literal = remoteAddress.startsWith("[") ? remoteAddress.substring(1, remoteAddress.length() - 1)
                    : remoteAddress;
            if (!LITERAL.matcher(literal).matches()) {
                return null;
            }
            return localPort + " " + InetAddress.getByName(literal).getHostAddress() + " " + remotePort;
        } catch (UnknownHostException e) {
            return null;
        }
    }
}

package io.github.iipservlet.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A list of IP addresses and CIDR ranges (TRUSTED_PROXIES), IPv4 and IPv6, and whether an address
 * is in it. Only address literals are read, from the configuration and from requests: nothing
 * here ever looks a name up.
 */
public final class AddressRanges {
    /**
     * Loopback, the private ranges, link-local and carrier-grade NAT: the addresses Tomcat's
     * RemoteIpValve trusts by default as internal proxies.
     */
    public static final String DEFAULT = "127.0.0.0/8, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 169.254.0.0/16, "
            + "100.64.0.0/10, ::1/128, fc00::/7, fe80::/10";
    public static final AddressRanges NONE = new AddressRanges(List.of());

    /** Dotted IPv4, or IPv6 (with a colon, so that a word of hex letters is never taken for a name). */
    private static final Pattern LITERAL = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}|[0-9A-Fa-f.]*:[0-9A-Fa-f.:]{1,44}");

    private record Range(byte[] network, int bits) {
        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            for (int i = 0; i < bits; i++) {
                int mask = 0x80 >>> (i & 7);
                if ((address[i >> 3] & mask) != (network[i >> 3] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }

    private final List<Range> ranges;

    private AddressRanges(List<Range> ranges) {
        this.ranges = ranges;
    }

    /**
     * Parses a comma-separated list of addresses and CIDR ranges.
     *
     * @throws IllegalArgumentException naming the first entry that is neither
     */
    public static AddressRanges parse(String list) {
        List<Range> out = new ArrayList<>();
        for (String entry : list.split(",")) {
            String e = entry.trim();
            if (e.isEmpty()) {
                continue;
            }
            int slash = e.indexOf('/');
            byte[] network = bytes(slash < 0 ? e : e.substring(0, slash));
            int bits = network == null ? -1 : network.length * 8;
            if (network != null && slash >= 0) {
                String b = e.substring(slash + 1);
                bits = b.matches("\\d{1,3}") ? Integer.parseInt(b) : -1;
            }
            if (network == null || bits < 0 || bits > network.length * 8) {
                throw new IllegalArgumentException("'" + e + "' is not an IP address or CIDR range");
            }
            out.add(new Range(network, bits));
        }
        return new AddressRanges(List.copyOf(out));
    }

    /** True when {@code address}, an IP literal as a container reports a peer, is in a range. */
    public boolean contains(String address) {
        if (ranges.isEmpty() || address == null) {
            return false;
        }
        String literal = address.startsWith("[") && address.endsWith("]")
                ? address.substring(1, address.length() - 1) : address;
        byte[] a = bytes(literal);
        if (a == null) {
            return false;
        }
        for (Range r : ranges) {
            if (r.contains(a)) {
                return true;
            }
        }
        return false;
    }

    /** The bytes of an address literal (an IPv4-mapped IPv6 address as IPv4), or null. */
    private static byte[] bytes(String literal) {
        int zone = literal.indexOf('%');
        String plain = zone < 0 ? literal : literal.substring(0, zone);
        if (!LITERAL.matcher(plain).matches()) {
            return null;
        }
        try {
            return InetAddress.getByName(plain).getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }
}

package io.github.iipservlet.cache;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import net.spy.memcached.AddrUtil;
import net.spy.memcached.CachedData;
import net.spy.memcached.ConnectionFactoryBuilder;
import net.spy.memcached.ConnectionObserver;
import net.spy.memcached.DefaultHashAlgorithm;
import net.spy.memcached.FailureMode;
import net.spy.memcached.MemcachedClient;
import net.spy.memcached.internal.GetFuture;
import net.spy.memcached.transcoders.Transcoder;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The tile store several servers share: memcached (MEMCACHED_SERVERS), through spymemcached with
 * the binary protocol and consistent (ketama) hashing across servers. Values are the encoded bytes
 * as they are: spymemcached's default transcoder would gzip values over 16 KB, which costs CPU and
 * saves nothing on JPEG.
 *
 * <p>memcached is an accelerator, never a dependency: a look-up waits at most MEMCACHED_WAIT
 * milliseconds, operations on a server that is down are cancelled at once (FailureMode.Cancel)
 * rather than queued, writes never wait, and spymemcached reconnects in the background (within two
 * seconds), after which the tier is used again. Each change between reachable and unreachable is
 * logged once.
 */
public final class MemcachedTileStore implements TileStore {
    private static final Logger LOG = LogManager.getLogger(MemcachedTileStore.class);
    /** memcached's limit on key length. */
    private static final int MAX_KEY_BYTES = 250;

    static {
        // spymemcached logs to stderr unless told which framework to use; SLF4J reaches Log4j 2.
        if (System.getProperty("net.spy.log.LoggerImpl") == null) {
            System.setProperty("net.spy.log.LoggerImpl", "net.spy.memcached.compat.log.SLF4JLogger");
        }
    }

    private final MemcachedClient client;
    private final String servers;
    private final int expirySeconds;
    private final long waitMillis;
    private final AtomicBoolean reachable = new AtomicBoolean(true);
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();

    /**
     * @param servers       MEMCACHED_SERVERS: host[:port] separated by commas (or spaces)
     * @param expirySeconds MEMCACHED_TIMEOUT: how long memcached keeps an entry
     * @param waitMillis    MEMCACHED_WAIT: the longest a request waits for a look-up
     * @throws IllegalArgumentException when no server can be parsed
     */
    public MemcachedTileStore(String servers, int expirySeconds, long waitMillis) throws java.io.IOException {
        List<InetSocketAddress> addresses = AddrUtil.getAddresses(servers.trim().replace(',', ' '));
        this.servers = servers.trim();
        this.expirySeconds = expirySeconds;
        this.waitMillis = waitMillis;
        ConnectionObserver transitions = new ConnectionObserver() {
            @Override
            public void connectionEstablished(java.net.SocketAddress sa, int reconnectCount) {
                if (reconnectCount > 0 || !reachable.get()) {
                    markReachable(true);
                }
            }

            @Override
            public void connectionLost(java.net.SocketAddress sa) {
                markReachable(false);
            }
        };
        this.client = new MemcachedClient(new ConnectionFactoryBuilder()
                .setProtocol(ConnectionFactoryBuilder.Protocol.BINARY)
                .setLocatorType(ConnectionFactoryBuilder.Locator.CONSISTENT)
                .setHashAlg(DefaultHashAlgorithm.KETAMA_HASH)
                .setFailureMode(FailureMode.Cancel)
                .setOpTimeout(waitMillis)
                .setOpQueueMaxBlockTime(0)
                .setMaxReconnectDelay(2)
                .setDaemon(true)
                .setInitialObservers(List.of(transitions))
                .build(), addresses);
        LOG.info("memcached tile store on {} (entries kept {} s, look-ups wait at most {} ms)", this.servers,
                expirySeconds, waitMillis);
    }

    private void markReachable(boolean now) {
        if (reachable.compareAndSet(!now, now)) {
            if (now) {
                LOG.info("memcached {} is reachable again: its tiles are used again", servers);
            } else {
                LOG.warn("memcached {} is unreachable: rendering without it until it returns", servers);
            }
        }
    }

    /**
     * The memcached key of a view key: the key itself when memcached can take it (at most 250
     * bytes, no spaces or control characters), else a SHA-256 of it; "iip:" in front of both.
     */
    static String memcachedKey(String viewKey) {
        byte[] utf8 = viewKey.getBytes(StandardCharsets.UTF_8);
        boolean plain = utf8.length <= MAX_KEY_BYTES - 4;
        for (int i = 0; plain && i < utf8.length; i++) {
            int b = utf8[i] & 0xff;
            plain = b > 0x20 && b != 0x7f;
        }
        if (plain) {
            return "iip:" + viewKey;
        }
        try {
            return "iip:sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(utf8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public byte[] get(String key) {
        GetFuture<byte[]> future = null;
        try {
            future = client.asyncGet(memcachedKey(key), RawBytes.INSTANCE);
            byte[] value = future.get(waitMillis, TimeUnit.MILLISECONDS);
            (value != null ? hits : misses).incrementAndGet();
            return value;
        } catch (java.util.concurrent.TimeoutException e) {
            future.cancel(false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | RuntimeException e) {
            // Cancelled because the server is down, or the queue is full: render instead.
            LOG.debug("memcached look-up failed: {}", e.toString());
        }
        misses.incrementAndGet();
        return null;
    }

    @Override
    public void put(String key, byte[] value) {
        if (value.length > CachedData.MAX_SIZE) {
            return;
        }
        try {
            client.set(memcachedKey(key), expirySeconds, value, RawBytes.INSTANCE);
        } catch (RuntimeException e) {
            LOG.debug("memcached store skipped: {}", e.toString());
        }
    }

    /** A flush is this server's own (iipsrv's SIGHUP): the shared memcached is left to the others. */
    @Override
    public void clear() {
    }

    @Override
    public List<TierStats> stats() {
        Collection<java.net.SocketAddress> up = client.getAvailableServers();
        return List.of(new TierStats("memcached", -1, -1, hits.get(), misses.get(), !up.isEmpty()));
    }

    @Override
    public void close() {
        client.shutdown(2, TimeUnit.SECONDS);
    }

    /** Encoded tile bytes as they are, flag 0, no compression. */
    private static final class RawBytes implements Transcoder<byte[]> {
        static final RawBytes INSTANCE = new RawBytes();

        @Override
        public boolean asyncDecode(CachedData d) {
            return false;
        }

        @Override
        public CachedData encode(byte[] o) {
            return new CachedData(0, o, CachedData.MAX_SIZE);
        }

        @Override
        public byte[] decode(CachedData d) {
            return d.getData();
        }

        @Override
        public int getMaxSize() {
            return CachedData.MAX_SIZE;
        }
    }
}

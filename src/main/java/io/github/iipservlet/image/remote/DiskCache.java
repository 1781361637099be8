package io.github.iipservlet.image.remote;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Whole remote files kept on local disk (REMOTE_CACHE_DIR, REMOTE_CACHE_SIZE MB), least recently
 * used first out, for decoders that read files by name: OpenJPEG, which reads a whole untiled
 * codestream for any region anyway (docs/decisions.md Decision 34). A copy is named by a hash of the object's name and version, so a replaced object
 * never meets its old copy. A copy being read is never removed; the cache may then stay above its
 * size until it is released. The folder is the webapp's own: emptied at start and at close.
 */
final class DiskCache implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(DiskCache.class);
    private static final String SUFFIX = ".iipcopy";

    /** A kept copy: its size and how many readers hold it. */
    private static final class Copy {
        final Path path;
        final long size;
        int holders;

        Copy(Path path, long size) {
            this.path = path;
            this.size = size;
        }
    }

    /** Fetches an object into a file. */
    interface Fetch {
        void into(Path file) throws IOException, io.github.iipservlet.image.ImageException;
    }

    private final Path folder;
    private final long maxBytes;
    /** Access order: the eldest is the least recently used. Guarded by {@code this}. */
    private final LinkedHashMap<String, Copy> copies = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<String, Object> downloading = new java.util.concurrent.ConcurrentHashMap<>();
    private long bytes;

    DiskCache(Path folder, long maxBytes) throws IOException {
        this.folder = Files.createDirectories(folder);
        this.maxBytes = maxBytes;
        clear();
    }

    /** A held copy of {@code identity}, fetched now when it is not kept. Release it with {@link #release}. */
    Path acquire(String identity, Fetch fetch) throws IOException, io.github.iipservlet.image.ImageException {
        String file = fileName(identity);
        Object lock = downloading.computeIfAbsent(file, k -> new Object());
        synchronized (lock) {
            synchronized (this) {
                Copy c = copies.get(file);
                if (c != null) {
                    c.holders++;
                    return c.path;
                }
            }
            Path target = folder.resolve(file);
            Path part = folder.resolve(file + ".part");
            try {
                fetch.into(part);
                Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(part);
                downloading.remove(file, lock);
            }
            synchronized (this) {
                Copy c = new Copy(target, Files.size(target));
                c.holders = 1;
                copies.put(file, c);
                bytes += c.size;
                trim();
                return target;
            }
        }
    }

    /** A reader is done with the copy of {@code identity}. */
    synchronized void release(String identity) {
        Copy c = copies.get(fileName(identity));
        if (c != null && c.holders > 0) {
            c.holders--;
        }
        trim();
    }

    /** Removes the least recently used copies nobody holds while the cache is over its size. */
    private void trim() {
        var it = copies.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            Copy c = it.next().getValue();
            if (c.holders == 0) {
                it.remove();
                bytes -= c.size;
                try {
                    Files.deleteIfExists(c.path);
                } catch (IOException e) {
                    LOG.warn("cannot remove a cached remote file: {}", e.getMessage());
                }
            }
        }
    }

    synchronized long bytes() {
        return bytes;
    }

    private static String fileName(String identity) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(identity.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 20) + SUFFIX;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Removes this cache's files (only those it names: the folder may be shared with other things). */
    private void clear() throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, "*" + SUFFIX + "*")) {
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
        }
    }

    @Override
    public synchronized void close() {
        copies.clear();
        bytes = 0;
        try {
            clear();
        } catch (IOException e) {
            LOG.warn("cannot empty the remote file cache: {}", e.getMessage());
        }
    }
}

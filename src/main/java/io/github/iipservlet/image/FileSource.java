package io.github.iipservlet.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A local folder (FILESYSTEM_PREFIX a path): names resolved by {@link ImagePaths} (no way out of
 * the folder, symbolic links included, no dot-files; docs/decisions.md Decisions 3 and 4), read with
 * positional {@code FileChannel} reads, asked again on every request (a {@code stat} is cheap).
 */
public final class FileSource implements ImageSource {
    private static final int MAX_LISTINGS = 512;
    private final ImagePaths paths;
    /** Folder listings, kept while the folder's modification time is unchanged. */
    private final Map<Path, Listing> listings = new ConcurrentHashMap<>();

    private record Listing(long modified, List<Listed> entries) {
    }

    /** @param prefix FILESYSTEM_PREFIX: a folder ending in '/', or a folder plus a file-name start */
    public FileSource(String prefix) throws IOException {
        this.paths = new ImagePaths(prefix, "");
    }

    /** The rules this source resolves names with. */
    public ImagePaths paths() {
        return paths;
    }

    @Override
    public String describe() {
        return paths.prefix();
    }

    @Override
    public StoredObject find(String name) throws ImageException {
        Path candidate;
        try {
            candidate = paths.candidate(name);
        } catch (ImageException refused) {
            return null;
        }
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(candidate, BasicFileAttributes.class);
        } catch (IOException e) {
            return null;
        }
        if (!attrs.isRegularFile()) {
            return null;
        }
        long modified = attrs.lastModifiedTime().toMillis();
        return new StoredObject(name, attrs.size(), modified, attrs.size() + ":" + modified, candidate, null);
    }

    @Override
    public long revalidateAfterMillis() {
        return 0;
    }

    @Override
    public ImageBytes open(StoredObject object) throws ImageException {
        return bytesOf(paths.real((Path) object.locator()));
    }

    @Override
    public LocalFile localFile(StoredObject object) throws ImageException {
        Path real = paths.real((Path) object.locator());
        return new LocalFile() {
            @Override
            public Path path() {
                return real;
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public boolean canList() {
        return true;
    }

    /**
     * The prefix's folder plus {@code folder}; when the prefix ends in a file-name start (iipsrv
     * allows {@code /srv/img_}), only the names that start with it, without it.
     */
    @Override
    public List<Listed> list(String folder) throws ImageException {
        String base = paths.prefix() + folder;
        Path dir;
        String start;
        Path real;
        try {
            Path b = Path.of(base).toAbsolutePath();
            dir = base.endsWith("/") ? b : b.getParent();
            start = base.endsWith("/") ? "" : b.getFileName().toString();
            if (dir == null || !dir.normalize().startsWith(paths.root())
                    && !dir.normalize().startsWith(paths.lexicalRoot())) {
                throw notFound();
            }
            real = dir.toRealPath();
            if (!real.startsWith(paths.root()) || !Files.isDirectory(real)) {
                throw notFound();
            }
        } catch (IOException | InvalidPathException e) {
            throw notFound();
        }
        long modified;
        try {
            modified = Files.getLastModifiedTime(real).toMillis();
        } catch (IOException e) {
            throw notFound();
        }
        Listing cached = listings.get(real);
        if (cached == null || cached.modified != modified) {
            cached = new Listing(modified, read(real));
            if (listings.size() >= MAX_LISTINGS) {
                listings.clear();
            }
            listings.put(real, cached);
        }
        List<Listed> out = new ArrayList<>();
        for (Listed e : cached.entries) {
            if (e.name().startsWith(start) && e.name().length() > start.length()) {
                out.add(new Listed(folder + e.name().substring(start.length()), e.label(), e.folder(), e.size()));
            }
        }
        return out;
    }

    /** A folder's visible entries by file name: no dot-files, no links leading out of the root. */
    private List<Listed> read(Path dir) throws ImageException {
        List<Listed> entries = new ArrayList<>();
        try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
            for (Path child : children) {
                String name = child.getFileName().toString();
                if (name.startsWith(".")) {
                    continue;
                }
                try {
                    Path real = child.toRealPath();
                    if (!real.startsWith(paths.root())) {
                        continue;
                    }
                    BasicFileAttributes a = Files.readAttributes(real, BasicFileAttributes.class);
                    if (a.isDirectory()) {
                        entries.add(new Listed(name + "/", name, true, -1));
                    } else if (a.isRegularFile()) {
                        entries.add(new Listed(name, name, false, a.size()));
                    }
                } catch (IOException e) {
                    // A dangling link or a file removed while listed: not shown.
                }
            }
        } catch (IOException | RuntimeException e) {
            // Unreadable folder (permissions) or one removed while listed: as if it were missing.
            throw notFound();
        }
        return entries;
    }

    @Override
    public void flush() {
        listings.clear();
    }

    @Override
    public void close() {
        listings.clear();
    }

    /** Reads of one file, outside any source (tests and tools). */
    public static ImageBytes bytesOf(Path file) throws ImageException {
        try {
            return new FileBytes(FileChannel.open(file, StandardOpenOption.READ));
        } catch (IOException e) {
            throw new ImageException(ImageException.Kind.NOT_FOUND, "Unable to open image", e);
        }
    }

    /** One file as a stored object, outside any source (tests and tools). */
    public static StoredObject objectOf(Path file) throws ImageException {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            long modified = a.lastModifiedTime().toMillis();
            return new StoredObject(file.getFileName().toString(), a.size(), modified, a.size() + ":" + modified,
                    file, null);
        } catch (IOException e) {
            throw new ImageException(ImageException.Kind.NOT_FOUND, "Unable to open image", e);
        }
    }

    private static ImageException notFound() {
        return new ImageException(ImageException.Kind.NOT_FOUND, "Image not found");
    }

    /** Positional reads on one channel. */
    private static final class FileBytes implements ImageBytes {
        private final FileChannel channel;
        private final long size;

        FileBytes(FileChannel channel) throws IOException {
            this.channel = channel;
            this.size = channel.size();
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public void read(long position, byte[] into, int offset, int length) throws ImageException {
            ByteBuffer buf = ByteBuffer.wrap(into, offset, length);
            long pos = position;
            try {
                while (buf.hasRemaining()) {
                    int n = channel.read(buf, pos);
                    if (n < 0) {
                        throw new ImageException(ImageException.Kind.CORRUPT, "Image file is truncated");
                    }
                    pos += n;
                }
            } catch (IOException e) {
                throw new ImageException(ImageException.Kind.CORRUPT, "Image file cannot be read", e);
            }
        }

        @Override
        public void close() {
            try {
                channel.close();
            } catch (IOException e) {
                // nothing to do
            }
        }
    }
}

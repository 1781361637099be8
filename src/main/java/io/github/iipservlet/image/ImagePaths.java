package io.github.iipservlet.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Turns a client's image identifier into a file inside the served folder (docs/decisions.md Decisions 3 and 4):
 * identifiers with {@code ..} segments, NUL or backslashes are refused outright; the rest is
 * {@code prefix + identifier + suffix} (iipsrv's plain concatenation), normalised, and refused
 * when its real path (symlinks followed) falls outside the prefix's folder.
 */
public final class ImagePaths {
    private final String prefix;
    private final String suffix;
    /** Real path of the folder the prefix names: everything served must be under it. */
    private final Path root;
    /** The same folder as written (not resolved): normalised candidates are compared with this. */
    private final Path lexicalRoot;

    /**
     * @param prefix FILESYSTEM_PREFIX (a folder ending in '/', or a folder plus a file-name start)
     * @param suffix FILESYSTEM_SUFFIX
     */
    public ImagePaths(String prefix, String suffix) throws IOException {
        this.prefix = prefix;
        this.suffix = suffix;
        Path p = Path.of(prefix.isEmpty() ? "." : prefix).toAbsolutePath();
        Path dir = prefix.endsWith("/") || Files.isDirectory(p) ? p : p.getParent();
        this.root = dir.toRealPath();
        // A prefix through a symlink (/tmp on macOS, /srv/images -> /data) must still contain its
        // own files before symlinks are followed; the real path is checked against root after.
        this.lexicalRoot = dir.normalize();
    }

    public Path root() {
        return root;
    }

    /** The prefix's folder as written (not resolved): a prefix through a symbolic link contains its own files. */
    public Path lexicalRoot() {
        return lexicalRoot;
    }

    /** FILESYSTEM_PREFIX as configured (the samples folder when unset; sequences build file names from it). */
    public String prefix() {
        return prefix;
    }

    /** FILESYSTEM_SUFFIX: identifiers are file names without it. */
    public String suffix() {
        return suffix;
    }

    /**
     * True when an identifier is acceptable at all: no NUL, no backslash, no segment starting with
     * a dot: not {@code ..}, and no dot-file or dot-folder (docs/decisions.md Decision 12;
     * {@code /list/} hides them too).
     */
    public static boolean isSafeIdentifier(String identifier) {
        if (identifier.indexOf('\0') >= 0 || identifier.indexOf('\\') >= 0) {
            return false;
        }
        int start = 0;
        int n = identifier.length();
        while (start <= n) {
            int slash = identifier.indexOf('/', start);
            int end = slash < 0 ? n : slash;
            if (end > start && identifier.charAt(start) == '.') {
                return false;
            }
            if (slash < 0) {
                break;
            }
            start = slash + 1;
        }
        return true;
    }

    /**
     * The normalised (not yet real) path of an identifier, or throws NOT_FOUND for identifiers
     * that are refused. Cheap: no file system access.
     */
    public Path candidate(String identifier) throws ImageException {
        if (!isSafeIdentifier(identifier)) {
            throw notFound();
        }
        try {
            Path p = Path.of(prefix + identifier + suffix).toAbsolutePath().normalize();
            if (!p.startsWith(lexicalRoot) && !p.startsWith(root)) {
                throw notFound();
            }
            return p;
        } catch (InvalidPathException e) {
            throw notFound();
        }
    }

    /** The real path of a candidate, refused when symlinks lead outside the root or it is missing. */
    public Path real(Path candidate) throws ImageException {
        try {
            Path real = candidate.toRealPath();
            if (!real.startsWith(root) || !Files.isRegularFile(real)) {
                throw notFound();
            }
            // Also where a symlink leads: no dot-file or dot-folder inside the served folder.
            for (Path name : root.relativize(real)) {
                if (name.toString().startsWith(".")) {
                    throw notFound();
                }
            }
            return real;
        } catch (IOException e) {
            throw notFound();
        }
    }

    private static ImageException notFound() {
        return new ImageException(ImageException.Kind.NOT_FOUND, "Image not found");
    }
}

package io.github.iipservlet.image;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An image sequence (docs/protocols.md 9.5): one pyramid file per view, named
 * {@code <stem><FILENAME_PATTERN><HHH>_<VVV>.<ext>} with the horizontal angle (or band) and the
 * vertical angle printed as {@code %03d}. The identifier a client gives is the stem. The file for
 * 0 and 90 degrees must exist; the horizontal views are the angles found at 90 degrees, the
 * vertical views those found at 0.
 *
 * <p>Unlike iipsrv, which globs with the client's text (so {@code *} or {@code ?} in an identifier
 * match other files) and adds FILESYSTEM_SUFFIX to the detection pattern but not to the file names
 * it then opens, the folder is listed and names are compared literally, and the suffix is not used
 * for sequences at all.
 *
 * @param folder     the folder holding the files
 * @param namePrefix the file names up to the angles: the stem's last segment and the pattern
 * @param extension  the extension of the 0/90 file, shared by every view
 * @param horizontal horizontal angles, ascending
 * @param vertical   vertical angles, ascending
 */
public record ImageSequence(Path folder, String namePrefix, String extension, List<Integer> horizontal,
        List<Integer> vertical) {

    /** {@code HHH_VVV.ext} after the name prefix; either angle may be negative as %03d prints it. */
    private static final Pattern VIEW = Pattern.compile("(-?[0-9]+)_(-?[0-9]+)\\.([^./]+)");

    /** The file of one view (it may not exist). */
    public Path file(int horizontalAngle, int verticalAngle) {
        return folder.resolve(namePrefix + angle(horizontalAngle) + "_" + angle(verticalAngle) + "." + extension);
    }

    private static String angle(int a) {
        return String.format(Locale.ROOT, "%03d", a);
    }

    /** What a folder listing found, kept while the folder's modification time is unchanged. */
    private record Listed(long folderModified, ImageSequence sequence, ImageException problem) {
    }

    /**
     * Finds sequences, remembering each folder listing while the folder's modification time is
     * unchanged (adding or removing a view file changes it). One per image store.
     */
    public static final class Finder {
        private static final int MAX_LISTINGS = 512;
        private final Map<String, Listed> listings = new ConcurrentHashMap<>();
        private final ImagePaths paths;
        private final String pattern;

        /** @param pattern FILENAME_PATTERN */
        public Finder(ImagePaths paths, String pattern) {
            this.paths = paths;
            this.pattern = pattern;
        }

        /**
         * The sequence an identifier names.
         *
         * @throws ImageException NOT_FOUND when there is none (no 0/90 file, or several extensions
         *                        for it), UNSUPPORTED when its files are not TIFF
         */
        public ImageSequence find(String identifier) throws ImageException {
            if (!ImagePaths.isSafeIdentifier(identifier) || pattern.indexOf('\0') >= 0) {
                throw notFound();
            }
            String full = paths.prefix() + identifier + pattern;
            int slash = full.lastIndexOf('/');
            String namePrefix = full.substring(slash + 1);
            Path folder;
            long modified;
            try {
                folder = Path.of(slash < 0 ? "." : full.substring(0, slash + 1)).toAbsolutePath().normalize();
                if (!folder.startsWith(paths.root()) || !Files.isDirectory(folder)
                        || !folder.toRealPath().startsWith(paths.root())) {
                    throw notFound();
                }
                modified = Files.getLastModifiedTime(folder).toMillis();
            } catch (InvalidPathException | IOException e) {
                throw notFound();
            }
            String key = folder + "\0" + namePrefix;
            Listed listed = listings.get(key);
            if (listed == null || listed.folderModified != modified) {
                listed = list(folder, namePrefix, modified);
                if (listings.size() >= MAX_LISTINGS) {
                    listings.clear();
                }
                listings.put(key, listed);
            }
            if (listed.problem != null) {
                throw listed.problem;
            }
            return listed.sequence;
        }

        /** Forgets every listing (with the image store's flush). */
        public void flush() {
            listings.clear();
        }
    }

    private static Listed list(Path folder, String namePrefix, long modified) {
        List<String[]> views = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder,
                p -> p.getFileName().toString().startsWith(namePrefix))) {
            for (Path p : files) {
                Matcher m = VIEW.matcher(p.getFileName().toString().substring(namePrefix.length()));
                if (m.matches() && isCanonical(m.group(1)) && isCanonical(m.group(2))) {
                    views.add(new String[] {m.group(1), m.group(2), m.group(3)});
                }
            }
        } catch (IOException | RuntimeException e) {
            return new Listed(modified, null, notFound());
        }
        String extension = null;
        for (String[] v : views) {
            if (Integer.parseInt(v[0]) == 0 && Integer.parseInt(v[1]) == 90) {
                if (extension != null && !extension.equals(v[2])) {
                    return new Listed(modified, null, new ImageException(ImageException.Kind.NOT_FOUND,
                            "There are multiple file extensions matching the image sequence"));
                }
                extension = v[2];
            }
        }
        if (extension == null) {
            return new Listed(modified, null, notFound());
        }
        String lower = extension.toLowerCase(Locale.ROOT);
        if (!lower.equals("tif") && !lower.equals("tiff")) {
            return new Listed(modified, null, new ImageException(ImageException.Kind.UNSUPPORTED,
                    "Unsupported image type in sequence"));
        }
        TreeSet<Integer> horizontal = new TreeSet<>();
        TreeSet<Integer> vertical = new TreeSet<>();
        for (String[] v : views) {
            if (!v[2].equals(extension)) {
                continue;
            }
            int h = Integer.parseInt(v[0]);
            int a = Integer.parseInt(v[1]);
            if (a == 90) {
                horizontal.add(h);
            }
            if (h == 0) {
                vertical.add(a);
            }
        }
        return new Listed(modified, new ImageSequence(folder, namePrefix, extension,
                Collections.unmodifiableList(new ArrayList<>(horizontal)),
                Collections.unmodifiableList(new ArrayList<>(vertical))), null);
    }

    /** True when the digits are what %03d prints for their value: other spellings are never opened. */
    private static boolean isCanonical(String digits) {
        if (digits.length() > 10) {
            return false;
        }
        long v = Long.parseLong(digits);
        return v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE && angle((int) v).equals(digits);
    }

    private static ImageException notFound() {
        return new ImageException(ImageException.Kind.NOT_FOUND, "Image not found");
    }
}

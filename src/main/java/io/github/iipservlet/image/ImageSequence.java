package io.github.iipservlet.image;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An image sequence (docs/protocols.md 9.5): one pyramid file per view, named
 * {@code <stem><FILENAME_PATTERN><HHH>_<VVV>.<ext>} with the horizontal angle (or band) and the
 * vertical angle printed as {@code %03d}. The identifier a client gives is the stem. The file for
 * 0 and 90 degrees must exist; the horizontal views are the angles found at 90 degrees, the
 * vertical views those found at 0. Found by listing the stem's folder in the image source, so it
 * works the same on a local folder and in a bucket; a web server cannot be listed, so it has none.
 *
 * <p>Unlike iipsrv, which globs with the client's text (so {@code *} or {@code ?} in an identifier
 * match other files) and adds FILESYSTEM_SUFFIX to the detection pattern but not to the file names
 * it then opens, the folder is listed and names are compared literally, and the suffix is not used
 * for sequences at all.
 *
 * @param namePrefix the names up to the angles, relative to the source: the stem and the pattern
 * @param extension  the extension of the 0/90 file, shared by every view
 * @param horizontal horizontal angles, ascending
 * @param vertical   vertical angles, ascending
 */
public record ImageSequence(String namePrefix, String extension, List<Integer> horizontal,
        List<Integer> vertical) {

    /** {@code HHH_VVV.ext} after the name prefix; either angle may be negative as %03d prints it. */
    private static final Pattern VIEW = Pattern.compile("(-?[0-9]+)_(-?[0-9]+)\\.([^./]+)");

    /** The name of one view in the source (it may not exist). */
    public String file(int horizontalAngle, int verticalAngle) {
        return namePrefix + angle(horizontalAngle) + "_" + angle(verticalAngle) + "." + extension;
    }

    private static String angle(int a) {
        return String.format(Locale.ROOT, "%03d", a);
    }

    /** Finds sequences by listing folders of an image source (which keeps its listings). One per image store. */
    public static final class Finder {
        private final ImageSource source;
        private final String pattern;

        /** @param pattern FILENAME_PATTERN */
        public Finder(ImageSource source, String pattern) {
            this.source = source;
            this.pattern = pattern;
        }

        /**
         * The sequence an identifier names.
         *
         * @throws ImageException NOT_FOUND when there is none (no 0/90 file, or several extensions
         *                        for it), UNSUPPORTED when its files are not TIFF, UNAVAILABLE when the
         *                        store does not answer
         */
        public ImageSequence find(String identifier) throws ImageException {
            if (!ImagePaths.isSafeIdentifier(identifier) || pattern.indexOf('\0') >= 0 || !source.canList()) {
                throw notFound();
            }
            String full = identifier + pattern;
            String folder = full.substring(0, full.lastIndexOf('/') + 1);
            List<ImageSource.Listed> listing;
            try {
                listing = source.list(folder);
            } catch (ImageException e) {
                if (e.kind() == ImageException.Kind.UNAVAILABLE) {
                    throw e;
                }
                throw notFound();
            }
            return parse(full, listing);
        }
    }

    private static ImageSequence parse(String namePrefix, List<ImageSource.Listed> listing) throws ImageException {
        List<String[]> views = new ArrayList<>();
        for (ImageSource.Listed e : listing) {
            if (e.folder() || !e.name().startsWith(namePrefix)) {
                continue;
            }
            Matcher m = VIEW.matcher(e.name().substring(namePrefix.length()));
            if (m.matches() && isCanonical(m.group(1)) && isCanonical(m.group(2))) {
                views.add(new String[] {m.group(1), m.group(2), m.group(3)});
            }
        }
        String extension = null;
        for (String[] v : views) {
            if (Integer.parseInt(v[0]) == 0 && Integer.parseInt(v[1]) == 90) {
                if (extension != null && !extension.equals(v[2])) {
                    throw new ImageException(ImageException.Kind.NOT_FOUND,
                            "There are multiple file extensions matching the image sequence");
                }
                extension = v[2];
            }
        }
        if (extension == null) {
            throw notFound();
        }
        String lower = extension.toLowerCase(Locale.ROOT);
        if (!lower.equals("tif") && !lower.equals("tiff")) {
            throw new ImageException(ImageException.Kind.UNSUPPORTED, "Unsupported image type in sequence");
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
        return new ImageSequence(namePrefix, extension, Collections.unmodifiableList(new ArrayList<>(horizontal)),
                Collections.unmodifiableList(new ArrayList<>(vertical)));
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

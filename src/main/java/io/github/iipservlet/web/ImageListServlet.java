package io.github.iipservlet.web;

import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.image.ImagePaths;
import io.github.iipservlet.image.ImageStore;
import io.github.iipservlet.image.OpenImage;
import io.github.iipservlet.image.formats.ImageFormats;
import io.github.iipservlet.protocol.HttpReplies;
import io.github.iipservlet.protocol.JsonStrings;
import io.github.iipservlet.protocol.PercentDecoding;
import io.github.iipservlet.protocol.Services;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The folders and images under the served folder, as JSON, for the viewer page:
 * {@code GET /list/} is the top, {@code GET /list/a/b/} the folder whose identifiers start with
 * {@code a/b/}. Every {@code id} in the reply is exactly what the protocols take (FIF=, the DeepZoom
 * and Zoomify paths, IIIF), so FILESYSTEM_SUFFIX is stripped from file names and a prefix that
 * ends in a file-name start (iipsrv allows {@code /srv/img_}) only shows the files it can reach.
 *
 * <p>Nothing is shown that the protocols would refuse: hidden entries, names the identifier rules
 * reject, symlinks whose target lies outside the served folder, files that are not a recognised
 * image. A folder that is missing or refused answers 404 with a short text that names no path.
 */
public final class ImageListServlet extends HttpServlet {
    private static final String NOT_FOUND = "Folder not found";

    /** One listed entry: a folder (width and height -1) or an image. */
    record Entry(String name, String id, boolean folder, int width, int height, long bytes, String error) {
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String folderId = folderIdentifier(rawPath(request));
        Services services = Services.of(getServletContext());
        List<Entry> entries = folderId == null ? null : list(services.images(), folderId);
        if (entries == null) {
            HttpReplies.notFound(response, NOT_FOUND);
            return;
        }
        HttpReplies.identify(response);
        // A listing changes whenever a file is added; unlike tiles it must not be kept for a day.
        response.setHeader("Cache-Control", HttpReplies.NO_CACHE);
        HttpReplies.body(response, "application/json; charset=utf-8",
                json(folderId, entries).getBytes(StandardCharsets.UTF_8));
    }

    /** The raw (still percent-encoded) path after the mapping, without its leading '/'. */
    private static String rawPath(HttpServletRequest request) {
        String uri = request.getRequestURI();
        int start = request.getContextPath().length() + request.getServletPath().length();
        return uri.length() <= start + 1 ? "" : uri.substring(start + 1);
    }

    /**
     * A folder's identifier from the raw path, percent-decoded as the protocols decode theirs: ""
     * for the top, else ending in '/'. Null when the identifier rules refuse it or it is hidden.
     */
    static String folderIdentifier(String rawPath) {
        String id = PercentDecoding.decode(rawPath);
        if (!ImagePaths.isSafeIdentifier(id) || id.startsWith(".") || id.contains("/.")) {
            // Hidden folders are not listed, so neither is what they hold.
            return null;
        }
        return id.isEmpty() || id.endsWith("/") ? id : id + "/";
    }

    /** The entries of a folder, folders first, each group by name; null when it cannot be listed. */
    static List<Entry> list(ImageStore images, String folderId) {
        ImagePaths paths = images.paths();
        Path root = paths.root();
        // The identifier of a child is folderId + (its name minus namePrefix); see the class comment.
        String base = paths.prefix() + folderId;
        Path folder;
        String namePrefix;
        try {
            Path b = Path.of(base).toAbsolutePath();
            folder = base.endsWith("/") ? b : b.getParent();
            namePrefix = base.endsWith("/") ? "" : b.getFileName().toString();
            if (folder == null || !folder.normalize().startsWith(root)) {
                return null;
            }
            Path real = folder.toRealPath();
            if (!real.startsWith(root) || !Files.isDirectory(real)) {
                return null;
            }
        } catch (IOException | InvalidPathException e) {
            return null;
        }
        List<Entry> entries = new ArrayList<>();
        try (DirectoryStream<Path> children = Files.newDirectoryStream(folder)) {
            for (Path child : children) {
                Entry e = entry(images, root, folderId, namePrefix, paths.suffix(), child);
                if (e != null) {
                    entries.add(e);
                }
            }
        } catch (IOException | RuntimeException e) {
            // Unreadable folder (permissions) or one removed while listed: as if it were missing.
            return null;
        }
        entries.sort(Comparator.comparing((Entry e) -> !e.folder())
                .thenComparing(e -> e.name().toLowerCase(Locale.ROOT)).thenComparing(Entry::name));
        return entries;
    }

    /** The entry of one child, or null when it is not to be shown. */
    private static Entry entry(ImageStore images, Path root, String folderId, String namePrefix, String suffix,
            Path child) {
        String name = child.getFileName().toString();
        if (name.startsWith(".") || !name.startsWith(namePrefix) || name.length() == namePrefix.length()) {
            return null;
        }
        String rest = name.substring(namePrefix.length());
        if (rest.startsWith(".")) {
            return null; // its identifier would look hidden, and hidden folders are not listed
        }
        if (Files.isDirectory(child)) {
            String id = folderId + rest + "/";
            try {
                return ImagePaths.isSafeIdentifier(id) && child.toRealPath().startsWith(root)
                        ? new Entry(name, id, true, -1, -1, -1, null) : null;
            } catch (IOException e) {
                return null;
            }
        }
        if (!rest.endsWith(suffix) || rest.length() == suffix.length()) {
            return null;
        }
        String id = folderId + rest.substring(0, rest.length() - suffix.length());
        Path real;
        try {
            // The protocols' own resolution: refuses the identifier, a symlink leaving the root, a
            // dangling link or anything that is not a regular file exactly as they would.
            real = images.paths().real(images.paths().candidate(id));
        } catch (ImageException e) {
            return null;
        }
        if (!ImageFormats.recognises(real)) {
            return null;
        }
        long bytes;
        try {
            bytes = Files.size(real);
        } catch (IOException e) {
            return null;
        }
        // Through the image store, as a protocol request would open it: the same parsed directories
        // are then already cached when the viewer asks for the image.
        try (OpenImage image = images.open(id)) {
            ImageInfo info = image.info();
            return new Entry(name, id, false, info.width(), info.height(), bytes, null);
        } catch (ImageException e) {
            return new Entry(name, id, false, -1, -1, bytes, e.replyText());
        }
    }

    static String json(String folderId, List<Entry> entries) {
        StringBuilder b = new StringBuilder(64 + entries.size() * 96);
        b.append("{\"folder\":\"").append(JsonStrings.escape(folderId)).append("\",\"entries\":[");
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            b.append(i == 0 ? "\n" : ",\n");
            b.append("{\"name\":\"").append(JsonStrings.escape(e.name())).append("\",\"id\":\"").append(JsonStrings.escape(e.id()))
                    .append("\",\"folder\":").append(e.folder());
            if (!e.folder()) {
                if (e.width() >= 0) {
                    b.append(",\"width\":").append(e.width()).append(",\"height\":").append(e.height());
                }
                b.append(",\"bytes\":").append(e.bytes());
                if (e.error() != null) {
                    b.append(",\"error\":\"").append(JsonStrings.escape(e.error())).append('"');
                }
            }
            b.append('}');
        }
        return b.append("\n]}\n").toString();
    }
}

package io.github.iipservlet.web;

import io.github.iipservlet.access.Limit;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.image.ImagePaths;
import io.github.iipservlet.image.ImageBytes;
import io.github.iipservlet.image.ImageSource;
import io.github.iipservlet.image.StoredObject;
import io.github.iipservlet.image.formats.ImageFormats;
import io.github.iipservlet.image.ImageStore;
import io.github.iipservlet.image.OpenImage;
import io.github.iipservlet.protocol.HttpReplies;
import io.github.iipservlet.protocol.ImageAccess;
import io.github.iipservlet.protocol.JsonStrings;
import io.github.iipservlet.protocol.PercentDecoding;
import io.github.iipservlet.protocol.Services;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

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
        if (!services.images().source().canList()) {
            HttpReplies.text(response, HttpServletResponse.SC_NOT_IMPLEMENTED,
                    "This image source (a web server) cannot be listed: open an image by its identifier");
            return;
        }
        List<Entry> entries;
        try {
            // What the access rules give this caller of each image (docs/operations.md "Access control").
            Function<String, Limit> access = id -> ImageAccess.decide(request, services, id).limit();
            entries = folderId == null ? null : list(services.images(), folderId, access);
        } catch (ImageException e) {
            HttpReplies.storeUnavailable(response, e.getMessage());
            return;
        }
        if (entries == null) {
            HttpReplies.notFound(response, NOT_FOUND);
            return;
        }
        HttpReplies.identify(response);
        // A listing changes whenever a file is added; unlike tiles it must not be kept for a day. With
        // access rules it also depends on who asks.
        response.setHeader("Cache-Control", services.access().unconfigured() ? HttpReplies.NO_CACHE
                : "private, " + HttpReplies.NO_CACHE);
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

    /**
     * The entries of a folder, folders first, each group by name; null when it cannot be listed.
     *
     * @throws ImageException UNAVAILABLE when the image store does not answer
     */
    static List<Entry> list(ImageStore images, String folderId, Function<String, Limit> access)
            throws ImageException {
        List<ImageSource.Listed> listed;
        try {
            listed = images.source().list(folderId);
        } catch (ImageException e) {
            if (e.kind() == ImageException.Kind.UNAVAILABLE) {
                throw e;
            }
            return null;
        }
        List<Entry> entries = new ArrayList<>();
        for (ImageSource.Listed child : listed) {
            Entry e = entry(images, folderId, child, access);
            if (e != null) {
                entries.add(e);
            }
        }
        entries.sort(Comparator.comparing((Entry e) -> !e.folder())
                .thenComparing(e -> e.name().toLowerCase(Locale.ROOT)).thenComparing(Entry::name));
        return entries;
    }

    /**
     * The entry of one child, or null when it is not to be shown: an image the caller may not see
     * at all is not; one they may see smaller shows the size they get.
     */
    private static Entry entry(ImageStore images, String folderId, ImageSource.Listed child,
            Function<String, Limit> access) {
        String rest = child.name().substring(folderId.length());
        if (rest.startsWith(".") || rest.isEmpty() || rest.equals("/")) {
            return null; // its identifier would look hidden, and hidden folders are not listed
        }
        if (child.folder()) {
            String id = folderId + rest;
            return ImagePaths.isSafeIdentifier(id) ? new Entry(child.label(), id, true, -1, -1, -1, null) : null;
        }
        String suffix = images.suffix();
        if (!rest.endsWith(suffix) || rest.length() == suffix.length()) {
            return null;
        }
        String id = folderId + rest.substring(0, rest.length() - suffix.length());
        if (!ImagePaths.isSafeIdentifier(id)) {
            return null;
        }
        Limit limit = access.apply(id);
        if (limit.none()) {
            return null;
        }
        // Through the image store, as a protocol request would open it: the same parsed directories
        // are then already cached when the viewer asks for the image. What is not an image is not shown.
        try (OpenImage image = images.open(id)) {
            OpenImage seen = limit.full() ? image : image.limitedTo(limit.pixels(), true, ImageException.Kind.FORBIDDEN);
            if (seen == null) {
                return null;
            }
            ImageInfo info = seen.info();
            return new Entry(child.label(), id, false, info.width(), info.height(), child.size(), null);
        } catch (ImageException e) {
            return e.kind() == ImageException.Kind.UNSUPPORTED && !recognised(images, id) ? null
                    : new Entry(child.label(), id, false, -1, -1, child.size(), e.replyText());
        }
    }

    /** True when an object starts like an image this server reads (one that then failed is shown with its error). */
    private static boolean recognised(ImageStore images, String id) {
        try {
            StoredObject object = images.source().find(id + images.suffix());
            if (object == null) {
                return false;
            }
            if (object.head() != null) {
                return ImageFormats.recognises(object.head());
            }
            try (ImageBytes bytes = images.source().open(object)) {
                return ImageFormats.recognises(bytes.read(0, (int) Math.min(12, bytes.size())));
            }
        } catch (ImageException e) {
            return false;
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

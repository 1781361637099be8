package io.github.iipservlet.image;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An image checked out of the {@link ImageStore} for one request. Close it when the request is
 * done so the pool can retire readers of replaced files; that also closes the views it opened.
 *
 * <p>An image may hold several views (docs/protocols.md 9): the pages of a stack, or the files of an image
 * sequence. The image itself is the first (page 0, or the sequence's 0/90 file): metadata replies
 * describe it. {@link #view} gives the one an angle pair or page number selects; tiles and regions
 * are read from that. Request-scoped: not for use by several threads.
 */
public final class OpenImage implements AutoCloseable {
    /** The identifier as the client gave it (decoded). */
    public final String identifier;
    private final ImageStore store;
    private final ImageStore.Entry entry;
    /** True when the file changed since it was last opened (iipsrv then sends no 304). */
    public final boolean reloaded;
    /** The sequence this image stands for, or null for a single file. */
    private final ImageSequence sequence;
    /** The stack page shown, 0 for a single image. */
    private final int page;
    private final PyramidReader reader;
    /** False for a page view, which shares its parent's hold on the entry. */
    private final boolean holdsEntry;
    /** Views opened from this image, by angle pair: closed with it. */
    private Map<Long, OpenImage> views;
    /**
     * The longest side of the whole image this request may receive, at any region
     * (docs/operations.md "Access control"); {@link Integer#MAX_VALUE} when unlimited.
     */
    private final int maxSide;
    /** What a render above {@link #maxSide} is refused with: LOGIN_REQUIRED or FORBIDDEN. */
    private final ImageException.Kind refusal;
    /** Levels of the file hidden from this image (their pixels are above maxSide). */
    private final int hidden;
    /** The unlimited image this one limits, or null when this is one. */
    private final OpenImage unlimited;
    /** For a limited image: the levels above maxSide are hidden (see {@link #limitedTo}). */
    private final boolean smallerLevelsOnly;

    OpenImage(ImageStore store, String identifier, ImageStore.Entry entry, boolean reloaded, ImageSequence sequence) {
        this.store = store;
        this.identifier = identifier;
        this.entry = entry;
        this.reloaded = reloaded;
        this.sequence = sequence;
        this.page = 0;
        this.reader = entry.reader;
        this.holdsEntry = true;
        this.maxSide = Integer.MAX_VALUE;
        this.refusal = null;
        this.hidden = 0;
        this.unlimited = null;
        this.smallerLevelsOnly = false;
    }

    private OpenImage(OpenImage parent, int page, PyramidReader reader) {
        this.store = parent.store;
        this.identifier = parent.identifier;
        this.entry = parent.entry;
        this.reloaded = parent.reloaded;
        this.sequence = null;
        this.page = page;
        this.reader = reader;
        this.holdsEntry = false;
        this.maxSide = Integer.MAX_VALUE;
        this.refusal = null;
        this.hidden = 0;
        this.unlimited = null;
        this.smallerLevelsOnly = false;
    }

    /** {@code base} limited: see {@link #limitedTo}. */
    private OpenImage(OpenImage base, int maxSide, int hidden, boolean smallerLevelsOnly, ImageException.Kind refusal) {
        this.store = base.store;
        this.identifier = base.identifier;
        this.entry = base.entry;
        this.reloaded = base.reloaded;
        this.sequence = null;
        this.page = base.page;
        this.reader = hidden == 0 ? base.reader : new SmallerLevelsReader(base.reader, hidden);
        this.holdsEntry = false;
        this.maxSide = maxSide;
        this.refusal = refusal;
        this.hidden = hidden;
        this.unlimited = base;
        this.smallerLevelsOnly = smallerLevelsOnly;
    }

    /**
     * This image as a caller who may receive at most {@code maxSide} pixels of its longest side
     * sees it (docs/operations.md "Access control"). Renders that would show more are refused with
     * {@code refusal}. With {@code smallerLevelsOnly} the image also loses the levels larger than
     * that, so that descriptors and level numbers describe the smaller image (IIP, DeepZoom,
     * Zoomify and the IIIF substitute); without it the image keeps its size and levels (the IIIF
     * service, whose coordinates all callers share). Closed with this image.
     *
     * @return the limited image, or null when {@code smallerLevelsOnly} leaves no level
     */
    public OpenImage limitedTo(int maxSide, boolean smallerLevelsOnly, ImageException.Kind refusal) {
        if (unlimited != null) {
            throw new IllegalStateException("already limited");
        }
        int hiddenLevels = 0;
        if (smallerLevelsOnly) {
            List<Level> levels = info().levels;
            while (hiddenLevels < levels.size() && Math.max(levels.get(hiddenLevels).width(),
                    levels.get(hiddenLevels).height()) > maxSide) {
                hiddenLevels++;
            }
            if (hiddenLevels == levels.size()) {
                return null;
            }
        }
        OpenImage limited = new OpenImage(this, maxSide, hiddenLevels, smallerLevelsOnly, refusal);
        if (views == null) {
            views = new HashMap<>();
        }
        // Negative keys: the angle-pair keys of view() are never negative.
        views.put(-1L - views.size(), limited);
        return limited;
    }

    /** The file's levels this image does not show: its larger levels, when limited to a smaller size. */
    public int hiddenLevels() {
        return hidden;
    }

    /**
     * The refusal of a view this image's caller may not have (a level it hides, or a render above
     * {@link #maxSide}).
     */
    public ImageException refused(String what) {
        return new ImageException(refusal == null ? ImageException.Kind.NOT_FOUND : refusal, refusal
                == ImageException.Kind.LOGIN_REQUIRED ? "Restricted image: log in to see " + what
                : "Restricted image: " + what + " is not for this user");
    }

    /** The longest side of the whole image this request may receive; {@link Integer#MAX_VALUE} when unlimited. */
    public int maxSide() {
        return maxSide;
    }

    /**
     * Refuses a render of {@code level} (an index into {@link #info()}'s levels) scaled by
     * {@code scaleX} and {@code scaleY} when it shows the image larger than {@link #maxSide}: a
     * pixel more is allowed for rounding.
     */
    public void checkScale(int level, double scaleX, double scaleY) throws ImageException {
        if (maxSide == Integer.MAX_VALUE) {
            return;
        }
        List<Level> levels = info().levels;
        if (level < 0 || level >= levels.size()) {
            return; // the reader refuses it as NOT_FOUND
        }
        Level l = levels.get(level);
        if (Math.max(l.width() * scaleX, l.height() * scaleY) > maxSide + 1.0) {
            throw refused("it at this size");
        }
    }

    public ImageInfo info() {
        return reader.info();
    }

    public PyramidReader reader() {
        return reader;
    }

    /**
     * Stable name of the pixels for cache keys: the name relative to its source and the object's
     * version (size and modification time, or ETag; the same on every server of a fleet), and
     * the page for stack pages after the first.
     */
    public String cacheIdentity() {
        String identity = page == 0 ? entry.identity : entry.identity + "#" + page;
        // Without its largest levels an image numbers its levels differently.
        return hidden == 0 ? identity : identity + "^" + hidden;
    }

    /** The stack's pages (docs/protocols.md 9.4), or an empty list when this is not a stack. */
    public List<StackItem> stack() {
        if (unlimited != null) {
            return unlimited.stack();
        }
        return sequence == null ? entry.reader.stack() : List.of();
    }

    /** Horizontal views (docs/protocols.md 3.2): a sequence's angles or bands, a stack's pages, else [0]. */
    public List<Integer> horizontalViews() {
        if (unlimited != null) {
            return unlimited.horizontalViews();
        }
        if (sequence != null) {
            return sequence.horizontal();
        }
        int pages = entry.reader.stack().size();
        if (pages == 0) {
            return List.of(0);
        }
        List<Integer> out = new ArrayList<>(pages);
        for (int i = 0; i < pages; i++) {
            out.add(i);
        }
        return out;
    }

    /** Vertical views (docs/protocols.md 3.2): a sequence's vertical angles, else [90]. */
    public List<Integer> verticalViews() {
        if (unlimited != null) {
            return unlimited.verticalViews();
        }
        return sequence != null ? sequence.vertical() : List.of(90);
    }

    /**
     * The view that SDS angles (or a IIIF page) select: for a sequence the file of both angles,
     * for a stack the page of the horizontal angle, for a single image the image itself. Closed
     * with this image.
     *
     * @throws ImageException NOT_FOUND when the sequence has no such file or the stack no such page
     */
    public OpenImage view(int horizontal, int vertical) throws ImageException {
        if (unlimited != null) {
            OpenImage base = unlimited.view(horizontal, vertical);
            if (base == unlimited) {
                return this;
            }
            OpenImage limited = base.limitedTo(maxSide, smallerLevelsOnly, refusal);
            if (limited == null) {
                throw refused("this view");
            }
            return limited;
        }
        if (sequence == null && entry.reader.stack().isEmpty() || sequence == null && horizontal == page
                || sequence != null && horizontal == 0 && vertical == 90) {
            return this;
        }
        long key = sequence == null ? horizontal : (long) horizontal << 32 | (vertical & 0xffffffffL);
        OpenImage v = views == null ? null : views.get(key);
        if (v == null) {
            v = sequence == null ? new OpenImage(this, horizontal, entry.reader.page(horizontal))
                    : store.openView(identifier, sequence, horizontal, vertical, null);
            if (views == null) {
                views = new HashMap<>();
            }
            views.put(key, v);
        }
        return v;
    }

    /** The histogram of this view's pixels (docs/protocols.md 5.2 step 1), computed once per file and page. */
    public int[] histogram(HistogramSource compute) throws ImageException {
        int[] h = entry.histograms.get(page);
        if (h == null) {
            h = compute.compute(this);
            entry.histograms.put(page, h);
        }
        return h;
    }

    /** Computes an image's histogram from its pixels. */
    public interface HistogramSource {
        int[] compute(OpenImage image) throws ImageException;
    }

    @Override
    public void close() {
        if (views != null) {
            for (OpenImage v : views.values()) {
                v.close();
            }
            views = null;
        }
        if (holdsEntry) {
            entry.release();
        }
    }
}

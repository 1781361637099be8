package io.github.iipservlet.fuzz;

import java.util.ArrayList;
import java.util.List;

/**
 * The structure of a classic little-endian TIFF (TIFF 6.0), read in the test so that damage can be
 * aimed: the header, every IFD of the top-level chain and the SubIFDs, each entry with where its
 * value bytes lie, and the tiles of every level. Positions are file offsets. Only what
 * {@link io.github.iipservlet.testsupport.TiffWriter} writes is needed (no BigTIFF, no big-endian).
 */
final class TiffLayout {
    static final int NEW_SUBFILE_TYPE = 254;
    static final int IMAGE_WIDTH = 256;
    static final int IMAGE_LENGTH = 257;
    static final int BITS_PER_SAMPLE = 258;
    static final int COMPRESSION = 259;
    static final int PHOTOMETRIC = 262;
    static final int SAMPLES_PER_PIXEL = 277;
    static final int PLANAR_CONFIGURATION = 284;
    static final int PREDICTOR = 317;
    static final int TILE_WIDTH = 322;
    static final int TILE_LENGTH = 323;
    static final int TILE_OFFSETS = 324;
    static final int TILE_BYTE_COUNTS = 325;
    static final int SUB_IFDS = 330;
    static final int SAMPLE_FORMAT = 339;
    static final int JPEG_TABLES = 347;
    static final int YCBCR_SUBSAMPLING = 530;

    /** One IFD entry: where it is, and where its value bytes are (inline in the entry or elsewhere). */
    record Entry(int pos, int tag, int type, long count, int valuePos, boolean inline) {
        int elementSize() {
            return typeSize(type);
        }
    }

    /** One IFD: its offset, entry count, entries and the position of its next-IFD pointer. */
    record Ifd(int index, int offset, int count, List<Entry> entries, int nextPtrPos, long next, boolean sub) {
        Entry entry(int tag) {
            for (Entry e : entries) {
                if (e.tag() == tag) {
                    return e;
                }
            }
            return null;
        }
    }

    final byte[] data;
    final int firstIfdPtrPos = 4;
    final List<Ifd> ifds = new ArrayList<>();

    private TiffLayout(byte[] data) {
        this.data = data;
    }

    static TiffLayout parse(byte[] data) {
        if (data[0] != 'I' || data[1] != 'I' || u16(data, 2) != 42) {
            throw new IllegalArgumentException("a classic little-endian TIFF is expected");
        }
        TiffLayout t = new TiffLayout(data);
        long off = u32(data, 4);
        List<Long> subs = new ArrayList<>();
        while (off != 0 && t.ifds.size() < 64) {
            Ifd ifd = t.readIfd((int) off, t.ifds.size(), false);
            t.ifds.add(ifd);
            Entry s = ifd.entry(SUB_IFDS);
            if (s != null) {
                for (int i = 0; i < s.count(); i++) {
                    subs.add(t.value(s, i));
                }
            }
            off = ifd.next();
        }
        for (long s : subs) {
            t.ifds.add(t.readIfd((int) s, t.ifds.size(), true));
        }
        return t;
    }

    private Ifd readIfd(int off, int index, boolean sub) {
        int n = u16(data, off);
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int p = off + 2 + 12 * i;
            int tag = u16(data, p);
            int type = u16(data, p + 2);
            long count = u32(data, p + 4);
            long bytes = count * typeSize(type);
            boolean inline = bytes <= 4;
            int valuePos = inline ? p + 8 : (int) u32(data, p + 8);
            entries.add(new Entry(p, tag, type, count, valuePos, inline));
        }
        int nextPos = off + 2 + 12 * n;
        return new Ifd(index, off, n, entries, nextPos, u32(data, nextPos), sub);
    }

    static int typeSize(int type) {
        return switch (type) {
            case 1, 2, 6, 7 -> 1;
            case 3, 8 -> 2;
            case 4, 9, 11, 13 -> 4;
            case 5, 10, 12, 16, 17, 18 -> 8;
            default -> 1;
        };
    }

    /** The i-th value of an entry (BYTE, SHORT or LONG). */
    long value(Entry e, int i) {
        int p = elementPos(e, i);
        return switch (e.elementSize()) {
            case 1 -> data[p] & 0xff;
            case 2 -> u16(data, p);
            default -> u32(data, p);
        };
    }

    int elementPos(Entry e, int i) {
        return e.valuePos() + i * e.elementSize();
    }

    long[] values(Entry e) {
        long[] v = new long[(int) e.count()];
        for (int i = 0; i < v.length; i++) {
            v[i] = value(e, i);
        }
        return v;
    }

    /** The pyramid levels: the top-level IFDs with tiles, then the SubIFDs. */
    List<Ifd> levels() {
        List<Ifd> out = new ArrayList<>();
        for (Ifd i : ifds) {
            if (i.entry(TILE_OFFSETS) != null) {
                out.add(i);
            }
        }
        return out;
    }

    long tag(Ifd ifd, int tag, long dflt) {
        Entry e = ifd.entry(tag);
        return e == null ? dflt : value(e, 0);
    }

    int tilesAcross(Ifd ifd) {
        long w = tag(ifd, IMAGE_WIDTH, 0);
        long tw = tag(ifd, TILE_WIDTH, 1);
        return (int) ((w + tw - 1) / tw);
    }

    int tileCount(Ifd ifd) {
        return (int) ifd.entry(TILE_OFFSETS).count();
    }

    long tileOffset(Ifd ifd, int tile) {
        return value(ifd.entry(TILE_OFFSETS), tile);
    }

    long tileByteCount(Ifd ifd, int tile) {
        return value(ifd.entry(TILE_BYTE_COUNTS), tile);
    }

    String describe(Ifd ifd) {
        return (ifd.sub() ? "SubIFD " : "IFD ") + ifd.index() + " (" + tag(ifd, IMAGE_WIDTH, 0) + "x"
                + tag(ifd, IMAGE_LENGTH, 0) + ")";
    }

    String describeTile(Ifd ifd, int tile) {
        int across = tilesAcross(ifd);
        return describe(ifd) + " tile " + tile + " (row " + tile / across + ", col " + tile % across + ")";
    }

    // ---- little-endian access ------------------------------------------------------------------

    static int u16(byte[] d, int p) {
        return (d[p] & 0xff) | (d[p + 1] & 0xff) << 8;
    }

    static long u32(byte[] d, int p) {
        return (d[p] & 0xffL) | (d[p + 1] & 0xffL) << 8 | (d[p + 2] & 0xffL) << 16 | (d[p + 3] & 0xffL) << 24;
    }

    static void put16(byte[] d, int p, long v) {
        d[p] = (byte) v;
        d[p + 1] = (byte) (v >>> 8);
    }

    static void put32(byte[] d, int p, long v) {
        d[p] = (byte) v;
        d[p + 1] = (byte) (v >>> 8);
        d[p + 2] = (byte) (v >>> 16);
        d[p + 3] = (byte) (v >>> 24);
    }

    static int u16be(byte[] d, int p) {
        return (d[p] & 0xff) << 8 | (d[p + 1] & 0xff);
    }

    static long u32be(byte[] d, int p) {
        return (d[p] & 0xffL) << 24 | (d[p + 1] & 0xffL) << 16 | (d[p + 2] & 0xffL) << 8 | (d[p + 3] & 0xffL);
    }

    static void put16be(byte[] d, int p, long v) {
        d[p] = (byte) (v >>> 8);
        d[p + 1] = (byte) v;
    }

    static void put32be(byte[] d, int p, long v) {
        d[p] = (byte) (v >>> 24);
        d[p + 1] = (byte) (v >>> 16);
        d[p + 2] = (byte) (v >>> 8);
        d[p + 3] = (byte) v;
    }
}

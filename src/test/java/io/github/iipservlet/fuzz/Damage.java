package io.github.iipservlet.fuzz;

import io.github.iipservlet.fuzz.TiffLayout.Entry;
import io.github.iipservlet.fuzz.TiffLayout.Ifd;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.zip.Deflater;

/**
 * Damaged variants of a pyramidal TIFF (JPEG, deflate or LZW tiles) or of a JP2 file, each with a
 * precise description of what was changed (file offsets, old and new values). First a fixed
 * catalogue aimed at the structures a reader trusts (TIFF 6.0: header, IFD chain, entry types and
 * counts, sizes, sample layout, tile offsets and byte counts, SubIFDs, JPEGTables and the tiles'
 * SOF/SOS segments; JP2: boxes, ihdr, the codestream's SIZ, COD, QCD and SOT markers), then seeded
 * random damage of the same places (and anywhere) until the count asked for is reached.
 */
final class Damage {
    /**
     * One damaged file: its description, the level-0 tile it aims at (-1: none in particular), and
     * its bytes, made when asked for (a sweep's variants of a 2.4 MB LZW file would not fit in a
     * test JVM's heap all at once).
     */
    static final class Variant {
        private final String base;
        private final String description;
        private final int tile;
        private final byte[] orig;
        private final Edit edit;

        Variant(String base, String description, int tile, byte[] orig, Edit edit) {
            this.base = base;
            this.description = description;
            this.tile = tile;
            this.orig = orig;
            this.edit = edit;
        }

        String base() {
            return base;
        }

        String description() {
            return description;
        }

        int tile() {
            return tile;
        }

        byte[] bytes() {
            return edit.apply(orig.clone());
        }
    }

    @FunctionalInterface
    private interface Edit {
        byte[] apply(byte[] d);
    }

    private final String base;
    private final byte[] orig;
    private final List<Variant> out = new ArrayList<>();

    private Damage(String base, byte[] orig) {
        this.base = base;
        this.orig = orig;
    }

    private void add(String description, int tile, Edit edit) {
        out.add(new Variant(base, description, tile, orig, edit));
    }

    private static String hex(long v) {
        return v > 9 ? v + " (0x" + Long.toHexString(v).toUpperCase(Locale.ROOT) + ")" : Long.toString(v);
    }

    // =============================================================================================
    // TIFF
    // =============================================================================================

    static final long[] HUGE = {400_000_000L, 2_000_000_000L, 0xFFFFFFFFL};

    static List<Variant> tiff(String base, byte[] orig, long seed, int count) {
        Damage dm = new Damage(base, orig);
        TiffLayout t = TiffLayout.parse(orig);
        List<Ifd> levels = t.levels();
        Ifd l0 = levels.get(0);
        Ifd l1 = levels.size() > 1 ? levels.get(1) : l0;
        Ifd ls = levels.get(levels.size() - 1);
        Ifd lastTop = t.ifds.stream().filter(i -> !i.sub()).reduce((a, b) -> b).orElseThrow();
        int across = t.tilesAcross(l0);
        int tiles = t.tileCount(l0);
        int row1 = Math.min(tiles - 1, across + 1);
        int lastTile = tiles - 1;
        long len = orig.length;
        int compression = (int) t.tag(l0, TiffLayout.COMPRESSION, 1);
        boolean jpeg = compression == 7;

        // ---- header
        for (long v : new long[] {0, len, len + 100, 0xFFFFFFFFL, 1, 3, 4, l0.offset() + 2, t.tileOffset(l0, 0)}) {
            dm.add("header: first IFD offset " + hex(l0.offset()) + " -> " + hex(v), -1, d -> {
                TiffLayout.put32(d, 4, v);
                return d;
            });
        }
        dm.add("header: magic 42 -> 43 (BigTIFF's)", -1, d -> {
            TiffLayout.put16(d, 2, 43);
            return d;
        });
        dm.add("header: magic 42 -> 0", -1, d -> {
            TiffLayout.put16(d, 2, 0);
            return d;
        });
        dm.add("header: byte order II -> MM (read big-endian)", -1, d -> {
            d[0] = 'M';
            d[1] = 'M';
            return d;
        });

        // ---- IFD entry counts and the chain
        for (Ifd ifd : List.of(l0, ls)) {
            for (long v : new long[] {0, 1, 0xFFFF, ifd.count() + 3}) {
                dm.add(t.describe(ifd) + " at " + ifd.offset() + ": entry count " + ifd.count() + " -> " + hex(v), -1,
                        d -> {
                            TiffLayout.put16(d, ifd.offset(), v);
                            return d;
                        });
            }
        }
        dm.add("IFD loop: the last IFD's next-IFD offset (at " + lastTop.nextPtrPos() + ") -> IFD 0 at " + l0.offset(), -1,
                d -> {
                    TiffLayout.put32(d, lastTop.nextPtrPos(), l0.offset());
                    return d;
                });
        dm.add("IFD loop: IFD 0's next-IFD offset (at " + l0.nextPtrPos() + ") -> itself (" + l0.offset() + ")", -1, d -> {
            TiffLayout.put32(d, l0.nextPtrPos(), l0.offset());
            return d;
        });
        if (l1 != l0) {
            dm.add("IFD loop: " + t.describe(l1) + "'s next-IFD offset -> itself (" + l1.offset() + ")", -1, d -> {
                TiffLayout.put32(d, l1.nextPtrPos(), l1.offset());
                return d;
            });
            dm.add("IFD loop: " + t.describe(l1) + "'s next-IFD offset -> IFD 0 (" + l0.offset() + ")", -1, d -> {
                TiffLayout.put32(d, l1.nextPtrPos(), l0.offset());
                return d;
            });
        }
        for (long v : new long[] {len + 10, 0xFFFFFFFFL, t.tileOffset(l0, 0) + 1}) {
            dm.add("the last IFD's next-IFD offset 0 -> " + hex(v), -1, d -> {
                TiffLayout.put32(d, lastTop.nextPtrPos(), v);
                return d;
            });
        }
        // SubIFD loops: the SampleFormat entry (between TileByteCounts and JPEGTables in tag order) becomes SubIFDs.
        Entry sf0 = l0.entry(TiffLayout.SAMPLE_FORMAT);
        if (sf0 != null) {
            long[][] subs = {{l0.offset(), 1}, {l1.offset(), 1}, {len + 8, 1}, {0, 1}, {t.tileOffset(l0, 0), 1},
                {l0.offset(), 0xFFFFFFFFL}, {l1.offset(), 0x40000000L}};
            for (long[] s : subs) {
                String what = s[0] == l0.offset() ? "IFD 0 itself" : s[0] == l1.offset() ? t.describe(l1) : hex(s[0]);
                dm.add("SubIFD loop: IFD 0's SampleFormat entry (at " + sf0.pos() + ") -> SubIFDs (330) LONG count "
                        + hex(s[1]) + " -> " + what, -1, d -> {
                            writeEntry(d, sf0.pos(), TiffLayout.SUB_IFDS, 4, s[1], s[0]);
                            return d;
                        });
            }
            Entry sf1 = l1.entry(TiffLayout.SAMPLE_FORMAT);
            if (sf1 != null && l1 != l0) {
                dm.add("SubIFD loop: " + t.describe(l1) + "'s SampleFormat entry -> SubIFDs (330) -> IFD 0, and IFD 0's -> "
                        + t.describe(l1), -1, d -> {
                            writeEntry(d, sf1.pos(), TiffLayout.SUB_IFDS, 4, 1, l0.offset());
                            writeEntry(d, sf0.pos(), TiffLayout.SUB_IFDS, 4, 1, l1.offset());
                            return d;
                        });
            }
        }

        // ---- sizes and the sample layout
        for (Ifd ifd : List.of(l0, ls)) {
            for (int tag : new int[] {TiffLayout.IMAGE_WIDTH, TiffLayout.IMAGE_LENGTH}) {
                for (long v : new long[] {0, 1, 65536, 0x7FFFFFFFL, 0xFFFFFFFFL}) {
                    dm.setTag(t, ifd, tag, -1, v);
                }
            }
            for (int tag : new int[] {TiffLayout.TILE_WIDTH, TiffLayout.TILE_LENGTH}) {
                for (long v : new long[] {0, 1, 16, 65536, 0x7FFFFFFFL, 0xFFFFFFFFL}) {
                    dm.setTag(t, ifd, tag, -1, v);
                }
            }
        }
        for (long v : new long[] {0, 1, 2, 4, 65535}) {
            dm.setTag(t, l0, TiffLayout.SAMPLES_PER_PIXEL, -1, v);
        }
        for (long v : new long[] {0, 2, 65535}) {
            dm.setTag(t, ls, TiffLayout.SAMPLES_PER_PIXEL, -1, v);
        }
        for (long v : new long[] {0, 1, 2, 4, 7, 12, 16, 24, 32, 64, 65535}) {
            dm.setTag(t, l0, TiffLayout.BITS_PER_SAMPLE, 0, v);
        }
        for (long v : new long[] {0, 1, 12, 16}) {
            dm.setTag(t, l0, TiffLayout.BITS_PER_SAMPLE, -2, v);
        }
        for (long v : new long[] {2, 0, 65535}) {
            dm.setTag(t, l0, TiffLayout.PLANAR_CONFIGURATION, -1, v);
        }
        dm.setTag(t, ls, TiffLayout.PLANAR_CONFIGURATION, -1, 2);
        for (long v : new long[] {0, 1, 2, 5, 6, 7, 8, 34712, 50000, 65535}) {
            if (v != compression) {
                dm.setTag(t, l0, TiffLayout.COMPRESSION, -1, v);
            }
        }
        dm.setTag(t, ls, TiffLayout.COMPRESSION, -1, compression == 1 ? 8 : 1);
        for (long v : new long[] {0, 1, 2, 3, 5, 6, 8, 32844, 65535}) {
            if (v != t.tag(l0, TiffLayout.PHOTOMETRIC, -1)) {
                dm.setTag(t, l0, TiffLayout.PHOTOMETRIC, -1, v);
            }
        }
        if (l0.entry(TiffLayout.PREDICTOR) != null) {
            for (long v : new long[] {1, 3, 0, 65535}) {
                dm.setTag(t, l0, TiffLayout.PREDICTOR, -1, v);
            }
        } else {
            Entry pc = l0.entry(TiffLayout.PLANAR_CONFIGURATION);
            for (long v : new long[] {2, 3}) {
                dm.add(t.describe(l0) + ": PlanarConfiguration entry (at " + pc.pos() + ") -> Predictor (317) = " + v, -1,
                        d -> {
                            writeEntry(d, pc.pos(), TiffLayout.PREDICTOR, 3, 1, v);
                            return d;
                        });
            }
        }
        for (long v : new long[] {2, 3, 4, 0, 65535}) {
            dm.setTag(t, l0, TiffLayout.SAMPLE_FORMAT, -2, v);
        }
        if (l0.entry(TiffLayout.YCBCR_SUBSAMPLING) != null) {
            for (long[] v : new long[][] {{1, 1}, {4, 4}, {0, 0}, {2, 1}, {1, 2}}) {
                Entry e = l0.entry(TiffLayout.YCBCR_SUBSAMPLING);
                dm.add(t.describe(l0) + ": YCbCrSubSampling 2,2 -> " + v[0] + "," + v[1], -1, d -> {
                    TiffLayout.put16(d, t.elementPos(e, 0), v[0]);
                    TiffLayout.put16(d, t.elementPos(e, 1), v[1]);
                    return d;
                });
            }
        }
        for (long v : new long[] {1, 2, 4}) {
            dm.setTag(t, l0, TiffLayout.NEW_SUBFILE_TYPE, -1, v);
        }
        if (l1 != l0) {
            dm.setTag(t, l1, TiffLayout.NEW_SUBFILE_TYPE, -1, 0);
            dm.setTag(t, l1, TiffLayout.NEW_SUBFILE_TYPE, -1, 2);
            dm.setTag(t, l1, TiffLayout.IMAGE_WIDTH, -1, t.tag(l0, TiffLayout.IMAGE_WIDTH, 0) * 2);
            dm.setTag(t, l1, TiffLayout.SAMPLES_PER_PIXEL, -1, 1);
        }

        // ---- the tile arrays' entries themselves
        for (int tag : new int[] {TiffLayout.TILE_OFFSETS, TiffLayout.TILE_BYTE_COUNTS}) {
            Entry e = l0.entry(tag);
            String name = tag == TiffLayout.TILE_OFFSETS ? "TileOffsets" : "TileByteCounts";
            for (int type : new int[] {0, 1, 3, 13, 99}) {
                dm.add(t.describe(l0) + ": " + name + " type " + e.type() + " -> " + type, -1, d -> {
                    TiffLayout.put16(d, e.pos() + 2, type);
                    return d;
                });
            }
            for (long c : new long[] {0, 1, e.count() - 1, e.count() * 2, 0x7FFFFFFFL, 0xFFFFFFFFL}) {
                dm.add(t.describe(l0) + ": " + name + " count " + e.count() + " -> " + hex(c), -1, d -> {
                    TiffLayout.put32(d, e.pos() + 4, c);
                    return d;
                });
            }
            for (long v : new long[] {len, len - 4, 0xFFFFFFFFL, 0, 1}) {
                dm.add(t.describe(l0) + ": " + name + " array offset " + hex(e.valuePos()) + " -> " + hex(v), -1, d -> {
                    TiffLayout.put32(d, e.pos() + 8, v);
                    return d;
                });
            }
        }
        Entry tl = l0.entry(TiffLayout.TILE_LENGTH);
        dm.add(t.describe(l0) + ": TileLength entry's tag -> 322 (TileWidth twice, no TileLength)", -1, d -> {
            TiffLayout.put16(d, tl.pos(), TiffLayout.TILE_WIDTH);
            return d;
        });
        Entry tw = l0.entry(TiffLayout.TILE_WIDTH);
        dm.add(t.describe(l0) + ": TileWidth entry's tag -> 65000 (no TileWidth)", -1, d -> {
            TiffLayout.put16(d, tw.pos(), 65000);
            return d;
        });
        Entry to = l0.entry(TiffLayout.TILE_OFFSETS);
        dm.add(t.describe(l0) + ": TileOffsets entry's tag -> 273 (StripOffsets)", -1, d -> {
            TiffLayout.put16(d, to.pos(), 273);
            return d;
        });

        // ---- tile offsets and byte counts
        int[][] aimed = {{0, 0}, {0, row1}, {0, lastTile}, {levels.size() - 1, 0}};
        for (int[] a : aimed) {
            Ifd ifd = levels.get(a[0]);
            int tile = a[1];
            int hint = a[0] == 0 ? tile : -1;
            long off = t.tileOffset(ifd, tile);
            long cnt = t.tileByteCount(ifd, tile);
            int other = (tile + 1) % t.tileCount(ifd);
            Entry eo = ifd.entry(TiffLayout.TILE_OFFSETS);
            Entry ec = ifd.entry(TiffLayout.TILE_BYTE_COUNTS);
            String where = t.describeTile(ifd, tile);
            for (long v : new long[] {len, len - 2, HUGE[0], HUGE[1], HUGE[2], 0, 8, t.tileOffset(ifd, other)}) {
                dm.add(where + ": offset " + hex(off) + " -> " + hex(v) + (v == len ? " (end of file)" : ""), hint, d -> {
                    TiffLayout.put32(d, t.elementPos(eo, tile), v);
                    return d;
                });
            }
            for (long v : new long[] {0, 1, cnt / 2, cnt + 1000, HUGE[0], HUGE[1], HUGE[2], len}) {
                dm.add(where + ": byte count " + cnt + " -> " + hex(v) + (v == 0 ? " (sparse tile)" : ""), hint, d -> {
                    TiffLayout.put32(d, t.elementPos(ec, tile), v);
                    return d;
                });
            }
            dm.add(where + ": offset and byte count -> 0 (libtiff's sparse tile)", hint, d -> {
                TiffLayout.put32(d, t.elementPos(eo, tile), 0);
                TiffLayout.put32(d, t.elementPos(ec, tile), 0);
                return d;
            });
        }
        {
            Entry ec = l0.entry(TiffLayout.TILE_BYTE_COUNTS);
            dm.add(t.describe(l0) + ": every tile of row 1 sparse (byte count 0)", row1, d -> {
                for (int i = across; i < Math.min(tiles, 2 * across); i++) {
                    TiffLayout.put32(d, t.elementPos(ec, i), 0);
                }
                return d;
            });
            dm.add(t.describe(l0) + ": every tile but tile 0 sparse (byte count 0)", row1, d -> {
                for (int i = 1; i < tiles; i++) {
                    TiffLayout.put32(d, t.elementPos(ec, i), 0);
                }
                return d;
            });
            dm.add(t.describe(l0) + ": every other tile sparse (byte count 0)", row1, d -> {
                for (int i = 1; i < tiles; i += 2) {
                    TiffLayout.put32(d, t.elementPos(ec, i), 0);
                }
                return d;
            });
            dm.add(t.describe(l0) + ": every tile's byte count -> 0xFFFFFFFF", 0, d -> {
                for (int i = 0; i < tiles; i++) {
                    TiffLayout.put32(d, t.elementPos(ec, i), 0xFFFFFFFFL);
                }
                return d;
            });
        }

        // ---- decompression bombs: a small tile that inflates to far more than a tile
        for (int[] a : new int[][] {{0, 0}, {0, row1}, {levels.size() - 1, 0}}) {
            Ifd ifd = levels.get(a[0]);
            int tile = a[1];
            int hint = a[0] == 0 ? tile : -1;
            String where = t.describeTile(ifd, tile);
            if (compression == 8) {
                dm.add(where + ": data -> a zlib stream of 64 MB of zeros (" + Bombs.zlib64m().length
                        + " bytes, appended)", hint, d -> replaceTile(t, d, ifd, tile, Bombs.zlib64m()));
                dm.add(where + ": data -> a zlib stream of 1 GB of zeros (" + Bombs.zlib1g().length + " bytes, appended)",
                        hint, d -> replaceTile(t, d, ifd, tile, Bombs.zlib1g()));
                dm.add(where + ": data -> a zlib stream of 4 KB of random bytes (appended)", hint,
                        d -> replaceTile(t, d, ifd, tile, Bombs.zlibRandom(seed)));
                dm.add(where + ": data -> 4 KB of random bytes (not zlib, appended)", hint,
                        d -> replaceTile(t, d, ifd, tile, Bombs.random(seed, 4096)));
            } else if (compression == 5) {
                dm.add(where + ": data -> an LZW stream of 64 MB of zeros (" + Bombs.lzw64m().length + " bytes, appended)",
                        hint, d -> replaceTile(t, d, ifd, tile, Bombs.lzw64m()));
                dm.add(where + ": data -> an LZW stream that never ends (no EOI code, appended)", hint,
                        d -> replaceTile(t, d, ifd, tile, Arrays.copyOf(Bombs.lzw64m(), Bombs.lzw64m().length - 2)));
                dm.add(where + ": data -> 4 KB of random bytes (appended)", hint,
                        d -> replaceTile(t, d, ifd, tile, Bombs.random(seed, 4096)));
                dm.add(where + ": data -> LZW codes beyond the table (0xFFF repeated, appended)", hint,
                        d -> replaceTile(t, d, ifd, tile, Bombs.lzwBadCodes()));
            } else if (jpeg) {
                dm.add(where + ": data -> 4 KB of random bytes (appended)", hint,
                        d -> replaceTile(t, d, ifd, tile, Bombs.random(seed, 4096)));
                dm.add(where + ": data -> a complete baseline JPEG of 65500x65500 (SOF only, appended)", hint,
                        d -> replaceTile(t, d, ifd, tile, Bombs.hugeJpegHeader(d, (int) t.tileOffset(ifd, tile),
                                (int) t.tileByteCount(ifd, tile))));
            }
        }

        // ---- JPEG: JPEGTables, SOF and SOS of the tiles, entropy-coded data
        if (jpeg) {
            jpegDamage(dm, t, levels, row1, len, seed);
        }

        // ---- truncations
        List<long[]> cuts = new ArrayList<>();
        for (long c : new long[] {0, 1, 2, 4, 7, 8}) {
            cuts.add(new long[] {c});
        }
        cuts.add(new long[] {l0.offset() + 1});
        cuts.add(new long[] {l0.offset() + 2 + 12L * Math.min(3, l0.count())});
        cuts.add(new long[] {l0.nextPtrPos() + 2});
        cuts.add(new long[] {ls.offset() + 5});
        cuts.add(new long[] {t.tileOffset(l0, 0) + t.tileByteCount(l0, 0) / 2});
        cuts.add(new long[] {t.tileOffset(l0, row1) + 10});
        Entry jt = l0.entry(TiffLayout.JPEG_TABLES);
        if (jt != null) {
            cuts.add(new long[] {jt.valuePos() + jt.count() / 2});
        }
        for (int pct : new int[] {10, 25, 50, 75, 90, 99}) {
            cuts.add(new long[] {len * pct / 100});
        }
        cuts.add(new long[] {len - 1});
        cuts.add(new long[] {len - 4});
        for (long[] c : cuts) {
            long at = Math.max(0, Math.min(len - 1, c[0]));
            dm.add("truncated to " + at + " of " + len + " bytes", -1, d -> Arrays.copyOf(d, (int) at));
        }

        // ---- seeded random damage until the count is reached
        SplittableRandom rnd = new SplittableRandom(seed ^ base.hashCode());
        while (dm.out.size() < count) {
            dm.randomTiff(rnd, t, levels, jpeg, len);
        }
        return dm.out;
    }

    private static void jpegDamage(Damage dm, TiffLayout t, List<Ifd> levels, int row1, long len, long seed) {
        Ifd l0 = levels.get(0);
        Entry jt = l0.entry(TiffLayout.JPEG_TABLES);
        if (jt != null) {
            int p = jt.valuePos();
            int n = (int) jt.count();
            dm.add(t.describe(l0) + ": JPEGTables (" + n + " bytes at " + p + ") -> random bytes", -1, d -> {
                byte[] g = Bombs.random(seed + 1, n);
                System.arraycopy(g, 0, d, p, n);
                return d;
            });
            for (long c : new long[] {0, 2, 10, n / 2, 0x7FFFFFFFL}) {
                dm.add(t.describe(l0) + ": JPEGTables count " + n + " -> " + hex(c), -1, d -> {
                    TiffLayout.put32(d, jt.pos() + 4, c);
                    return d;
                });
            }
            for (long v : new long[] {len, 0xFFFFFFFFL, t.tileOffset(l0, 0)}) {
                dm.add(t.describe(l0) + ": JPEGTables offset " + p + " -> " + hex(v), -1, d -> {
                    TiffLayout.put32(d, jt.pos() + 8, v);
                    return d;
                });
            }
            int dqt = indexOf(dm.orig, p, p + n, 0xFF, 0xDB);
            int dht = indexOf(dm.orig, p, p + n, 0xFF, 0xC4);
            if (dqt >= 0) {
                dm.add("JPEGTables: first DQT's Pq/Tq byte (at " + (dqt + 4) + ") -> 0x03 (table 3)", -1, d -> {
                    d[dqt + 4] = 0x03;
                    return d;
                });
                dm.add("JPEGTables: first DQT's Pq/Tq byte (at " + (dqt + 4) + ") -> 0x10 (16-bit table, too short)", -1,
                        d -> {
                            d[dqt + 4] = 0x10;
                            return d;
                        });
                dm.add("JPEGTables: first DQT's length (at " + (dqt + 2) + ") -> 0xFFFF", -1, d -> {
                    TiffLayout.put16be(d, dqt + 2, 0xFFFF);
                    return d;
                });
                dm.add("JPEGTables: first DQT's 64 values (at " + (dqt + 5) + ") -> 0", -1, d -> {
                    Arrays.fill(d, dqt + 5, dqt + 69, (byte) 0);
                    return d;
                });
                dm.add("JPEGTables: first DQT marker (at " + dqt + ") -> EOI (FF D9): no tables", -1, d -> {
                    d[dqt + 1] = (byte) 0xD9;
                    return d;
                });
            }
            if (dht >= 0) {
                dm.add("JPEGTables: first DHT's 16 code counts (at " + (dht + 5) + ") -> 0xFF", -1, d -> {
                    Arrays.fill(d, dht + 5, dht + 21, (byte) 0xFF);
                    return d;
                });
                dm.add("JPEGTables: first DHT's class/id byte (at " + (dht + 4) + ") -> 0xFF", -1, d -> {
                    d[dht + 4] = (byte) 0xFF;
                    return d;
                });
                dm.add("JPEGTables: first DHT's length (at " + (dht + 2) + ") -> 3", -1, d -> {
                    TiffLayout.put16be(d, dht + 2, 3);
                    return d;
                });
            }
            dm.add("JPEGTables: SOI (at " + p + ") -> 00 00", -1, d -> {
                d[p] = 0;
                d[p + 1] = 0;
                return d;
            });
        }
        int[][] aimed = {{0, 0}, {0, row1}, {levels.size() - 1, 0}};
        for (int[] a : aimed) {
            Ifd ifd = levels.get(a[0]);
            int tile = a[1];
            boolean full = a[0] == 0 && tile == 0;
            int hint = a[0] == 0 ? tile : -1;
            int start = (int) t.tileOffset(ifd, tile);
            int end = start + (int) t.tileByteCount(ifd, tile);
            int sof = -1;
            int sos = -1;
            for (int p = start + 2; p + 4 <= end; ) {
                int m = dm.orig[p + 1] & 0xff;
                if ((dm.orig[p] & 0xff) != 0xFF) {
                    break;
                }
                if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC && sof < 0) {
                    sof = p;
                }
                if (m == 0xDA) {
                    sos = p;
                    break;
                }
                p += 2 + TiffLayout.u16be(dm.orig, p + 2);
            }
            if (sof < 0 || sos < 0) {
                continue;
            }
            String where = t.describeTile(ifd, tile);
            int nf = dm.orig[sof + 9] & 0xff;
            final int f = sof;
            for (int k = 0; k < nf; k++) {
                int at = f + 11 + 3 * k;
                int old = dm.orig[at] & 0xff;
                int[] values = k == 0 ? new int[] {0x00, 0x11, 0x44, 0xFF, 0x12, 0x21, 0x10, 0x01} : new int[] {0x00, 0x22, 0x44, 0xFF};
                for (int v : values) {
                    if (v == old || !full && v != 0x00 && v != 0x44 && v != 0x10) {
                        continue;
                    }
                    dm.add(where + ": JPEG SOF component " + k + " sampling factors (byte at " + at + ") 0x"
                            + Integer.toHexString(old) + " -> 0x" + Integer.toHexString(v), hint, d -> {
                                d[at] = (byte) v;
                                return d;
                            });
                }
            }
            for (int v : full ? new int[] {0, 1, 255, 257, 65535} : new int[] {0, 65535}) {
                dm.add(where + ": JPEG SOF height (at " + (f + 5) + ") -> " + v, hint, d -> {
                    TiffLayout.put16be(d, f + 5, v);
                    return d;
                });
                dm.add(where + ": JPEG SOF width (at " + (f + 7) + ") -> " + v, hint, d -> {
                    TiffLayout.put16be(d, f + 7, v);
                    return d;
                });
            }
            if (full) {
                dm.add(where + ": JPEG SOF height and width -> 65500x65500 (a decompression bomb)", hint, d -> {
                    TiffLayout.put16be(d, f + 5, 65500);
                    TiffLayout.put16be(d, f + 7, 65500);
                    return d;
                });
                for (int v : new int[] {0, 12, 16, 255}) {
                    dm.add(where + ": JPEG SOF precision (at " + (f + 4) + ") 8 -> " + v, hint, d -> {
                        d[f + 4] = (byte) v;
                        return d;
                    });
                }
                for (int v : new int[] {0, 1, 2, 4, 255}) {
                    if (v != nf) {
                        dm.add(where + ": JPEG SOF component count (at " + (f + 9) + ") " + nf + " -> " + v, hint, d -> {
                            d[f + 9] = (byte) v;
                            return d;
                        });
                    }
                }
                for (int v : new int[] {3, 4, 255}) {
                    dm.add(where + ": JPEG SOF component 0 quantisation table (at " + (f + 12) + ") -> " + v, hint, d -> {
                        d[f + 12] = (byte) v;
                        return d;
                    });
                }
                for (int v : new int[] {0xC1, 0xC2, 0xC3, 0xC9, 0xCF}) {
                    dm.add(where + ": JPEG SOF marker (at " + f + ") FF C0 -> FF " + Integer.toHexString(v).toUpperCase(Locale.ROOT),
                            hint, d -> {
                                d[f + 1] = (byte) v;
                                return d;
                            });
                }
                for (int v : new int[] {0, 1, 65535}) {
                    dm.add(where + ": JPEG SOF length (at " + (f + 2) + ") -> " + v, hint, d -> {
                        TiffLayout.put16be(d, f + 2, v);
                        return d;
                    });
                }
                final int s = sos;
                dm.add(where + ": JPEG SOS component count (at " + (s + 4) + ") -> 0", hint, d -> {
                    d[s + 4] = 0;
                    return d;
                });
                dm.add(where + ": JPEG SOS component count (at " + (s + 4) + ") -> 4", hint, d -> {
                    d[s + 4] = 4;
                    return d;
                });
                dm.add(where + ": JPEG SOS component 0 table ids (at " + (s + 6) + ") -> 0x33", hint, d -> {
                    d[s + 6] = 0x33;
                    return d;
                });
                dm.add(where + ": JPEG SOS component 0 table ids (at " + (s + 6) + ") -> 0xFF", hint, d -> {
                    d[s + 6] = (byte) 0xFF;
                    return d;
                });
                int ls0 = TiffLayout.u16be(dm.orig, s + 2);
                int data = s + 2 + ls0;
                int mid = (data + end) / 2;
                dm.add(where + ": entropy-coded data: EOI (FF D9) at " + mid + ", halfway", hint, d -> {
                    d[mid] = (byte) 0xFF;
                    d[mid + 1] = (byte) 0xD9;
                    return d;
                });
                dm.add(where + ": entropy-coded data: 64 bytes from " + mid + " -> 0xFF", hint, d -> {
                    Arrays.fill(d, mid, Math.min(end - 2, mid + 64), (byte) 0xFF);
                    return d;
                });
                dm.add(where + ": entropy-coded data: restart markers (FF D0..D7) every 32 bytes", hint, d -> {
                    for (int p = data + 16, i = 0; p + 1 < end - 2; p += 32, i++) {
                        d[p] = (byte) 0xFF;
                        d[p + 1] = (byte) (0xD0 + (i & 7));
                    }
                    return d;
                });
                dm.add(where + ": entropy-coded data -> zeros (" + (end - 2 - data) + " bytes)", hint, d -> {
                    Arrays.fill(d, data, end - 2, (byte) 0);
                    return d;
                });
                dm.add(where + ": SOI (at " + start + ") -> 00 00", hint, d -> {
                    d[start] = 0;
                    d[start + 1] = 0;
                    return d;
                });
            }
        }
    }

    private void randomTiff(SplittableRandom rnd, TiffLayout t, List<Ifd> levels, boolean jpeg, long len) {
        int kind = rnd.nextInt(jpeg ? 9 : 8);
        switch (kind) {
            case 0 -> {
                int at = 1 + rnd.nextInt((int) len - 1);
                add("random truncation to " + at + " of " + len + " bytes", -1, d -> Arrays.copyOf(d, at));
            }
            case 1 -> {
                Ifd ifd = t.ifds.get(rnd.nextInt(t.ifds.size()));
                Entry e = ifd.entries().get(rnd.nextInt(ifd.entries().size()));
                int at = e.pos() + rnd.nextInt(12);
                int v = rnd.nextInt(256);
                int old = orig[at] & 0xff;
                add(t.describe(ifd) + ": entry of tag " + e.tag() + " (at " + e.pos() + "), byte " + (at - e.pos()) + " (at "
                        + at + ") 0x" + Integer.toHexString(old) + " -> 0x" + Integer.toHexString(v), -1, d -> {
                            d[at] = (byte) v;
                            return d;
                        });
            }
            case 2 -> {
                Ifd ifd = t.ifds.get(rnd.nextInt(t.ifds.size()));
                List<Entry> outOfLine = ifd.entries().stream().filter(e -> !e.inline()).toList();
                if (outOfLine.isEmpty()) {
                    return;
                }
                Entry e = outOfLine.get(rnd.nextInt(outOfLine.size()));
                long bytes = e.count() * e.elementSize();
                int at = e.valuePos() + rnd.nextInt((int) Math.max(1, bytes));
                int v = rnd.nextInt(256);
                add(t.describe(ifd) + ": value of tag " + e.tag() + ", byte at " + at + " 0x"
                        + Integer.toHexString(orig[at] & 0xff) + " -> 0x" + Integer.toHexString(v), -1, d -> {
                            d[at] = (byte) v;
                            return d;
                        });
            }
            case 3 -> {
                int li = rnd.nextInt(levels.size());
                Ifd ifd = levels.get(li);
                int tile = rnd.nextInt(t.tileCount(ifd));
                boolean offset = rnd.nextBoolean();
                Entry e = ifd.entry(offset ? TiffLayout.TILE_OFFSETS : TiffLayout.TILE_BYTE_COUNTS);
                long old = t.value(e, tile);
                long[] choices = {0, 1, len, len - 1, len + 1, HUGE[0], HUGE[1], HUGE[2], 0x80000000L, old + 1, old - 1,
                    old * 2, rnd.nextLong(0x100000000L)};
                long v = choices[rnd.nextInt(choices.length)];
                add(t.describeTile(ifd, tile) + ": " + (offset ? "offset " : "byte count ") + hex(old) + " -> " + hex(v),
                        li == 0 ? tile : -1, d -> {
                            TiffLayout.put32(d, t.elementPos(e, tile), v);
                            return d;
                        });
            }
            case 4 -> {
                int li = rnd.nextInt(levels.size());
                Ifd ifd = levels.get(li);
                int tile = rnd.nextInt(t.tileCount(ifd));
                long off = t.tileOffset(ifd, tile);
                long cnt = t.tileByteCount(ifd, tile);
                int n = 1 + rnd.nextInt(16);
                int[] at = new int[n];
                byte[] v = new byte[n];
                StringBuilder b = new StringBuilder();
                for (int i = 0; i < n; i++) {
                    at[i] = (int) (off + rnd.nextLong(Math.max(1, cnt)));
                    v[i] = (byte) rnd.nextInt(256);
                    b.append(i == 0 ? "" : ",").append(at[i]).append("=0x").append(Integer.toHexString(v[i] & 0xff));
                }
                add(t.describeTile(ifd, tile) + ": " + n + " data byte(s) set: " + b, li == 0 ? tile : -1, d -> {
                    for (int i = 0; i < n; i++) {
                        d[at[i]] = v[i];
                    }
                    return d;
                });
            }
            case 5 -> {
                int n = 1 + rnd.nextInt(8);
                int[] at = new int[n];
                int[] bit = new int[n];
                StringBuilder b = new StringBuilder();
                for (int i = 0; i < n; i++) {
                    at[i] = rnd.nextInt((int) len);
                    bit[i] = rnd.nextInt(8);
                    b.append(i == 0 ? "" : ",").append(at[i]).append(":").append(bit[i]);
                }
                add(n + " random bit flip(s) anywhere (offset:bit " + b + ")", -1, d -> {
                    for (int i = 0; i < n; i++) {
                        d[at[i]] ^= (byte) (1 << bit[i]);
                    }
                    return d;
                });
            }
            case 6 -> {
                Ifd ifd = t.ifds.get(rnd.nextInt(t.ifds.size()));
                Ifd to = t.ifds.get(rnd.nextInt(t.ifds.size()));
                add("IFD chain: " + t.describe(ifd) + "'s next-IFD offset -> " + t.describe(to) + " at " + to.offset(), -1,
                        d -> {
                            TiffLayout.put32(d, ifd.nextPtrPos(), to.offset());
                            return d;
                        });
            }
            case 7 -> {
                Ifd ifd = levels.get(rnd.nextInt(levels.size()));
                int[] tags = {TiffLayout.IMAGE_WIDTH, TiffLayout.IMAGE_LENGTH, TiffLayout.TILE_WIDTH, TiffLayout.TILE_LENGTH,
                    TiffLayout.SAMPLES_PER_PIXEL, TiffLayout.BITS_PER_SAMPLE, TiffLayout.COMPRESSION, TiffLayout.PHOTOMETRIC,
                    TiffLayout.PLANAR_CONFIGURATION};
                int tag = tags[rnd.nextInt(tags.length)];
                long[] values = {0, 1, 2, 3, 8, 15, 16, 17, 255, 256, 257, 4096, 65535, 65536, 0x7FFFFFFFL, 0xFFFFFFFFL};
                setTag(t, ifd, tag, -1, values[rnd.nextInt(values.length)]);
            }
            default -> {
                // a random byte of a random tile's JPEG header (SOI to SOS) or of JPEGTables
                Ifd ifd = levels.get(rnd.nextInt(levels.size()));
                int tile = rnd.nextInt(t.tileCount(ifd));
                int start = (int) t.tileOffset(ifd, tile);
                int headerEnd = indexOf(orig, start, start + (int) t.tileByteCount(ifd, tile), 0xFF, 0xDA);
                if (headerEnd < 0) {
                    return;
                }
                int at = start + rnd.nextInt(headerEnd + 14 - start);
                int v = rnd.nextInt(256);
                add(t.describeTile(ifd, tile) + ": JPEG header byte at " + at + " (+" + (at - start) + ") 0x"
                        + Integer.toHexString(orig[at] & 0xff) + " -> 0x" + Integer.toHexString(v),
                        ifd == levels.get(0) ? tile : -1, d -> {
                            d[at] = (byte) v;
                            return d;
                        });
            }
        }
    }

    /**
     * Sets value {@code idx} of a tag (-1: the only value, type widened to LONG if needed; -2: every
     * value) and records it.
     */
    private void setTag(TiffLayout t, Ifd ifd, int tag, int idx, long v) {
        Entry e = ifd.entry(tag);
        if (e == null) {
            return;
        }
        long old = t.value(e, Math.max(0, idx));
        String what = t.describe(ifd) + ": tag " + tagName(tag) + (idx == -2 ? " (every value) " : idx > 0 ? "[" + idx + "] " : " ")
                + hex(old) + " -> " + hex(v);
        add(what, -1, d -> {
            if (idx == -2) {
                for (int i = 0; i < e.count(); i++) {
                    putElement(d, t, e, i, v);
                }
            } else if (e.count() == 1 && e.inline() && e.type() == 3 && v > 0xFFFF) {
                TiffLayout.put16(d, e.pos() + 2, 4);
                TiffLayout.put32(d, e.pos() + 8, v);
            } else {
                putElement(d, t, e, Math.max(0, idx), v);
            }
            return d;
        });
    }

    private static void putElement(byte[] d, TiffLayout t, Entry e, int i, long v) {
        int p = t.elementPos(e, i);
        switch (e.elementSize()) {
            case 1 -> d[p] = (byte) v;
            case 2 -> TiffLayout.put16(d, p, v);
            default -> TiffLayout.put32(d, p, v);
        }
    }

    private static void writeEntry(byte[] d, int pos, int tag, int type, long count, long value) {
        TiffLayout.put16(d, pos, tag);
        TiffLayout.put16(d, pos + 2, type);
        TiffLayout.put32(d, pos + 4, count);
        TiffLayout.put32(d, pos + 8, value);
    }

    /** Appends {@code data} and points the tile at it. */
    private static byte[] replaceTile(TiffLayout t, byte[] d, Ifd ifd, int tile, byte[] data) {
        int at = d.length + (d.length & 1);
        byte[] n = Arrays.copyOf(d, at + data.length);
        System.arraycopy(data, 0, n, at, data.length);
        TiffLayout.put32(n, t.elementPos(ifd.entry(TiffLayout.TILE_OFFSETS), tile), at);
        TiffLayout.put32(n, t.elementPos(ifd.entry(TiffLayout.TILE_BYTE_COUNTS), tile), data.length);
        return n;
    }

    static String tagName(int tag) {
        return switch (tag) {
            case TiffLayout.NEW_SUBFILE_TYPE -> "NewSubfileType";
            case TiffLayout.IMAGE_WIDTH -> "ImageWidth";
            case TiffLayout.IMAGE_LENGTH -> "ImageLength";
            case TiffLayout.BITS_PER_SAMPLE -> "BitsPerSample";
            case TiffLayout.COMPRESSION -> "Compression";
            case TiffLayout.PHOTOMETRIC -> "Photometric";
            case TiffLayout.SAMPLES_PER_PIXEL -> "SamplesPerPixel";
            case TiffLayout.PLANAR_CONFIGURATION -> "PlanarConfiguration";
            case TiffLayout.PREDICTOR -> "Predictor";
            case TiffLayout.TILE_WIDTH -> "TileWidth";
            case TiffLayout.TILE_LENGTH -> "TileLength";
            case TiffLayout.SAMPLE_FORMAT -> "SampleFormat";
            default -> Integer.toString(tag);
        };
    }

    static int indexOf(byte[] d, int from, int to, int b0, int b1) {
        for (int p = Math.max(0, from); p + 1 < Math.min(to, d.length); p++) {
            if ((d[p] & 0xff) == b0 && (d[p + 1] & 0xff) == b1) {
                return p;
            }
        }
        return -1;
    }

    // =============================================================================================
    // JP2
    // =============================================================================================

    static List<Variant> jp2(String base, byte[] orig, long seed, int count) {
        Damage dm = new Damage(base, orig);
        Jp2Layout j = Jp2Layout.parse(orig);
        long len = orig.length;

        // ---- boxes
        for (Jp2Layout.Box b : j.boxes) {
            for (long v : new long[] {0, 1, 7, 8, b.length() + 100, 0x7FFFFFFFL, 0xFFFFFFFFL, Math.max(8, b.length() - 5)}) {
                if (v == b.length()) {
                    continue;
                }
                dm.add("box '" + b.type() + "' at " + b.pos() + ": length " + b.length() + " -> " + hex(v), -1, d -> {
                    TiffLayout.put32be(d, b.pos(), v);
                    return d;
                });
            }
            dm.add("box '" + b.type() + "' at " + b.pos() + ": type -> 'xxxx'", -1, d -> {
                d[b.pos() + 4] = 'x';
                d[b.pos() + 5] = 'x';
                d[b.pos() + 6] = 'x';
                d[b.pos() + 7] = 'x';
                return d;
            });
        }
        if (j.ihdr >= 0) {
            int h = j.ihdr;
            for (long v : new long[] {0, 1, 65536, 0x7FFFFFFFL, 0xFFFFFFFFL}) {
                dm.add("ihdr: height " + TiffLayout.u32be(orig, h + 8) + " -> " + hex(v), -1, d -> {
                    TiffLayout.put32be(d, h + 8, v);
                    return d;
                });
                dm.add("ihdr: width " + TiffLayout.u32be(orig, h + 12) + " -> " + hex(v), -1, d -> {
                    TiffLayout.put32be(d, h + 12, v);
                    return d;
                });
            }
            for (long v : new long[] {0, 1, 2, 4, 65535}) {
                dm.add("ihdr: component count " + TiffLayout.u16be(orig, h + 16) + " -> " + v, -1, d -> {
                    TiffLayout.put16be(d, h + 16, v);
                    return d;
                });
            }
            for (int v : new int[] {0, 15, 37, 0x87, 0xFF}) {
                dm.add("ihdr: bits per component byte " + (orig[h + 18] & 0xff) + " -> 0x" + Integer.toHexString(v), -1, d -> {
                    d[h + 18] = (byte) v;
                    return d;
                });
            }
            dm.add("ihdr: compression type 7 -> 0", -1, d -> {
                d[h + 19] = 0;
                return d;
            });
        }
        if (j.colr >= 0) {
            int c = j.colr;
            for (int v : new int[] {0, 2, 3, 99}) {
                dm.add("colr: method " + orig[c + 8] + " -> " + v, -1, d -> {
                    d[c + 8] = (byte) v;
                    return d;
                });
            }
            for (long v : new long[] {0, 12, 0xFFFFFFFFL}) {
                dm.add("colr: enumerated colour space " + TiffLayout.u32be(orig, c + 11) + " -> " + hex(v), -1, d -> {
                    TiffLayout.put32be(d, c + 11, v);
                    return d;
                });
            }
        }

        // ---- the codestream's main header
        int s = j.siz;
        if (s >= 0) {
            String[] names = {"Xsiz", "Ysiz", "XOsiz", "YOsiz", "XTsiz", "YTsiz", "XTOsiz", "YTOsiz"};
            long xsiz = TiffLayout.u32be(orig, s + 6);
            long ysiz = TiffLayout.u32be(orig, s + 10);
            long[][] values = {{0, 1, 65536, 0x7FFFFFFFL, 0xFFFFFFFFL}, {0, 1, 65536, 0x7FFFFFFFL, 0xFFFFFFFFL},
                {xsiz, xsiz + 1, 0x80000000L, 0xFFFFFFFFL}, {ysiz, ysiz + 1, 0x80000000L}, {0, 1, 16, 0xFFFFFFFFL},
                {0, 1, 16, 0xFFFFFFFFL}, {xsiz + 1, 0xFFFFFFFFL}, {ysiz + 1}};
            for (int i = 0; i < names.length; i++) {
                int at = s + 6 + 4 * i;
                long old = TiffLayout.u32be(orig, at);
                for (long v : values[i]) {
                    if (v != old) {
                        dm.add("SIZ: " + names[i] + " (at " + at + ") " + hex(old) + " -> " + hex(v), -1, d -> {
                            TiffLayout.put32be(d, at, v);
                            return d;
                        });
                    }
                }
            }
            int csiz = TiffLayout.u16be(orig, s + 38);
            for (long v : new long[] {0, 1, 2, 4, 16384, 65535}) {
                if (v != csiz) {
                    dm.add("SIZ: Csiz (at " + (s + 38) + ") " + csiz + " -> " + v, -1, d -> {
                        TiffLayout.put16be(d, s + 38, v);
                        return d;
                    });
                }
            }
            for (int k = 0; k < Math.min(csiz, 3); k++) {
                int at = s + 40 + 3 * k;
                for (int v : k == 0 ? new int[] {0x00, 0x0F, 0x1F, 0x26, 0x87, 0xFF} : new int[] {0x0F, 0x26}) {
                    dm.add("SIZ: component " + k + " Ssiz (at " + at + ") 0x" + Integer.toHexString(orig[at] & 0xff) + " -> 0x"
                            + Integer.toHexString(v), -1, d -> {
                                d[at] = (byte) v;
                                return d;
                            });
                }
                for (int v : k == 0 ? new int[] {0, 2, 255} : new int[] {0, 2}) {
                    dm.add("SIZ: component " + k + " XRsiz (at " + (at + 1) + ") -> " + v, -1, d -> {
                        d[at + 1] = (byte) v;
                        return d;
                    });
                    dm.add("SIZ: component " + k + " YRsiz (at " + (at + 2) + ") -> " + v, -1, d -> {
                        d[at + 2] = (byte) v;
                        return d;
                    });
                }
            }
            for (long v : new long[] {0, 1, 38, 65535}) {
                dm.add("SIZ: Lsiz (at " + (s + 2) + ") -> " + v, -1, d -> {
                    TiffLayout.put16be(d, s + 2, v);
                    return d;
                });
            }
            dm.add("SIZ marker (at " + s + ") FF 51 -> FF 00", -1, d -> {
                d[s + 1] = 0;
                return d;
            });
        }
        int c = j.cod;
        if (c >= 0) {
            int[][] fields = {{5, 0, 1, 4, 5, 255}, {9, 0, 1, 32, 33, 255}, {10, 0, 8, 15, 255}, {11, 0, 8, 255},
                {12, 0xFF, 0x40}, {13, 0, 2, 255}, {8, 0, 2, 255}, {4, 0xFF, 0x01}};
            String[] names = {"progression order", "decomposition levels", "code-block width exponent",
                "code-block height exponent", "code-block style", "wavelet transform", "multiple component transform", "Scod"};
            for (int i = 0; i < fields.length; i++) {
                int at = c + fields[i][0];
                int old = orig[at] & 0xff;
                for (int k = 1; k < fields[i].length; k++) {
                    int v = fields[i][k];
                    if (v != old) {
                        dm.add("COD: " + names[i] + " (at " + at + ") " + old + " -> " + v, -1, d -> {
                            d[at] = (byte) v;
                            return d;
                        });
                    }
                }
            }
            int layers = TiffLayout.u16be(orig, c + 6);
            for (long v : new long[] {0, 2, 65535}) {
                if (v != layers) {
                    dm.add("COD: layers (at " + (c + 6) + ") " + layers + " -> " + v, -1, d -> {
                        TiffLayout.put16be(d, c + 6, v);
                        return d;
                    });
                }
            }
            for (long v : new long[] {0, 1, 65535}) {
                dm.add("COD: Lcod (at " + (c + 2) + ") -> " + v, -1, d -> {
                    TiffLayout.put16be(d, c + 2, v);
                    return d;
                });
            }
        }
        int q = j.qcd;
        if (q >= 0) {
            for (int v : new int[] {0xFF, 0x1F, 0x02}) {
                dm.add("QCD: Sqcd (at " + (q + 4) + ") 0x" + Integer.toHexString(orig[q + 4] & 0xff) + " -> 0x"
                        + Integer.toHexString(v), -1, d -> {
                            d[q + 4] = (byte) v;
                            return d;
                        });
            }
            for (long v : new long[] {0, 3, 65535}) {
                dm.add("QCD: Lqcd (at " + (q + 2) + ") -> " + v, -1, d -> {
                    TiffLayout.put16be(d, q + 2, v);
                    return d;
                });
            }
            dm.add("QCD: step sizes (" + (TiffLayout.u16be(orig, q + 2) - 3) + " bytes from " + (q + 5) + ") -> 0xFF", -1, d -> {
                Arrays.fill(d, q + 5, q + 2 + TiffLayout.u16be(orig, q + 2), (byte) 0xFF);
                return d;
            });
        }
        dm.add("SOC (at " + j.cs + ") -> 00 00", -1, d -> {
            d[j.cs] = 0;
            d[j.cs + 1] = 0;
            return d;
        });

        // ---- tile-parts
        List<Integer> sots = j.sots;
        List<Integer> aimed = new ArrayList<>();
        aimed.add(sots.get(0));
        if (sots.size() > 2) {
            aimed.add(sots.get(sots.size() / 2));
            aimed.add(sots.get(sots.size() - 1));
        }
        for (int sot : aimed) {
            int isot = TiffLayout.u16be(orig, sot + 4);
            long psot = TiffLayout.u32be(orig, sot + 6);
            String where = "tile-part of tile " + isot + " (SOT at " + sot + ")";
            for (long v : new long[] {0, 1, 14, psot / 2, psot + 1000, len, 0xFFFFFFFFL}) {
                dm.add(where + ": Psot " + psot + " -> " + hex(v), -1, d -> {
                    TiffLayout.put32be(d, sot + 6, v);
                    return d;
                });
            }
            for (long v : new long[] {65535, sots.size(), isot + 1}) {
                dm.add(where + ": Isot " + isot + " -> " + v, -1, d -> {
                    TiffLayout.put16be(d, sot + 4, v);
                    return d;
                });
            }
            dm.add(where + ": TPsot -> 255", -1, d -> {
                d[sot + 10] = (byte) 255;
                return d;
            });
            dm.add(where + ": TNsot -> 0 and TPsot -> 1", -1, d -> {
                d[sot + 10] = 1;
                d[sot + 11] = 0;
                return d;
            });
            for (long v : new long[] {0, 11, 65535}) {
                dm.add(where + ": Lsot -> " + v, -1, d -> {
                    TiffLayout.put16be(d, sot + 2, v);
                    return d;
                });
            }
            long end = psot == 0 ? len - 2 : Math.min(len - 2, sot + psot);
            int mid = (int) ((sot + 14 + end) / 2);
            dm.add(where + ": packet data: 64 bytes from " + mid + " -> 0xFF", -1, d -> {
                Arrays.fill(d, mid, (int) Math.min(end, mid + 64), (byte) 0xFF);
                return d;
            });
            dm.add(where + ": packet data: an SOT marker (FF 90) at " + mid, -1, d -> {
                d[mid] = (byte) 0xFF;
                d[mid + 1] = (byte) 0x90;
                return d;
            });
            dm.add(where + ": packet data -> zeros (" + (end - sot - 14) + " bytes)", -1, d -> {
                Arrays.fill(d, sot + 14, (int) end, (byte) 0);
                return d;
            });
        }
        dm.add("EOC (FF D9) at the end -> 00 00", -1, d -> {
            d[d.length - 2] = 0;
            d[d.length - 1] = 0;
            return d;
        });

        // ---- truncations
        List<Long> cuts = new ArrayList<>(List.of(0L, 4L, 12L, 20L, 40L));
        if (j.ihdr >= 0) {
            cuts.add((long) j.ihdr + 12);
        }
        cuts.add((long) j.cs + 2);
        if (s >= 0) {
            cuts.add((long) s + 20);
        }
        if (c >= 0) {
            cuts.add((long) c + 8);
        }
        cuts.add((long) sots.get(0));
        cuts.add((long) sots.get(0) + 12);
        cuts.add((long) sots.get(0) + 200);
        for (int pct : new int[] {10, 25, 50, 75, 90, 99}) {
            cuts.add(len * pct / 100);
        }
        cuts.add(len - 1);
        cuts.add(len - 2);
        for (long at : cuts) {
            long a = Math.max(0, Math.min(len - 1, at));
            dm.add("truncated to " + a + " of " + len + " bytes", -1, d -> Arrays.copyOf(d, (int) a));
        }

        // ---- seeded random damage
        SplittableRandom rnd = new SplittableRandom(seed ^ base.hashCode());
        int headerEnd = sots.get(0);
        while (dm.out.size() < count) {
            int kind = rnd.nextInt(6);
            switch (kind) {
                case 0 -> {
                    int at = 1 + rnd.nextInt((int) len - 1);
                    dm.add("random truncation to " + at + " of " + len + " bytes", -1, d -> Arrays.copyOf(d, at));
                }
                case 1, 2 -> {
                    int at = j.cs + rnd.nextInt(headerEnd + 14 - j.cs);
                    int v = rnd.nextInt(256);
                    dm.add("codestream main header byte at " + at + " 0x" + Integer.toHexString(orig[at] & 0xff) + " -> 0x"
                            + Integer.toHexString(v), -1, d -> {
                                d[at] = (byte) v;
                                return d;
                            });
                }
                case 3 -> {
                    int at = rnd.nextInt(j.cs);
                    int v = rnd.nextInt(256);
                    dm.add("box structure byte at " + at + " 0x" + Integer.toHexString(orig[at] & 0xff) + " -> 0x"
                            + Integer.toHexString(v), -1, d -> {
                                d[at] = (byte) v;
                                return d;
                            });
                }
                case 4 -> {
                    int sot = sots.get(rnd.nextInt(sots.size()));
                    int at = sot + 2 + rnd.nextInt(10);
                    int v = rnd.nextInt(256);
                    dm.add("SOT at " + sot + ": byte at " + at + " 0x" + Integer.toHexString(orig[at] & 0xff) + " -> 0x"
                            + Integer.toHexString(v), -1, d -> {
                                d[at] = (byte) v;
                                return d;
                            });
                }
                default -> {
                    int n = 1 + rnd.nextInt(16);
                    int[] at = new int[n];
                    byte[] v = new byte[n];
                    StringBuilder b = new StringBuilder();
                    for (int i = 0; i < n; i++) {
                        at[i] = headerEnd + rnd.nextInt((int) len - headerEnd);
                        v[i] = (byte) rnd.nextInt(256);
                        b.append(i == 0 ? "" : ",").append(at[i]).append("=0x").append(Integer.toHexString(v[i] & 0xff));
                    }
                    dm.add(n + " tile data byte(s) set: " + b, -1, d -> {
                        for (int i = 0; i < n; i++) {
                            d[at[i]] = v[i];
                        }
                        return d;
                    });
                }
            }
        }
        return dm.out;
    }

    // =============================================================================================
    // bombs
    // =============================================================================================

    static final class Bombs {
        private static byte[] zlib64m;
        private static byte[] zlib1g;
        private static byte[] lzw64m;

        private Bombs() {
        }

        static synchronized byte[] zlib64m() {
            if (zlib64m == null) {
                zlib64m = zlibZeros(64L << 20);
            }
            return zlib64m;
        }

        static synchronized byte[] zlib1g() {
            if (zlib1g == null) {
                zlib1g = zlibZeros(1L << 30);
            }
            return zlib1g;
        }

        static byte[] zlibZeros(long n) {
            Deflater d = new Deflater(9);
            byte[] zeros = new byte[1 << 20];
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[65536];
            for (long done = 0; done < n; done += zeros.length) {
                d.setInput(zeros);
                while (!d.needsInput()) {
                    int k = d.deflate(buf);
                    out.write(buf, 0, k);
                }
            }
            d.finish();
            while (!d.finished()) {
                int k = d.deflate(buf);
                out.write(buf, 0, k);
            }
            d.end();
            return out.toByteArray();
        }

        static byte[] zlibRandom(long seed) {
            Deflater d = new Deflater(1);
            d.setInput(random(seed, 4096));
            d.finish();
            byte[] buf = new byte[8192];
            int n = d.deflate(buf);
            d.end();
            return Arrays.copyOf(buf, n);
        }

        static byte[] random(long seed, int n) {
            byte[] b = new byte[n];
            new SplittableRandom(seed * 31 + n).nextBytes(b);
            return b;
        }

        /** TIFF LZW (MSB first, early change) of 64 MB of zeros. */
        static synchronized byte[] lzw64m() {
            if (lzw64m == null) {
                lzw64m = lzwZeros(64 << 20);
            }
            return lzw64m;
        }

        static byte[] lzwZeros(int n) {
            Bits bits = new Bits();
            int[] table = new int[4096 * 256];
            Arrays.fill(table, -1);
            int nbits = 9;
            int next = 258;
            bits.put(256, nbits);
            int w = 0;
            for (int i = 1; i < n; i++) {
                int key = w << 8;
                int code = table[key];
                if (code >= 0) {
                    w = code;
                    continue;
                }
                bits.put(w, nbits);
                table[key] = next++;
                if (next > (1 << nbits) - 1 && nbits < 12) {
                    nbits++;
                }
                w = 0;
                if (next == 4094) {
                    bits.put(256, nbits);
                    Arrays.fill(table, -1);
                    nbits = 9;
                    next = 258;
                }
            }
            bits.put(w, nbits);
            next++;
            if (next > (1 << nbits) - 1 && nbits < 12) {
                nbits++;
            }
            bits.put(257, nbits);
            return bits.toArray();
        }

        /** A clear code, then 12-bit codes that were never defined. */
        static byte[] lzwBadCodes() {
            Bits bits = new Bits();
            bits.put(256, 9);
            for (int i = 0; i < 2000; i++) {
                bits.put(0xFFF & (4000 + i), 12);
            }
            return bits.toArray();
        }

        /** The tile's own JPEG stream with its SOF claiming 65500x65500. */
        static byte[] hugeJpegHeader(byte[] d, int start, int count) {
            byte[] tile = Arrays.copyOfRange(d, start, start + count);
            int sof = -1;
            for (int p = 2; p + 4 <= tile.length && (tile[p] & 0xff) == 0xFF; p += 2 + TiffLayout.u16be(tile, p + 2)) {
                int m = tile[p + 1] & 0xff;
                if (m == 0xC0 || m == 0xC1 || m == 0xC2) {
                    sof = p;
                    break;
                }
            }
            if (sof >= 0) {
                TiffLayout.put16be(tile, sof + 5, 65500);
                TiffLayout.put16be(tile, sof + 7, 65500);
            }
            return tile;
        }

        private static final class Bits {
            private final ByteArrayOutputStream bos = new ByteArrayOutputStream();
            private long acc;
            private int n;

            void put(int code, int width) {
                acc = acc << width | code;
                n += width;
                while (n >= 8) {
                    bos.write((int) (acc >>> (n - 8)));
                    n -= 8;
                }
                acc &= (1L << n) - 1;
            }

            byte[] toArray() {
                if (n > 0) {
                    bos.write((int) (acc << (8 - n)));
                    n = 0;
                }
                return bos.toByteArray();
            }
        }
    }
}

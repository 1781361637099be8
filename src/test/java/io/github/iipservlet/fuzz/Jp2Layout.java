package io.github.iipservlet.fuzz;

import java.util.ArrayList;
import java.util.List;

/**
 * The structure of a JP2 file (ISO 15444-1 annex I) or a raw codestream, read in the test so that
 * damage can be aimed: the top-level boxes, ihdr and colr, and in the codestream the SIZ, COD and
 * QCD marker segments and every tile-part's SOT. Positions are file offsets of the box or marker.
 */
final class Jp2Layout {
    record Box(int pos, long length, String type) {
    }

    final List<Box> boxes = new ArrayList<>();
    int ihdr = -1;
    int colr = -1;
    /** Start of the codestream (its SOC marker). */
    int cs = -1;
    int siz = -1;
    int cod = -1;
    int qcd = -1;
    final List<Integer> sots = new ArrayList<>();

    static Jp2Layout parse(byte[] d) {
        Jp2Layout j = new Jp2Layout();
        if ((d[0] & 0xff) == 0xFF && (d[1] & 0xff) == 0x4F) {
            j.cs = 0;
        } else {
            int p = 0;
            while (p + 8 <= d.length) {
                long l = TiffLayout.u32be(d, p);
                String type = new String(d, p + 4, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
                long length = l == 0 ? d.length - p : l;
                j.boxes.add(new Box(p, l, type));
                if ("jp2h".equals(type)) {
                    int q = p + 8;
                    while (q + 8 <= p + length) {
                        long sl = TiffLayout.u32be(d, q);
                        String st = new String(d, q + 4, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
                        j.boxes.add(new Box(q, sl, st));
                        if ("ihdr".equals(st)) {
                            j.ihdr = q;
                        } else if ("colr".equals(st)) {
                            j.colr = q;
                        }
                        if (sl < 8) {
                            break;
                        }
                        q += (int) sl;
                    }
                }
                if ("jp2c".equals(type)) {
                    j.cs = p + 8;
                    break;
                }
                if (length < 8) {
                    break;
                }
                p += (int) length;
            }
        }
        if (j.cs < 0) {
            throw new IllegalArgumentException("no codestream");
        }
        int p = j.cs + 2;
        while (p + 4 <= d.length) {
            int m = TiffLayout.u16be(d, p);
            if (m == 0xFF90) {
                break;
            }
            if (m == 0xFF51) {
                j.siz = p;
            } else if (m == 0xFF52) {
                j.cod = p;
            } else if (m == 0xFF5C) {
                j.qcd = p;
            }
            p += 2 + TiffLayout.u16be(d, p + 2);
        }
        while (p + 12 <= d.length && TiffLayout.u16be(d, p) == 0xFF90) {
            j.sots.add(p);
            long psot = TiffLayout.u32be(d, p + 6);
            if (psot == 0) {
                break;
            }
            p += (int) psot;
        }
        return j;
    }
}

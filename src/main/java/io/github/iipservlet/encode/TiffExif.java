package io.github.iipservlet.encode;

import com.twelvemonkeys.imageio.metadata.CompoundDirectory;
import com.twelvemonkeys.imageio.metadata.Directory;
import com.twelvemonkeys.imageio.metadata.Entry;
import com.twelvemonkeys.imageio.metadata.tiff.TIFF;
import com.twelvemonkeys.imageio.metadata.tiff.TIFFReader;
import com.twelvemonkeys.imageio.metadata.tiff.TIFFWriter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.stream.MemoryCacheImageInputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * An Exif block given to a TIFF the encoder wrote (docs/protocols.md 10): jai-imageio's writer takes
 * no sub-IFD, so the first IFD is written again at the end of the file by TwelveMonkeys' TIFF writer
 * with the EXIF IFD pointer (34665) added, its sub-IFD and values after it, and the header pointed
 * at it. The image data and the offsets to it stay where they are; the old IFD is left unused.
 */
final class TiffExif {
    private TiffExif() {
    }

    /** The TIFF with the block's EXIF IFD, or the TIFF as it was when either cannot be read. */
    static byte[] withExif(byte[] tiff, byte[] exifBlock) {
        try {
            Entry exif = exifEntry(exifBlock);
            if (exif == null || tiff.length < 8 || tiff[2] == 43 || tiff[3] == 43) {
                return tiff; // no EXIF IFD, or BigTIFF (the encoder writes classic TIFF)
            }
            Directory ifds = new TIFFReader().read(new MemoryCacheImageInputStream(new ByteArrayInputStream(tiff)));
            Directory first = ifds instanceof CompoundDirectory c ? c.getDirectory(0) : ifds;
            List<Entry> entries = new ArrayList<>();
            for (Entry e : first) {
                if (!e.getIdentifier().equals(TIFF.TAG_EXIF_IFD)) {
                    entries.add(e);
                }
            }
            entries.add(exif);
            entries.sort((a, b) -> Integer.compare(((Number) a.getIdentifier()).intValue(),
                    ((Number) b.getIdentifier()).intValue()));
            ByteArrayOutputStream out = new ByteArrayOutputStream(tiff.length + exifBlock.length + 1024);
            long ifd0;
            try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
                stream.setByteOrder(tiff[0] == 'I' ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
                stream.write(tiff);
                if ((stream.getStreamPosition() & 1) != 0) {
                    stream.write(0); // IFDs start on a word boundary
                }
                ifd0 = new TIFFWriter().writeIFD(entries, stream);
                stream.seek(4);
                stream.writeInt((int) ifd0);
            }
            return out.toByteArray();
        } catch (IOException | RuntimeException e) {
            return tiff;
        }
    }

    private static Entry exifEntry(byte[] block) throws IOException {
        Directory d = new TIFFReader().read(new MemoryCacheImageInputStream(new ByteArrayInputStream(block)));
        Directory first = d instanceof CompoundDirectory c ? c.getDirectory(0) : d;
        Entry e = first.getEntryById(TIFF.TAG_EXIF_IFD);
        return e != null && e.getValue() instanceof Directory ? e : null;
    }
}

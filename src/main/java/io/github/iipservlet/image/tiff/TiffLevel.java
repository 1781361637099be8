package io.github.iipservlet.image.tiff;

import io.github.iipservlet.image.Level;
import io.github.iipservlet.image.SampleType;

/** Everything needed to decode the tiles of one pyramid level, parsed once ({@link TiffLayout}). */
final class TiffLevel {
Level level;
    long[] offsets;
    long[] byteCounts;
    int compression;
    int predictor;
    int photometric;
    /** Samples per pixel as stored in one tile (1 for planar-separate). */
    int samplesInTile;
    /** Samples we hand out per pixel. */
    int outChannels;
    int bits;
    SampleType sampleType;
    /** SOI (+ Adobe marker) + JPEGTables without its SOI and EOI; null unless JPEG. */
    byte[] jpegPrefix;
    boolean passThroughAllowed;
    /** Palette images: RGB of each index, 3 bytes per entry; null otherwise. */
    byte[] palette;
    /** Bytes of one decoded tile as stored (before unpacking). */
    long tileBytes;

    /**
     * The most a stored tile may take: twice its decoded size and some, far beyond what any
     * compression makes of real data, so a damaged byte count is refused before it is allocated.
     */
    long maxStoredBytes() {
        return 2 * tileBytes + 65536;
    }
}

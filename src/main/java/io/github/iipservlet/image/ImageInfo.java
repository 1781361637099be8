package io.github.iipservlet.image;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything the protocols need to know about an image, read once when it is opened and then
 * shared read-only (it lives in the metadata cache).
 *
 * <p>{@link #levels} is in file order: index 0 is full resolution, the last is the smallest.
 * IIP resolution numbers count the other way (0 = smallest); use {@link #levelForResolution}.
 */
public final class ImageInfo {
    public final String format;
    public final List<Level> levels;
    public final int channels;
    public final int bitsPerSample;
    public final SampleType sampleType;
    public final ColourSpace colourSpace;
    /** Per-channel minimum and maximum sample values (SMinSampleValue/SMaxSampleValue or by bit depth). */
    private final double[] minValues;
    private final double[] maxValues;
    /** iipsrv's metadata names (creator, rights, date, description, title, ...): non-empty values only, sorted. */
    public final Map<String, String> metadata;
    /** Resolution in pixels per unit; 0 when unknown. */
    public final double dpiX;
    public final double dpiY;
    /** 0 unknown, 1 inch, 2 centimetre (iipsrv's numbering). */
    public final int resolutionUnit;
    /** ICC profile bytes, or null. */
    public final byte[] iccProfile;
    /** File modification time, milliseconds since the epoch. */
    public final long lastModified;
    /**
     * The source's Exif block (a TIFF header and its IFDs, as a JPEG's APP1 holds it after
     * {@code Exif\0\0}), or null: read from plain JPEG files (docs/protocols.md 10).
     */
    public final byte[] exif;

    public ImageInfo(String format, List<Level> levels, int channels, int bitsPerSample, SampleType sampleType,
            ColourSpace colourSpace, double[] minValues, double[] maxValues, Map<String, String> metadata,
            double dpiX, double dpiY, int resolutionUnit, byte[] iccProfile, long lastModified) {
        this(format, levels, channels, bitsPerSample, sampleType, colourSpace, minValues, maxValues, metadata, dpiX,
                dpiY, resolutionUnit, iccProfile, lastModified, null);
    }

    /** @param exif the source's Exif block, or null */
    public ImageInfo(String format, List<Level> levels, int channels, int bitsPerSample, SampleType sampleType,
            ColourSpace colourSpace, double[] minValues, double[] maxValues, Map<String, String> metadata,
            double dpiX, double dpiY, int resolutionUnit, byte[] iccProfile, long lastModified, byte[] exif) {
        if (levels.isEmpty()) {
            throw new IllegalArgumentException("an image has at least one level");
        }
        this.format = format;
        this.levels = List.copyOf(levels);
        this.channels = channels;
        this.bitsPerSample = bitsPerSample;
        this.sampleType = sampleType;
        this.colourSpace = colourSpace;
        this.minValues = minValues.clone();
        this.maxValues = maxValues.clone();
        this.metadata = Collections.unmodifiableMap(new TreeMap<>(metadata));
        this.dpiX = dpiX;
        this.dpiY = dpiY;
        this.resolutionUnit = resolutionUnit;
        this.iccProfile = iccProfile;
        this.lastModified = lastModified;
        this.exif = exif;
    }

    public int width() {
        return levels.get(0).width();
    }

    public int height() {
        return levels.get(0).height();
    }

    /**
     * The same image without its {@code n} largest levels: the smaller image a limited caller sees
     * (docs/operations.md "Access control"), whose full size is the largest level kept.
     */
    ImageInfo withoutLargestLevels(int n) {
        if (n == 0) {
            return this;
        }
        return new ImageInfo(format, levels.subList(n, levels.size()), channels, bitsPerSample, sampleType,
                colourSpace, minValues, maxValues, metadata, dpiX * levels.get(n).width() / width(),
                dpiY * levels.get(n).height() / height(), resolutionUnit, iccProfile, lastModified, exif);
    }

    public int resolutionCount() {
        return levels.size();
    }

    /** The level for an IIP resolution number (0 = smallest). */
    public Level levelForResolution(int resolution) {
        return levels.get(levels.size() - 1 - resolution);
    }

    public double minValue(int channel) {
        return minValues[channel];
    }

    public double maxValue(int channel) {
        return maxValues[channel];
    }

    public double[] minValues() {
        return minValues.clone();
    }

    public double[] maxValues() {
        return maxValues.clone();
    }
}

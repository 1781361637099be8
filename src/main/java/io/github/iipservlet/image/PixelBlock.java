package io.github.iipservlet.image;

/**
 * A rectangle of raw samples, channel-interleaved, row-major, no padding.
 *
 * <p>The array type follows the sample type: {@code byte[]} for 1 to 8 bit (values 0..255),
 * {@code short[]} for 16 bit (read as unsigned), {@code int[]} for 32-bit integers and
 * {@code float[]} for 32-bit IEEE floats. Readers produce these; the pipeline turns them into
 * 8-bit blocks for the encoders. A block is not shared between threads once handed out.
 */
public final class PixelBlock {
    public final int width;
    public final int height;
    public final int channels;
    /** Bits per sample as stored in the array: 8, 16 or 32. */
    public final int bitsPerSample;
    public final SampleType sampleType;
    /** byte[], short[], int[] or float[] of length width * height * channels. */
    public final Object data;

    public PixelBlock(int width, int height, int channels, int bitsPerSample, SampleType sampleType, Object data) {
        this.width = width;
        this.height = height;
        this.channels = channels;
        this.bitsPerSample = bitsPerSample;
        this.sampleType = sampleType;
        this.data = data;
        int expected = width * height * channels;
        int length = java.lang.reflect.Array.getLength(data);
        if (length < expected) {
            throw new IllegalArgumentException("pixel array holds " + length + " samples, " + expected + " needed");
        }
    }

    public static PixelBlock ofBytes(int width, int height, int channels, byte[] data) {
        return new PixelBlock(width, height, channels, 8, SampleType.UNSIGNED_INT, data);
    }

    public byte[] bytes() {
        return (byte[]) data;
    }

    public short[] shorts() {
        return (short[]) data;
    }

    public int[] ints() {
        return (int[]) data;
    }

    public float[] floats() {
        return (float[]) data;
    }

    public boolean isEightBit() {
        return bitsPerSample == 8 && sampleType == SampleType.UNSIGNED_INT;
    }

    /** Sample value as a double (unsigned for integers). */
    public double sample(int index) {
        if (data instanceof byte[] b) {
            return b[index] & 0xff;
        } else if (data instanceof short[] s) {
            return s[index] & 0xffff;
        } else if (data instanceof int[] i) {
            return sampleType == SampleType.SIGNED_INT ? i[index] : Integer.toUnsignedLong(i[index]);
        } else {
            return ((float[]) data)[index];
        }
    }
}

package io.github.iipservlet.image.jp2;

import io.github.iipservlet.image.PixelBlock;
import io.github.iipservlet.image.SampleType;

/**
 * Decoded JPEG2000 samples (ints of any precision up to 16 bits, signed or not) as the 8-bit or
 * 16-bit samples of a {@link PixelBlock}, as iipsrv scales them (docs/protocols.md 9.3): 1-8 bit components
 * stretched to 0..255 (1 bit times 255, 2 times 85, 4 times 17, others by bit replication), 9-16
 * bit ones to 0..65535 by bit replication. Signed samples are shifted to unsigned first.
 */
final class Jp2Samples {
    private final int precision;
    private final int offset;
    private final int max;

    Jp2Samples(int precision, boolean signed) {
        this.precision = precision;
        this.offset = signed ? 1 << (precision - 1) : 0;
        this.max = (1 << precision) - 1;
    }

    boolean sixteenBit() {
        return precision > 8;
    }

    /** A block for width x height pixels of {@code channels} channels. */
    PixelBlock allocate(int width, int height, int channels) {
        int n = width * height * channels;
        return sixteenBit() ? new PixelBlock(width, height, channels, 16, SampleType.UNSIGNED_INT, new short[n])
                : PixelBlock.ofBytes(width, height, channels, new byte[n]);
    }

    /**
     * Copies one channel's plane into an interleaved block: {@code plane[i]} is pixel i.
     */
    void putPlane(int[] plane, int count, PixelBlock block, int channel) {
        int channels = block.channels;
        if (sixteenBit()) {
            short[] out = block.shorts();
            int up = 16 - precision;
            for (int i = 0, o = channel; i < count; i++, o += channels) {
                out[o] = (short) widen16(clamp(plane[i] + offset), up);
            }
        } else {
            byte[] out = block.bytes();
            if (precision == 8 && offset == 0) {
                for (int i = 0, o = channel; i < count; i++, o += channels) {
                    int v = plane[i];
                    out[o] = (byte) (v < 0 ? 0 : v > 255 ? 255 : v);
                }
            } else {
                for (int i = 0, o = channel; i < count; i++, o += channels) {
                    out[o] = (byte) widen8(clamp(plane[i] + offset));
                }
            }
        }
    }

    private int clamp(int v) {
        return v < 0 ? 0 : v > max ? max : v;
    }

    private int widen8(int v) {
        switch (precision) {
            case 1:
                return v * 255;
            case 2:
                return v * 85;
            case 4:
                return v * 17;
            case 8:
                return v;
            default:
                int shift = 8 - precision;
                int out = v << shift;
                // Replicate the top bits into the bits left empty.
                for (int s = precision; s < 8; s += precision) {
                    out |= v << shift >> s;
                }
                return out & 0xff;
        }
    }

    private static int widen16(int v, int up) {
        if (up == 0) {
            return v;
        }
        int precision = 16 - up;
        int out = v << up;
        for (int s = precision; s < 16; s += precision) {
            out |= out >> s;
        }
        return out & 0xffff;
    }
}

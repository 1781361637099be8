package io.github.iipservlet.testsupport;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the directory structure of a classic TIFF file (either byte order) and patches tag values
 * and tile bytes in place, for tests that damage files the way broken writers and disks do.
 * Test-only: top-level IFDs only, no BigTIFF.
 */
public final class TiffPatch {
    private static final int[] TYPE_SIZES = {0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8};

    private final byte[] bytes;
    private final ByteBuffer buf;
    /** File position of each top-level IFD. */
    private final List<Integer> ifds = new ArrayList<>();

    private TiffPatch(byte[] bytes) {
        this.bytes = bytes;
        this.buf = ByteBuffer.wrap(bytes).order(bytes[0] == 'M' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        long next = Integer.toUnsignedLong(buf.getInt(4));
        while (next != 0 && ifds.size() < 100) {
            ifds.add((int) next);
            int n = buf.getShort((int) next) & 0xffff;
            next = Integer.toUnsignedLong(buf.getInt((int) next + 2 + 12 * n));
        }
    }

    public static TiffPatch of(Path file) throws IOException {
        return new TiffPatch(Files.readAllBytes(file));
    }

    public int ifdCount() {
        return ifds.size();
    }

    /** The file position of an IFD's entry for {@code tag}, or -1. */
    private int entry(int ifd, int tag) {
        int at = ifds.get(ifd);
        int n = buf.getShort(at) & 0xffff;
        for (int i = 0; i < n; i++) {
            int e = at + 2 + 12 * i;
            if ((buf.getShort(e) & 0xffff) == tag) {
                return e;
            }
        }
        return -1;
    }

    /** File position of the first value of a tag (inside the entry when it fits in 4 bytes). */
    public int valuePosition(int ifd, int tag) {
        int e = entry(ifd, tag);
        if (e < 0) {
            throw new IllegalArgumentException("no tag " + tag + " in IFD " + ifd);
        }
        int type = buf.getShort(e + 2) & 0xffff;
        long count = Integer.toUnsignedLong(buf.getInt(e + 4));
        return count * TYPE_SIZES[type] <= 4 ? e + 8 : buf.getInt(e + 8);
    }

    private int typeSize(int ifd, int tag) {
        return TYPE_SIZES[buf.getShort(entry(ifd, tag) + 2) & 0xffff];
    }

    /** The number of values of a tag. */
    public long count(int ifd, int tag) {
        return Integer.toUnsignedLong(buf.getInt(entry(ifd, tag) + 4));
    }

    /** A copy of {@code count} bytes of the file from {@code position}. */
    public byte[] bytesAt(int position, int count) {
        return java.util.Arrays.copyOfRange(bytes, position, position + count);
    }

    /** The values of an integer tag (BYTE, SHORT or LONG). */
    public long[] values(int ifd, int tag) {
        int e = entry(ifd, tag);
        int count = buf.getInt(e + 4);
        int size = typeSize(ifd, tag);
        int at = valuePosition(ifd, tag);
        long[] out = new long[count];
        for (int i = 0; i < count; i++) {
            out[i] = switch (size) {
                case 1 -> bytes[at + i] & 0xff;
                case 2 -> buf.getShort(at + 2 * i) & 0xffff;
                default -> Integer.toUnsignedLong(buf.getInt(at + 4 * i));
            };
        }
        return out;
    }

    /** Overwrites value {@code index} of an integer tag (truncated to the tag's type). */
    public TiffPatch set(int ifd, int tag, int index, long value) {
        int size = typeSize(ifd, tag);
        int at = valuePosition(ifd, tag) + size * index;
        switch (size) {
            case 1 -> bytes[at] = (byte) value;
            case 2 -> buf.putShort(at, (short) value);
            default -> buf.putInt(at, (int) value);
        }
        return this;
    }

    /** The stored bytes of tile {@code tile} of IFD {@code ifd}. */
    public byte[] tile(int ifd, int tile) {
        int offset = (int) values(ifd, 324)[tile];
        int count = (int) values(ifd, 325)[tile];
        return java.util.Arrays.copyOfRange(bytes, offset, offset + count);
    }

    /** File position of the first byte of a tile. */
    public int tileOffset(int ifd, int tile) {
        return (int) values(ifd, 324)[tile];
    }

    /** Sets one byte of the file. */
    public TiffPatch setByte(int position, int value) {
        bytes[position] = (byte) value;
        return this;
    }

    /**
     * File position of the first component's sampling-factor byte in the SOF segment of a JPEG
     * tile (the tile's own stream: libtiff-style tiles carry their SOF, the tables are shared).
     */
    public int jpegSamplingFactor(int ifd, int tile) {
        int offset = tileOffset(ifd, tile);
        byte[] t = tile(ifd, tile);
        for (int i = 2; i + 10 < t.length; i++) {
            if ((t[i] & 0xff) == 0xFF && (t[i + 1] & 0xff) >= 0xC0 && (t[i + 1] & 0xff) <= 0xC2) {
                // marker, length (2), precision, height (2), width (2), components, then id, HV, table
                return offset + i + 2 + 2 + 1 + 2 + 2 + 1 + 1;
            }
        }
        throw new IllegalArgumentException("no SOF in tile " + tile);
    }

    public void write(Path file) throws IOException {
        Files.write(file, bytes);
    }
}

package io.github.iipservlet.image;

/**
 * Positional reads of one stored object, safe for several threads at once (no shared position).
 * A local file reads with {@code FileChannel}; a remote object with one ranged request per read
 * (docs/operations.md "Object storage").
 */
public interface ImageBytes extends AutoCloseable {

    /** The object's length when it was opened: nothing is read past it. */
    long size();

    /**
     * Reads exactly {@code length} bytes at {@code position}.
     *
     * @throws ImageException CORRUPT when the object is shorter than that, UNAVAILABLE when its store
     *                        does not answer, NOT_FOUND when it has gone
     */
    void read(long position, byte[] into, int offset, int length) throws ImageException;

    /** {@link #read} into a new array. */
    default byte[] read(long position, int length) throws ImageException {
        byte[] b = new byte[length];
        read(position, b, 0, length);
        return b;
    }

    /**
     * Says which ranges are about to be read, so that a remote object can fetch them together
     * (neighbours coalesced, the rest concurrently) before the reads ask for them one by one. A
     * local file ignores it.
     */
    default void prefetch(long[] positions, int[] lengths) throws ImageException {
    }

    /** True when reads are slow enough (a network round trip each) that {@link #prefetch} pays. */
    default boolean remote() {
        return false;
    }

    @Override
    void close();
}
